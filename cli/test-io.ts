import type { Io } from './errors.ts';

/** An in-memory Io for running the CLI in-process in tests. */
export function capture(errIsTty = false): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => (out += text),
    err: (text) => (err += text),
    errIsTty,
    stdout: () => out,
    stderr: () => err,
  };
}
