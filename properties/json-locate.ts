/**
 * Where things are in a JSON text: the line of each field (so a schema error can say "line 41"),
 * and the position of a syntax error (Node 20's JSON.parse often reports none).
 *
 * One small RFC 8259 scanner does both. It is only used on the error path, so it favours
 * clarity over speed, and it never throws to its callers.
 */

export type JsonPath = readonly (string | number)[];

export interface TextPosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/** `events[3].durationMs`; keys that are not identifiers are quoted: `initialTopics["my.topic"]`. */
export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === '' ? '(top level)' : out;
}

/** The value at `path` in parsed JSON; undefined where the path leads nowhere. */
export function valueAtJsonPath(json: unknown, path: JsonPath): unknown {
  let current: unknown = json;
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** A value as JSON for an error message, cut to 40 characters. */
export function previewJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export interface JsonSyntaxProblem {
  readonly offset: number;
  readonly message: string;
  /** The text ended before the value did: a truncated file. */
  readonly truncated: boolean;
}

/** Scan `text` as JSON; null when it is valid, else where and why it is not. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | null {
  try {
    new Scanner(text, null).document();
    return null;
  } catch (error) {
    if (error instanceof ScanError) {
      return { offset: error.offset, message: error.message, truncated: error.offset >= text.length };
    }
    return null;
  }
}

/**
 * The 1-based line where the value at `path` is written: for an object member, the line of its
 * key; for an array element, the line where the element starts. A path that is not in the text
 * (a missing field) falls back to its nearest ancestor that is. Undefined only if the text does
 * not scan.
 */
export function lineOfJsonPath(text: string, path: JsonPath): number | undefined {
  const lines = new Map<string, number>();
  try {
    new Scanner(text, lines).document();
  } catch {
    return undefined;
  }
  for (let length = path.length; length >= 0; length--) {
    const line = lines.get(formatJsonPath(path.slice(0, length)));
    if (line !== undefined) return line;
  }
  return undefined;
}

class ScanError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Deeper nesting than this is not a counterexample file; stop rather than exhaust the stack. */
const MAX_DEPTH = 256;

class Scanner {
  private offset = 0;
  private line = 1;

  constructor(
    private readonly text: string,
    /** When given, receives formatted path -> line for every value. */
    private readonly lines: Map<string, number> | null,
  ) {}

  document(): void {
    this.skipWhitespace();
    this.value([], this.line, 0);
    this.skipWhitespace();
    if (this.offset < this.text.length) this.fail('unexpected text after the end of the JSON value');
  }

  private value(path: (string | number)[], line: number, depth: number): void {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.lines?.set(formatJsonPath(path), line);
    const ch = this.peek();
    if (ch === '{') this.object(path, depth);
    else if (ch === '[') this.array(path, depth);
    else if (ch === '"') this.string();
    else if (ch === '-' || (ch >= '0' && ch <= '9')) this.number();
    else if (ch === 't') this.literal('true');
    else if (ch === 'f') this.literal('false');
    else if (ch === 'n') this.literal('null');
    else if (ch === '') this.fail('unexpected end of input: a value was expected');
    else this.fail(`unexpected ${describe(ch)}: a value was expected`);
  }

  private object(path: (string | number)[], depth: number): void {
    this.offset++; // {
    this.skipWhitespace();
    if (this.peek() === '}') {
      this.offset++;
      return;
    }
    for (;;) {
      if (this.peek() !== '"') this.fail(`expected a property name in double quotes, found ${describe(this.peek())}`);
      const keyLine = this.line;
      const key = this.string();
      this.skipWhitespace();
      if (this.peek() !== ':') this.fail(`expected ':' after property name, found ${describe(this.peek())}`);
      this.offset++;
      this.skipWhitespace();
      this.value([...path, key], keyLine, depth + 1);
      this.skipWhitespace();
      const next = this.peek();
      this.offset++;
      if (next === '}') return;
      if (next !== ',') this.fail(`expected ',' or '}' after a property value, found ${describe(next)}`, -1);
      this.skipWhitespace();
    }
  }

  private array(path: (string | number)[], depth: number): void {
    this.offset++; // [
    this.skipWhitespace();
    if (this.peek() === ']') {
      this.offset++;
      return;
    }
    for (let index = 0; ; index++) {
      this.value([...path, index], this.line, depth + 1);
      this.skipWhitespace();
      const next = this.peek();
      this.offset++;
      if (next === ']') return;
      if (next !== ',') this.fail(`expected ',' or ']' after an array element, found ${describe(next)}`, -1);
      this.skipWhitespace();
    }
  }

  /** Returns the decoded string; the opening quote is at the current offset. */
  private string(): string {
    const start = this.offset;
    this.offset++;
    for (;;) {
      const ch = this.peek();
      if (ch === '') this.fail('unexpected end of input inside a string');
      if (ch === '"') break;
      if (ch < ' ') this.fail('unescaped control character (e.g. a line break) inside a string');
      if (ch === '\\') {
        const escaped = this.text[this.offset + 1] ?? '';
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.offset + 2, this.offset + 6))) {
            this.fail('bad \\u escape in a string');
          }
          this.offset += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(escaped) || escaped === '') this.fail(`bad escape \\${escaped} in a string`);
        this.offset += 2;
        continue;
      }
      this.offset++;
    }
    this.offset++; // closing quote
    return JSON.parse(this.text.slice(start, this.offset)) as string;
  }

  private number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.offset, this.offset + 400));
    if (match === null) this.fail('malformed number');
    this.offset += match[0].length;
    const next = this.peek();
    if (next !== '' && /[0-9.eE+-]/.test(next)) this.fail('malformed number');
  }

  private literal(word: string): void {
    if (this.text.startsWith(word, this.offset)) {
      this.offset += word.length;
      return;
    }
    this.fail(`unexpected ${describe(this.peek())}: a value was expected`);
  }

  private skipWhitespace(): void {
    for (;;) {
      const ch = this.text[this.offset];
      if (ch === '\n') this.line++;
      else if (ch !== ' ' && ch !== '\t' && ch !== '\r') return;
      this.offset++;
    }
  }

  private peek(): string {
    return this.text[this.offset] ?? '';
  }

  /** `back` points the error at a character already consumed. */
  private fail(message: string, back = 0): never {
    throw new ScanError(this.offset + back, message);
  }
}

function describe(ch: string): string {
  return ch === '' ? 'end of input' : JSON.stringify(ch);
}
