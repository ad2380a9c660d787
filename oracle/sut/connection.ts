import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type OracleMessage, parseSutLine, type SutLine, type SutResponseBody } from './protocol.ts';

/**
 * How the oracle talks to an implementation under test: send one message, get back the responses
 * it emitted up to its `done` (or `ready`). A SUT that crashes, hangs or breaks the protocol makes
 * `exchange` throw a SutFault — the oracle's verdict for it, never a violation of a Kafka promise.
 */

export interface SutReply {
  /** The id of the request this answers. */
  readonly requestId: number;
  readonly body: SutResponseBody;
}

export interface Exchange {
  readonly replies: readonly SutReply[];
  /** From `ready`: what the SUT says it is. */
  readonly implementation?: string;
}

export interface SutConnection {
  exchange(message: OracleMessage): Promise<Exchange>;
  close(): Promise<void>;
}

export type SutFaultKind = 'crash' | 'hang' | 'protocol-error';

export class SutFault extends Error {
  constructor(
    readonly kind: SutFaultKind,
    message: string,
    /** The last lines the SUT wrote to stderr. */
    readonly stderrTail: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Collects the lines of one exchange: responses until the `done` (or `ready`) of `id`. */
function collect(message: OracleMessage, lines: readonly SutLine[]): Exchange {
  const replies: SutReply[] = [];
  let implementation: string | undefined;
  for (const line of lines) {
    if (line.type === 'response') replies.push({ requestId: line.id, body: line.body });
    else if (line.id !== message.id) throw new SutFault('protocol-error', `${line.type} for id ${line.id} while message ${message.id} was pending`);
    else if (line.type === 'ready') {
      if (message.type !== 'hello') throw new SutFault('protocol-error', `ready answers a hello, not a ${message.type}`);
      implementation = line.implementation;
    } else if (message.type === 'hello') throw new SutFault('protocol-error', 'a hello is answered with ready, not done');
  }
  return implementation === undefined ? { replies } : { replies, implementation };
}

/** A child process speaking NDJSON on stdin/stdout. */
export class ProcessSut implements SutConnection {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stderr: string[] = [];
  private buffered: SutLine[] = [];
  private pending: { id: number; finish: (error: SutFault | null) => void } | null = null;
  private fault: SutFault | null = null;

  constructor(
    readonly command: string,
    private readonly timeoutMs: number,
  ) {
    this.child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      this.stderr.push(line);
      if (this.stderr.length > 20) this.stderr.shift();
    });
    createInterface({ input: this.child.stdout }).on('line', (text) => this.onLine(text));
    this.child.on('error', (e) => this.fail(new SutFault('crash', `could not run ${JSON.stringify(command)}: ${e.message}`)));
    this.child.on('exit', (code, signal) => this.fail(new SutFault('crash', `exited (${signal ?? `code ${code}`}) with message ${this.pending?.id ?? '-'} unanswered`)));
    this.child.stdin.on('error', () => {}); // a closed pipe shows up as the exit above
  }

  private onLine(text: string): void {
    if (text.trim() === '') return;
    const parsed = parseSutLine(text);
    if (!parsed.ok) return this.fail(new SutFault('protocol-error', parsed.problem));
    if (this.pending === null) return this.fail(new SutFault('protocol-error', `a ${parsed.line.type} line arrived while nothing was pending`));
    this.buffered.push(parsed.line);
    if (parsed.line.type !== 'response') this.pending.finish(null);
  }

  private fail(fault: SutFault): void {
    if (this.fault !== null) return;
    this.fault = new SutFault(fault.kind, fault.message, [...this.stderr]);
    this.pending?.finish(this.fault);
  }

  exchange(message: OracleMessage): Promise<Exchange> {
    if (this.fault !== null) return Promise.reject(this.fault);
    return new Promise<Exchange>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new SutFault('hang', `no ${message.type === 'hello' ? 'ready' : 'done'} for message ${message.id} (${message.type}) within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending = {
        id: message.id,
        finish: (error) => {
          clearTimeout(timer);
          this.pending = null;
          const lines = this.buffered;
          this.buffered = [];
          if (error !== null) return reject(error);
          try {
            resolve(collect(message, lines));
          } catch (e) {
            const fault = e instanceof SutFault ? new SutFault(e.kind, e.message, [...this.stderr]) : (e as Error);
            if (fault instanceof SutFault) this.fault = fault;
            reject(fault);
          }
        },
      };
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  async close(): Promise<void> {
    this.fault ??= new SutFault('crash', 'closed by the oracle');
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The in-process adapter for JavaScript/TypeScript implementations: the same messages as objects.
 * `handle` returns the lines the SUT would have written for the message, `done`/`ready` last.
 */
export interface InProcessSut {
  handle(message: OracleMessage): readonly SutLine[] | Promise<readonly SutLine[]>;
}

export class InProcessConnection implements SutConnection {
  constructor(private readonly sut: InProcessSut) {}

  async exchange(message: OracleMessage): Promise<Exchange> {
    let lines: readonly SutLine[];
    try {
      lines = await this.sut.handle(message);
    } catch (e) {
      throw new SutFault('crash', `threw on message ${message.id}: ${(e as Error).message}`);
    }
    const last = lines.at(-1);
    if (last === undefined || last.type === 'response' || last.id !== message.id) {
      throw new SutFault('protocol-error', `message ${message.id} was not answered with ${message.type === 'hello' ? 'ready' : 'done'} last`);
    }
    return collect(message, lines);
  }

  async close(): Promise<void> {}
}
