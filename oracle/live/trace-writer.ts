import type { TraceHeader } from '../trace/schema.ts';
import { NdjsonFile } from './ndjson-file.ts';

/**
 * Writes a groupspec.trace/v1 file as things happen (docs/trace-format.md): the header first, then
 * one line per event with `tMs` from one observer clock (NdjsonFile: this process's monotonic
 * clock, ms since the writer was made; synchronous appends). Lines offered after `close` are
 * counted, not written.
 */
export class TraceWriter extends NdjsonFile {
  readonly counts: Record<string, number> = {};
  readonly late: Record<string, number> = {};

  constructor(path: string, header: TraceHeader) {
    super(path);
    this.append(JSON.stringify(header));
  }

  /** One event line; `tMs` is stamped here, first, so the file reads in time order. */
  write(event: { event: string } & Record<string, unknown>): void {
    const key = event.event === 'request' || event.event === 'response' ? `${event.event} ${String(event.api)}` : event.event;
    if (this.closed) {
      this.late[key] = (this.late[key] ?? 0) + 1;
      return;
    }
    this.append(JSON.stringify({ tMs: this.now(), ...event }));
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
}
