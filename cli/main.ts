import { runCli } from './program.ts';

// The `groupspec` entry point (bin/groupspec.js loads it through tsx). The exit code is set rather
// than forced with process.exit() so buffered output reaches a pipe before the process ends.
process.exitCode = await runCli(process.argv.slice(2));
