/**
 * Compact, deterministic spellings of values for traces: lists as `[t0-0,t0-1]`, maps as
 * `{m1:[t0-0], m2:[]}`, the empty string as `""` (an empty member id is meaningful in Kafka:
 * "not a member yet"). Shared by every renderer so the same value always reads the same.
 */

export function compact(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(compact).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, inner]) => `${key}:${compact(inner)}`).join(', ')}}`;
  }
  return String(value);
}

/** A duration or instant in simulated milliseconds. */
export function ms(value: number): string {
  return `${value}ms`;
}

/**
 * Break a line longer than `width` at spaces; continuation lines are indented four more columns
 * than the original. Tokens without spaces (a long partition list) are never split.
 */
export function wrap(line: string, width = 120): string[] {
  if (line.length <= width) return [line];
  const indent = /^ */.exec(line)?.[0] ?? '';
  const continuation = `${indent}    `;
  const words = line.slice(indent.length).split(' ');
  const lines: string[] = [];
  let current = indent;
  let currentHasWord = false;
  for (const word of words) {
    const candidate = currentHasWord ? `${current} ${word}` : `${current}${word}`;
    if (candidate.length > width && currentHasWord) {
      lines.push(current);
      current = `${continuation}${word}`;
    } else {
      current = candidate;
    }
    currentHasWord = true;
  }
  lines.push(current);
  return lines;
}
