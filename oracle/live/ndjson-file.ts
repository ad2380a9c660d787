import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * An NDJSON file the live harnesses write as things happen, with one observer clock (this
 * process's monotonic clock, ms since the file was made). Appends are synchronous, so line order is
 * the order the harness saw things in and a killed process leaves every line written so far.
 */
export class NdjsonFile {
  private readonly t0 = performance.now();
  private fd: number | null;
  /** Lines written so far. */
  lines = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
  }

  /** Observer time: ms since the file was made, to 0.1 ms. */
  now(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** Appends one line; the caller checks `closed` first (a closed file takes no line). */
  protected append(line: string): void {
    writeSync(this.fd!, `${line}\n`);
    this.lines++;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
