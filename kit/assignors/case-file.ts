import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CounterexampleError } from '../../properties/counterexample-error.ts';
import { formatJsonPath, lineOfJsonPath, type JsonPath } from '../../properties/json-locate.ts';
import type { PropertyResult } from './check.ts';
import type { AssignorUnderTest } from './types.ts';

/**
 * An assignor counterexample: the shrunk input on which an assignor breaks a property, what it
 * returned, and the verdict expected on replay. Kept under counterexamples/assignors/ and
 * replayed by npm test; a deviation of a real assignor is a finding, recorded with
 * `expect: "violation"`, never a test failure.
 */
export const ASSIGNOR_CASE_FORMAT = 'groupspec.assignor-case/v1';

const partition = z.string().regex(/^.+-\d+$/, 'expected "topic-partition", e.g. "t0-1"');

const caseSchema = z.strictObject({
  format: z.literal(ASSIGNOR_CASE_FORMAT),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/),
  assignor: z.string().min(1),
  property: z.string().min(1),
  explanation: z.string(),
  expect: z.enum(['violation', 'held']),
  input: z.strictObject({
    members: z
      .array(
        z.strictObject({
          memberId: z.string().min(1),
          topics: z.array(z.string().min(1)).readonly(),
          owned: z.array(partition).readonly(),
          generation: z.number().int(),
        }),
      )
      .min(1)
      .readonly(),
    partitionCounts: z.record(z.string().min(1), z.number().int().nonnegative()),
  }),
  observed: z.strictObject({
    assignment: z.record(z.string(), z.array(partition).readonly()).nullable(),
    message: z.string(),
  }),
  found: z.strictObject({ tool: z.string(), seed: z.number().int().nullable(), runs: z.number().int().nullable() }),
});

export type AssignorCaseFile = z.infer<typeof caseSchema>;

export function caseFileOf(impl: AssignorUnderTest, result: PropertyResult, seed: number, explanation: string): AssignorCaseFile {
  const cx = result.counterexample!;
  return {
    format: ASSIGNOR_CASE_FORMAT,
    id: `${impl.name}-${result.property}`.replace(/[^A-Za-z0-9_.@-]+/g, '-'),
    assignor: impl.name,
    property: result.property,
    explanation,
    expect: 'violation',
    input: cx.input as AssignorCaseFile['input'],
    observed: { assignment: cx.assignment as AssignorCaseFile['observed']['assignment'], message: cx.message },
    found: { tool: 'groupspec assignors', seed, runs: result.runs },
  };
}

export function saveCaseFile(dir: string, file: AssignorCaseFile): string {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const path = join(dir, `${file.id}.json`);
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

/** Read and validate a case file; errors name the file, the line and the field. */
export function loadCaseFile(path: string): AssignorCaseFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CounterexampleError(path, null, null, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CounterexampleError(path, null, null, `not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = caseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where: JsonPath = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    throw new CounterexampleError(path, lineOfJsonPath(text, where) ?? null, formatJsonPath(where), issue.message);
  }
  return parsed.data;
}
