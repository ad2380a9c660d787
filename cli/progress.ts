import type { FuzzProgress } from '../properties/fuzz.ts';
import type { Io } from './errors.ts';
import { stepsPerSecond } from './report.ts';

/**
 * The fuzz progress line on stderr. On a terminal one line is redrawn in place; in a log (CI)
 * a line is printed about every five seconds instead, so logs stay short.
 */

export const TTY_PROGRESS_EVERY_MS = 250;
export const LOG_PROGRESS_EVERY_MS = 5000;

export function progressLine(progress: FuzzProgress): string {
  const rate = stepsPerSecond(progress.steps, progress.elapsedMs);
  const parts = [
    `runs ${progress.runs.toLocaleString('en-US')}`,
    `steps ${progress.steps.toLocaleString('en-US')}`,
    `${rate.toLocaleString('en-US')} steps/s`,
    `elapsed ${(progress.elapsedMs / 1000).toFixed(1)}s`,
  ];
  if (progress.shrinking) parts.push('shrinking a failure...');
  return parts.join('  ');
}

export interface ProgressReporter {
  readonly everyMs: number;
  readonly onProgress: (progress: FuzzProgress) => void;
  /** End the in-place line so the next output starts on a fresh line. */
  readonly finish: () => void;
}

export function progressReporter(io: Io, quiet: boolean): ProgressReporter {
  if (quiet) return { everyMs: LOG_PROGRESS_EVERY_MS, onProgress: () => {}, finish: () => {} };
  if (io.errIsTty) {
    let drawn = false;
    return {
      everyMs: TTY_PROGRESS_EVERY_MS,
      onProgress: (progress) => {
        io.err(`\r${progressLine(progress)}\u001b[K`);
        drawn = true;
      },
      finish: () => {
        if (drawn) io.err('\n');
      },
    };
  }
  let lastPrintedMs = 0;
  return {
    everyMs: LOG_PROGRESS_EVERY_MS,
    onProgress: (progress) => {
      // fuzz() also reports once at the end; a log needs that line only if the run was long.
      if (progress.elapsedMs - lastPrintedMs < LOG_PROGRESS_EVERY_MS) return;
      lastPrintedMs = progress.elapsedMs;
      io.err(`${progressLine(progress)}\n`);
    },
    finish: () => {},
  };
}
