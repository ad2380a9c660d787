import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { AssignorCase, AssignorClaims, AssignorUnderTest, KitAssignment } from '../types.ts';

/**
 * Any assignor, in any language, behind the kit's JSON-lines protocol (kit/assignors/README.md):
 * one long-lived process; it prints {"ready": "<version>"} once, then answers each request line
 * {"members": [...], "partitionCounts": {...}} with one line {"assignment": {...}} or
 * {"error": "..."}. Requests go one at a time, in order.
 */
export class JsonLinesProcess {
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly waiting: { resolve: (a: KitAssignment) => void; reject: (e: Error) => void }[] = [];
  private ready: Promise<void> | null = null;

  constructor(
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly hint: string,
  ) {}

  private start(): Promise<void> {
    const child = spawn(this.command, [...this.args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    let settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
    const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let reply: { ready?: string; assignment?: KitAssignment; error?: string };
      try {
        reply = JSON.parse(line);
      } catch {
        reply = { error: `not a JSON line: ${line.slice(0, 200)}` };
      }
      if (reply.ready !== undefined) return settle?.resolve();
      const next = this.waiting.shift();
      if (next === undefined) return;
      if (reply.error !== undefined) next.reject(new Error(reply.error));
      else next.resolve(reply.assignment ?? {});
      if (this.waiting.length === 0) this.setRef(false);
    });
    const fail = (why: string): void => {
      const last = stderr.trim().split('\n').at(-1) ?? '';
      const error = new Error(`${[this.command, ...this.args].join(' ')}: ${why}${last === '' ? '' : `: ${last}`} (${this.hint})`);
      settle?.reject(error);
      for (const w of this.waiting.splice(0)) w.reject(error);
      this.child = null;
      this.ready = null;
    };
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code) => fail(`exited with ${code}`));
    return ready;
  }

  /** While nothing is pending the process must not keep Node alive (it ends at EOF when we exit). */
  private setRef(on: boolean): void {
    const c = this.child;
    if (c === null) return;
    for (const handle of [c, c.stdin, c.stdout, c.stderr] as unknown as { ref?: () => void; unref?: () => void }[]) {
      if (on) handle.ref?.();
      else handle.unref?.();
    }
  }

  async assign(input: AssignorCase): Promise<KitAssignment> {
    this.ready ??= this.start();
    this.setRef(true);
    await this.ready;
    return new Promise<KitAssignment>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child!.stdin.write(`${JSON.stringify({ members: input.members, partitionCounts: input.partitionCounts })}\n`);
    });
  }
}

/** An assignor behind an arbitrary command speaking the protocol (`groupspec assignors --exec`). */
export function externalAssignor(name: string, command: string, args: readonly string[], claims: AssignorClaims): AssignorUnderTest {
  const process = new JsonLinesProcess(command, args, 'see kit/assignors/README.md for the protocol');
  return { name, description: `${[command, ...args].join(' ')} (JSON-lines protocol)`, claims, assign: (input) => process.assign(input) };
}
