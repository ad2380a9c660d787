import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * librdkafka's mock cluster (Debian librdkafka 2.0.2) behind `build/groupspec-mock`
 * (oracle/live/mock.c): one child process, a ready line, then one command line in and one reply
 * line out, in order. Every wait is bounded; a child that exits or prints garbage fails every
 * pending and later command with an error naming it, and `close()` always ends the child.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MOCK_SOURCE = join(repoRoot, 'oracle', 'live', 'mock.c');
export const MOCK_BINARY = join(repoRoot, 'build', 'groupspec-mock');
export const MOCK_BUILD_COMMAND = 'npx tsx scripts/build-mock.ts';

/** Kafka API keys the live sessions inject errors on. */
export const API_KEYS = { OffsetCommit: 8, OffsetFetch: 9, FindCoordinator: 10, JoinGroup: 11, Heartbeat: 12, LeaveGroup: 13, SyncGroup: 14, ConsumerGroupHeartbeat: 68 } as const;

export interface MockAck {
  cmd: string;
  /** The helper's monotonic clock (ms since it started) when the command was applied. */
  tMs: number;
}

export interface MockLogLine {
  tMs: number;
  message: string;
}

export interface MockClusterOptions {
  brokers?: number;
  topics?: readonly { name: string; partitions: number }[];
  /** Forward the mock's own debug lines about consumer groups to `onLog`. */
  debug?: boolean;
  onLog?: (line: MockLogLine) => void;
  readyTimeoutMs?: number;
  commandTimeoutMs?: number;
  binary?: string;
}

interface Pending {
  line: string;
  resolve: (ack: MockAck) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const TOKEN = /^[A-Za-z0-9._-]+$/;

function token(what: string, value: string): string {
  if (!TOKEN.test(value)) throw new Error(`mock: ${what} ${JSON.stringify(value)} must match ${TOKEN} (the helper's commands are space-separated)`);
  return value;
}

function brokerId(id: number): number {
  if (!Number.isInteger(id) || id < 1) throw new Error(`mock: broker id ${id} is not a positive integer (mock brokers are numbered from 1)`);
  return id;
}

export class MockCluster {
  private readonly pending: Pending[] = [];
  private broken: Error | null = null;
  private exited = false;
  private readonly exitPromise: Promise<void>;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly bootstraps: string,
    readonly brokers: number,
    /** librdkafka's version string as the helper reports it (rd_kafka_version_str). */
    readonly version: string,
    private readonly commandTimeoutMs: number,
    exitPromise: Promise<void>,
  ) {
    this.exitPromise = exitPromise;
  }

  /** Why the helper is unusable (it exited, stopped answering, or was closed), or null while it works. */
  get failure(): Error | null {
    return this.broken;
  }

  /** "host:port" of broker `id` (the helper lists brokers in id order, ids from 1). */
  address(id: number): string {
    return this.bootstraps.split(',')[brokerId(id) - 1] ?? '';
  }

  /** Broker id for a "host:port", or undefined. */
  idOf(address: string): number | undefined {
    const i = this.bootstraps.split(',').indexOf(address);
    return i < 0 ? undefined : i + 1;
  }

  static async start(options: MockClusterOptions = {}): Promise<MockCluster> {
    const binary = options.binary ?? MOCK_BINARY;
    if (!existsSync(binary)) {
      const shown = relative(process.cwd(), binary);
      throw new Error(`mock: ${shown.startsWith('..') || shown === '' ? binary : shown} does not exist; build it with \`${MOCK_BUILD_COMMAND}\` (needs apt-get install -y librdkafka-dev pkg-config gcc)`);
    }
    const brokers = options.brokers ?? 3;
    const args = ['--brokers', String(brokers)];
    for (const t of options.topics ?? []) args.push('--topic', `${token('topic', t.name)}:${t.partitions}`);
    if (options.debug === true) args.push('--debug');
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const exitPromise = new Promise<void>((res) => child.once('exit', () => res()));
    const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;

    let onLine: (line: string) => void = () => {};
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (line) => onLine(line));

    const ready = await new Promise<{ bootstraps: string; brokers: number; version: string }>((res, rej) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        const last = stderr.trim().split('\n').at(-1) ?? '';
        rej(new Error(`mock: ${binary} ${args.join(' ')}: ${why}${last === '' ? '' : `: ${last}`}`));
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(`no ready line within ${readyTimeoutMs} ms`);
      }, readyTimeoutMs);
      const onError = (e: Error): void => fail(e.message);
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (${signal ?? code}) before ready`);
      child.once('error', onError);
      child.once('exit', onExit);
      onLine = (line) => {
        let msg: { type?: unknown; bootstraps?: unknown; brokers?: unknown; librdkafka?: unknown };
        try {
          msg = JSON.parse(line);
        } catch {
          child.kill('SIGKILL');
          return fail(`not a JSON line before ready: ${line.slice(0, 200)}`);
        }
        if (msg.type === 'log') return;
        if (msg.type !== 'ready' || typeof msg.bootstraps !== 'string' || typeof msg.brokers !== 'number') {
          child.kill('SIGKILL');
          return fail(`expected a ready line, got ${line.slice(0, 200)}`);
        }
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        child.removeListener('error', onError);
        res({ bootstraps: msg.bootstraps, brokers: msg.brokers, version: String(msg.librdkafka ?? 'unknown') });
      };
    });

    const mock = new MockCluster(child, ready.bootstraps, ready.brokers, ready.version, options.commandTimeoutMs ?? 5_000, exitPromise);
    mock.stderr = stderr;
    child.stderr.on('data', (chunk) => (mock.stderr = (mock.stderr + String(chunk)).slice(-4000)));
    child.on('error', (e) => mock.fail(`process error: ${e.message}`));
    child.on('exit', (code, signal) => {
      mock.exited = true;
      mock.fail(`exited (${signal ?? code})`);
    });
    onLine = (line) => mock.onLine(line, options.onLog);
    return mock;
  }

  private fail(why: string): void {
    const last = this.stderr.trim().split('\n').at(-1) ?? '';
    this.broken ??= new Error(`mock: ${why}${last === '' ? '' : `: ${last}`}`);
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(new Error(`${this.broken.message} (while waiting for "${p.line}")`));
    }
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private onLine(line: string, onLog: ((l: MockLogLine) => void) | undefined): void {
    let msg: { type?: unknown; cmd?: unknown; ok?: unknown; tMs?: unknown; message?: unknown; line?: unknown };
    try {
      msg = JSON.parse(line);
    } catch {
      return this.fail(`not a JSON line: ${line.slice(0, 200)}`);
    }
    if (msg.type === 'log') {
      onLog?.({ tMs: Number(msg.tMs), message: String(msg.message) });
      return;
    }
    const p = this.pending.shift();
    if (p === undefined) return this.fail(`reply without a command: ${line.slice(0, 200)}`);
    clearTimeout(p.timer);
    if (msg.type === 'ack' && msg.ok === true && typeof msg.cmd === 'string' && typeof msg.tMs === 'number') {
      p.resolve({ cmd: msg.cmd, tMs: msg.tMs });
    } else if (msg.type === 'error') {
      p.reject(new Error(`mock: "${p.line}": ${String(msg.message)}`));
    } else {
      p.reject(new Error(`mock: "${p.line}": unexpected reply ${line.slice(0, 200)}`));
      this.fail(`unexpected reply ${line.slice(0, 200)}`);
    }
  }

  /** Sends one command line and awaits its reply (bounded by the command timeout). */
  command(line: string): Promise<MockAck> {
    if (this.broken !== null) return Promise.reject(new Error(`${this.broken.message} (refusing "${line}")`));
    if (line.includes('\n')) return Promise.reject(new Error(`mock: a command is one line: ${JSON.stringify(line)}`));
    return new Promise<MockAck>((res, rej) => {
      const timer = setTimeout(() => {
        this.fail(`no reply to "${line}" within ${this.commandTimeoutMs} ms`);
      }, this.commandTimeoutMs);
      this.pending.push({ line, resolve: res, reject: rej, timer });
      this.child.stdin.write(`${line}\n`, (e) => {
        if (e) this.fail(`cannot write "${line}": ${e.message}`);
      });
    });
  }

  down(id: number): Promise<MockAck> {
    return this.command(`down ${brokerId(id)}`);
  }

  up(id: number): Promise<MockAck> {
    return this.command(`up ${brokerId(id)}`);
  }

  moveCoordinator(groupId: string, id: number): Promise<MockAck> {
    return this.command(`coordinator ${token('group id', groupId)} ${brokerId(id)}`);
  }

  /** Error names as librdkafka spells them without RD_KAFKA_RESP_ERR_ (NOT_COORDINATOR, ...). */
  pushErrors(apiKey: number, names: readonly string[]): Promise<MockAck> {
    if (names.length === 0) return Promise.reject(new Error('mock: pushErrors needs at least one error name'));
    return this.command(`errors ${apiKey} ${names.map((n) => token('error name', n)).join(' ')}`);
  }

  clearErrors(apiKey: number): Promise<MockAck> {
    return this.command(`clear ${apiKey}`);
  }

  rtt(id: number, ms: number): Promise<MockAck> {
    return this.command(`rtt ${brokerId(id)} ${Math.max(0, Math.round(ms))}`);
  }

  leader(topic: string, partition: number, id: number): Promise<MockAck> {
    return this.command(`leader ${token('topic', topic)} ${partition} ${brokerId(id)}`);
  }

  /** Asks the helper to quit, then kills it if it has not exited; always resolves. */
  async close(timeoutMs = 3_000): Promise<void> {
    if (!this.exited) {
      try {
        this.child.stdin.end('quit\n');
      } catch {
        // the pipe may already be gone; the kill below covers it
      }
      const waited = await Promise.race([this.exitPromise.then(() => true), sleep(timeoutMs).then(() => false)]);
      if (!waited && !this.exited) {
        this.child.kill('SIGKILL');
        await Promise.race([this.exitPromise, sleep(2_000)]);
      }
    }
    this.broken ??= new Error('mock: closed');
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(new Error(`mock: closed (while waiting for "${p.line}")`));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms).unref());
}

/**
 * Compiles oracle/live/mock.c into build/groupspec-mock with gcc and pkg-config's flags for
 * rdkafka (skipped when the binary is newer than the source, unless `force`). Throws an error
 * that names the missing package when librdkafka-dev, pkg-config or gcc is absent.
 */
export function buildMockHelper(options: { force?: boolean } = {}): string {
  if (options.force !== true && existsSync(MOCK_BINARY) && statSync(MOCK_BINARY).mtimeMs >= statSync(MOCK_SOURCE).mtimeMs) return MOCK_BINARY;
  const install = 'apt-get install -y librdkafka-dev pkg-config gcc';
  let flags: string[];
  try {
    flags = execFileSync('pkg-config', ['--cflags', '--libs', 'rdkafka'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .trim()
      .split(/\s+/)
      .filter((f) => f !== '');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'pkg-config is not installed' : 'pkg-config does not know rdkafka (librdkafka-dev is not installed)';
    throw new Error(`buildMockHelper: ${why}; run \`${install}\``);
  }
  mkdirSync(dirname(MOCK_BINARY), { recursive: true });
  try {
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', MOCK_BINARY, MOCK_SOURCE, ...flags], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new Error(`buildMockHelper: gcc is not installed; run \`${install}\``);
    throw new Error(`buildMockHelper: gcc failed (is librdkafka-dev 2.x with rdkafka_mock.h installed? \`${install}\`):\n${err.stderr ?? err.message}`);
  }
  return MOCK_BINARY;
}
