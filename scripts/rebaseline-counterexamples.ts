/**
 * After an intended model change that moves step numbers (not verdicts), rewrite each
 * counterexample's expected step, its recorded violation and the "at step N" in its explanation
 * from a fresh replay. A file whose verdict or invariant changed is reported and left alone.
 *
 *   npx tsx scripts/rebaseline-counterexamples.ts [files...]   then   npx vitest run -u counterexamples
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCounterexample, replayCounterexample, serializeCounterexample } from '../properties/counterexample.ts';

const directory = 'counterexamples';
const files = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(directory).filter((n) => n.endsWith('.json')).map((n) => join(directory, n));
let failures = 0;
for (const path of files) {
  const cx = loadCounterexample(path);
  const result = replayCounterexample(cx);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  if (cx.expect.verdict !== 'violation') {
    console.log(`${path}: expects ${cx.expect.verdict}; ${result.violation === null ? 'ok' : `VIOLATED ${result.violation.invariant}`}`);
    if (result.violation !== null) failures += 1;
    continue;
  }
  const v = result.violation;
  if (v === null || v.invariant !== cx.expect.invariant) {
    console.log(`${path}: expected ${cx.expect.invariant}, got ${v === null ? 'no violation' : v.invariant}: left alone`);
    failures += 1;
    continue;
  }
  const old = json.expect.step;
  json.expect.step = v.step;
  if (json.violation !== undefined) json.violation = { invariant: v.invariant, kind: v.kind, step: v.step, eventIndex: v.eventIndex, message: v.message, witness: v.witness };
  if (typeof json.explanation === 'string') json.explanation = json.explanation.replace(new RegExp(`at step ${old}\\b`), `at step ${v.step}`);
  writeFileSync(path, serializeCounterexample(json));
  console.log(`${path}: ${v.invariant} step ${old} -> ${v.step}`);
}
process.exit(failures === 0 ? 0 : 1);
