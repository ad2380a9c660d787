/**
 * Exit codes and the errors that map to them. Users get a one-line message for anything they
 * can fix themselves; a stack trace only ever means a bug in groupspec (and only with
 * GROUPSPEC_DEBUG=1).
 */

export const EXIT_OK = 0;
/** An invariant was violated, or a replay no longer matches its expectation. */
export const EXIT_VIOLATION = 1;
/** Bad command line or bad input file. */
export const EXIT_USAGE = 2;
/** A bug in groupspec or the model. */
export const EXIT_INTERNAL = 3;

/** Where the CLI writes; injectable so tests can capture output without spawning. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal that can redraw a progress line in place. */
  readonly errIsTty: boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTty: process.stderr.isTTY === true,
};

/** A usage error found after commander parsed the line (an unknown mutant name, say). */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The subcommand whose --help the user should read. */
    readonly command: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
