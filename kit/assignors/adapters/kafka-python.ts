import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { AssignorClaims, AssignorUnderTest, AssignorCase, KitAssignment } from '../types.ts';

/**
 * kafka-python 2.0.2's assignors (Debian `python3-kafka`), through a JSON-lines bridge to one
 * long-lived Python process (kafka_python_bridge.py). Debian's interpreter is /usr/bin/python3
 * (the `python3` on PATH may be another build without the package); GROUPSPEC_PYTHON overrides it.
 */
export const KAFKA_PYTHON_VERSION = '2.0.2';
const BRIDGE = fileURLToPath(new URL('./kafka_python_bridge.py', import.meta.url));

type Pending = { resolve: (a: KitAssignment) => void; reject: (e: Error) => void };

class Bridge {
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly queue: Pending[] = [];
  private ready: Promise<void> | null = null;

  private start(): Promise<void> {
    const python = process.env.GROUPSPEC_PYTHON ?? '/usr/bin/python3';
    const child = spawn(python, [BRIDGE], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const lines = createInterface({ input: child.stdout });
    let onReady: (() => void) | null = null;
    let onFail: ((e: Error) => void) | null = null;
    const ready = new Promise<void>((resolve, reject) => ((onReady = resolve), (onFail = reject)));
    lines.on('line', (line) => {
      const reply = JSON.parse(line) as { ready?: string; assignment?: KitAssignment; error?: string };
      if (reply.ready !== undefined) return onReady?.();
      const pending = this.queue.shift();
      if (pending === undefined) return;
      if (reply.error !== undefined) pending.reject(new Error(reply.error));
      else pending.resolve(reply.assignment ?? {});
      if (this.queue.length === 0) this.idle();
    });
    const fail = (why: string): void => {
      const error = new Error(`kafka-python bridge (${python}): ${why}${stderr === '' ? '' : `: ${stderr.trim().split('\n').at(-1)}`}`);
      onFail?.(error);
      for (const p of this.queue.splice(0)) p.reject(error);
      this.child = null;
      this.ready = null;
    };
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code) => fail(`exited with ${code} (is Debian's python3-kafka installed? apt-get install -y python3-kafka)`));
    return ready;
  }

  /** Nothing pending: let the process exit without waiting for the bridge (it ends at EOF). */
  private idle(): void {
    this.child?.unref();
    (this.child?.stdout as unknown as { unref?: () => void })?.unref?.();
    (this.child?.stdin as unknown as { unref?: () => void })?.unref?.();
    (this.child?.stderr as unknown as { unref?: () => void })?.unref?.();
  }

  private busy(): void {
    this.child?.ref();
    (this.child?.stdout as unknown as { ref?: () => void })?.ref?.();
    (this.child?.stdin as unknown as { ref?: () => void })?.ref?.();
    (this.child?.stderr as unknown as { ref?: () => void })?.ref?.();
  }

  async assign(assignor: string, input: AssignorCase): Promise<KitAssignment> {
    this.ready ??= this.start();
    this.busy();
    await this.ready;
    return new Promise<KitAssignment>((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.child!.stdin.write(`${JSON.stringify({ assignor, members: input.members, partitionCounts: input.partitionCounts })}\n`);
    });
  }
}

const bridge = new Bridge();

function kafkaPython(assignor: 'range' | 'roundrobin' | 'sticky', claims: AssignorClaims, description: string): () => AssignorUnderTest {
  return () => ({
    name: `kafka-python-${assignor}@${KAFKA_PYTHON_VERSION}`,
    description,
    claims,
    assign: (input) => bridge.assign(assignor, input),
  });
}

export const kafkaPythonRange = kafkaPython('range', { total: true, balance: 'per-topic', sticky: false, cooperative: false }, "kafka-python's RangePartitionAssignor");
export const kafkaPythonRoundRobin = kafkaPython(
  'roundrobin',
  // Its docstring: uniform when subscriptions are identical.
  { total: true, balance: 'global-when-identical', sticky: false, cooperative: false },
  "kafka-python's RoundRobinPartitionAssignor",
);
export const kafkaPythonSticky = kafkaPython(
  'sticky',
  // The sticky assignor's two goals: balanced first, then as sticky as possible (KIP-54).
  { total: true, balance: 'global', sticky: true, cooperative: false },
  "kafka-python's StickyPartitionAssignor (KIP-54)",
);
