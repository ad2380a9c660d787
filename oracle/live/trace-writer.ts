import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TraceHeader } from '../trace/schema.ts';

/**
 * Writes a groupspec.trace/v1 file as things happen (docs/trace-format.md): the header first, then
 * one line per event with `tMs` from one observer clock (this process's monotonic clock, ms since
 * the writer was made). Appends are synchronous, so line order is the order the harness saw things
 * in and a killed process leaves every line written so far. Lines offered after `close` are
 * counted, not written.
 */
export class TraceWriter {
  private readonly t0 = performance.now();
  private fd: number | null;
  lines = 0;
  readonly counts: Record<string, number> = {};
  readonly late: Record<string, number> = {};

  constructor(
    readonly path: string,
    header: TraceHeader,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
    this.append(JSON.stringify(header));
  }

  /** Observer time: ms since the writer was made, to 0.1 ms. */
  now(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  /** One event line; `tMs` is stamped here, first, so the file reads in time order. */
  write(event: { event: string } & Record<string, unknown>): void {
    const key = event.event === 'request' || event.event === 'response' ? `${event.event} ${String(event.api)}` : event.event;
    if (this.fd === null) {
      this.late[key] = (this.late[key] ?? 0) + 1;
      return;
    }
    this.append(JSON.stringify({ tMs: this.now(), ...event }));
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  private append(line: string): void {
    writeSync(this.fd!, `${line}\n`);
    this.lines++;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
