import { checkTraceFile } from '../oracle/trace/check.ts';
import { TraceError } from '../oracle/trace/errors.ts';
import { readTraceFile } from '../oracle/trace/read.ts';
import { renderJson, renderReport } from '../oracle/trace/render.ts';
import { shrinkTrace, writeTrace } from '../oracle/trace/shrink.ts';
import { EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, type Io } from './errors.ts';

export interface CheckTraceOptions {
  readonly json: boolean;
  /** Write the trace cut down to the lines that still show the first violation. */
  readonly shrink?: string;
}

/**
 * `groupspec check-trace FILE`: judge a groupspec.trace/v1 file (docs/trace-format.md). Exit 0
 * when no check found a violation, 1 when one did, 2 when the file is unreadable or malformed
 * (the message names the file, the line and the field).
 */
export async function checkTraceCommand(file: string, options: CheckTraceOptions, io: Io): Promise<number> {
  let report;
  try {
    report = checkTraceFile(file);
  } catch (error) {
    if (!(error instanceof TraceError)) throw error;
    io.err(`error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  io.out(options.json ? renderJson(report) : renderReport(report));
  if (report.firstViolation !== null && options.shrink !== undefined) {
    const shrunk = shrinkTrace(readTraceFile(file), report.firstViolation.check);
    writeTrace(options.shrink, shrunk.trace);
    io.err(
      `shrunk: ${shrunk.before} -> ${shrunk.after} lines still showing ${shrunk.check} (${shrunk.attempts} attempts${shrunk.complete ? '' : ', budget ran out'}): ${options.shrink}\n`,
    );
  }
  return report.violationCount === 0 ? EXIT_OK : EXIT_VIOLATION;
}
