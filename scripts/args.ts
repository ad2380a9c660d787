/**
 * The scripts' flags, `--name value`: `opt` gives a flag's value, `num` a non-negative number
 * (a bad one exits 2 with a message), `has` whether a bare flag is present.
 */
export function scriptArgs(args: readonly string[] = process.argv.slice(2)) {
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (name: string): number | undefined => {
    const raw = opt(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) {
      console.error(`--${name} wants a number, got ${raw}`);
      process.exit(2);
    }
    return n;
  };
  return { opt, num, has: (flag: string): boolean => args.includes(`--${flag}`) };
}
