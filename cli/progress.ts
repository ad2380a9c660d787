import type { FuzzProgress } from '../properties/fuzz.ts';
import type { Io } from './errors.ts';
import { stepsPerSecond } from './report.ts';

/**
 * The fuzz progress line on stderr. On a terminal one line is redrawn in place; in a log (CI)
 * a line is printed about every five seconds instead, so logs stay short.
 */

export const TTY_PROGRESS_EVERY_MS = 250;
export const LOG_PROGRESS_EVERY_MS = 5000;

/** `runs … steps … steps/s elapsed …`, led by the batch number for a soak. */
export function progressLine(progress: FuzzProgress & { readonly batch?: number }): string {
  const rate = stepsPerSecond(progress.steps, progress.elapsedMs);
  const parts = [
    ...(progress.batch === undefined ? [] : [`batch ${progress.batch.toLocaleString('en-US')}`]),
    `runs ${progress.runs.toLocaleString('en-US')}`,
    `steps ${progress.steps.toLocaleString('en-US')}`,
    `${rate.toLocaleString('en-US')} steps/s`,
    `elapsed ${(progress.elapsedMs / 1000).toFixed(1)}s`,
  ];
  if (progress.shrinking) parts.push('shrinking a failure...');
  return parts.join('  ');
}

export interface ProgressReporter<P extends { readonly elapsedMs: number } = FuzzProgress> {
  readonly everyMs: number;
  readonly onProgress: (progress: P) => void;
  /** End the in-place line so the next output starts on a fresh line. */
  readonly finish: () => void;
}

/** Progress on stderr, rendered by `render`: redrawn in place on a terminal, every ~5 s in a log. */
export function progressReporter<P extends { readonly elapsedMs: number } = FuzzProgress>(
  io: Io,
  quiet: boolean,
  render: (progress: P) => string = progressLine as unknown as (progress: P) => string,
): ProgressReporter<P> {
  if (quiet) return { everyMs: LOG_PROGRESS_EVERY_MS, onProgress: () => {}, finish: () => {} };
  if (io.errIsTty) {
    let drawn = false;
    return {
      everyMs: TTY_PROGRESS_EVERY_MS,
      onProgress: (progress) => {
        io.err(`\r${render(progress)}\u001b[K`);
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
      // The driver also reports at the end of a run or batch; a log needs a line only every five seconds.
      if (progress.elapsedMs - lastPrintedMs < LOG_PROGRESS_EVERY_MS) return;
      lastPrintedMs = progress.elapsedMs;
      io.err(`${render(progress)}\n`);
    },
    finish: () => {},
  };
}
