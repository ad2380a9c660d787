/**
 * JSON for files people read and diff: two-space indentation like JSON.stringify(v, null, 2),
 * except that a list of plain values (`["t0", "t1"]`) and each element of a list of objects (one
 * history event) stay on one line when they fit. A 30-event history is then 30 lines, and a
 * changed event is a one-line diff.
 */

const WIDTH = 120;

export function prettyJson(value: unknown): string {
  return `${format(value, '', '', false)}\n`;
}

/** `prefix` is what precedes the value on its line (indentation and key), for the width check. */
function format(value: unknown, indent: string, prefix: string, isArrayElement: boolean): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inline = formatInline(value);
  const fits = prefix.length + inline.length + 1 <= WIDTH;
  if (fits && (isArrayElement || isListOfPlainValues(value))) return inline;

  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => `${inner}${format(item, inner, inner, true)}`);
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, item]) => {
    const head = `${inner}${JSON.stringify(key)}: `;
    return `${head}${format(item, inner, head, false)}`;
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

function isListOfPlainValues(value: object): boolean {
  return Array.isArray(value) && value.every((item) => item === null || typeof item !== 'object');
}

function formatInline(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(formatInline).join(', ')}]`;
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([key, item]) => `${JSON.stringify(key)}: ${formatInline(item)}`).join(', ')} }`;
}
