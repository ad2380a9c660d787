import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { rangeAssignor, roundRobinAssignor, type Assignor } from '../model/assignors/index.ts';
import { MODEL_COOPERATIVE_STICKY, MODEL_RANGE, MODEL_ROUNDROBIN, MODEL_STICKY } from '../kit/assignors/adapters/model.ts';
import { checkAssignor } from '../kit/assignors/check.ts';
import { loadCaseFile } from '../kit/assignors/case-file.ts';
import { ASSIGNOR_PROPERTIES } from '../kit/assignors/properties.ts';
import { ASSIGNORS_UNDER_TEST } from '../kit/assignors/registry.ts';
import type { AssignorClaims, AssignorUnderTest } from '../kit/assignors/types.ts';
import { eachSavedFile } from './test-saved-files.ts';

/**
 * The assignor conformance kit: our own assignors keep everything they owe and claim; every kit
 * property catches a deliberately broken assignor (teeth); and every saved deviation of a real
 * assignor still reproduces with the verdict its file records.
 */

const OPTIONS = { seed: 1, numRuns: 300 };

function fromModel(name: string, assignor: Assignor, mutant: string | null, claims: AssignorClaims): AssignorUnderTest {
  return {
    name,
    description: name,
    claims,
    async assign(input) {
      return assignor(input.members.map((m) => ({ memberId: m.memberId, groupInstanceId: null, topics: m.topics, ownedPartitions: m.owned, generationId: m.generation })), input.partitionCounts, mutant);
    },
  };
}

const BASIC: AssignorClaims = { total: true, balance: 'none', sticky: false, cooperative: false };

/** Broken assignors, one per property the kit checks. */
const BROKEN: readonly { readonly property: string; readonly impl: AssignorUnderTest }[] = [
  { property: 'AssignedAtMostOnce', impl: fromModel('range-overlap', rangeAssignor, 'range-overlap', BASIC) },
  { property: 'AssignedOnlyToSubscribers', impl: fromModel('roundrobin-ignores-subscription', roundRobinAssignor, 'roundrobin-ignores-subscription', BASIC) },
  { property: 'Total', impl: fromModel('range-drops-remainder', rangeAssignor, 'range-drops-remainder', BASIC) },
  {
    property: 'AssignsOnlyKnownMembersAndPartitions',
    impl: { ...MODEL_RANGE, name: 'off-by-one', claims: BASIC, assign: async (input) => ({ [input.members[0].memberId]: [`${Object.keys(input.partitionCounts)[0]}-99`] }) },
  },
  {
    property: 'OrderIndependent',
    impl: {
      ...MODEL_RANGE,
      name: 'first-listed-takes-all',
      claims: { ...BASIC, total: false },
      assign: async (input) => ({ [input.members[0].memberId]: input.members[0].topics.flatMap((t) => Array.from({ length: input.partitionCounts[t] }, (_, i) => `${t}-${i}`)) }),
    },
  },
  // Range is balanced per topic, not globally: claiming more is caught.
  { property: 'Balanced', impl: fromModel('range-claims-global-balance', rangeAssignor, null, { ...BASIC, balance: 'global' }) },
  // Neither model assignor reads owned partitions: claiming stickiness or cooperation is caught.
  { property: 'Sticky', impl: fromModel('roundrobin-claims-sticky', roundRobinAssignor, null, { ...BASIC, sticky: true }) },
  { property: 'CooperativeNoDirectMove', impl: fromModel('roundrobin-claims-cooperative', roundRobinAssignor, null, { ...BASIC, cooperative: true }) },
];

/**
 * Kit properties our faithful ports break because the Java assignors break them (README findings
 * 9–11, each confirmed by running the Java classes on the shrunk case). At this test's budget only
 * CooperativeNoDirectMove shows; the saved case files replay the others. A port that differs from
 * Java is fixed, never listed here.
 */
const JAVA_REFERENCE_CONTRADICTIONS: Readonly<Record<string, readonly string[]>> = {
  'groupspec-cooperative-sticky': ['CooperativeNoDirectMove'],
};

describe('assignor conformance kit', () => {
  for (const impl of [MODEL_RANGE, MODEL_ROUNDROBIN, MODEL_STICKY, MODEL_COOPERATIVE_STICKY]) {
    test(`${impl.name} keeps everything it owes and claims`, async () => {
      const results = await checkAssignor(impl, OPTIONS);
      const expected = JAVA_REFERENCE_CONTRADICTIONS[impl.name] ?? [];
      for (const r of results.filter((x) => !expected.includes(x.property))) expect(r.outcome, `${r.property}: ${r.counterexample?.message}`).not.toMatch(/violated|crashed/);
      expect(results.filter((r) => r.outcome === 'violated').map((r) => r.property)).toEqual(expected);
      expect(results.filter((r) => r.outcome === 'held').length).toBeGreaterThanOrEqual(6);
    });
  }

  test('every kit property has a broken assignor it catches', () => {
    expect(new Set(BROKEN.map((b) => b.property))).toEqual(new Set(ASSIGNOR_PROPERTIES.map((p) => p.name)));
  });

  for (const { property, impl } of BROKEN) {
    test(`${property} catches ${impl.name}`, async () => {
      const results = await checkAssignor(impl, OPTIONS);
      const result = results.find((r) => r.property === property)!;
      expect(result.outcome).toBe('violated');
      expect(result.counterexample!.message.length).toBeGreaterThan(0);
    });
  }
});

describe('saved assignor deviations replay with their recorded verdict', () => {
  const directory = 'counterexamples/assignors';
  eachSavedFile(directory, '.json', async (name) => {
    const file = loadCaseFile(join(directory, name));
    const key = Object.keys(ASSIGNORS_UNDER_TEST).find((k) => file.assignor.startsWith(k));
    expect(key, `no adapter for ${file.assignor}`).toBeDefined();
    const impl = ASSIGNORS_UNDER_TEST[key!]();
    expect(impl.name).toBe(file.assignor); // the same version that was checked
    const property = ASSIGNOR_PROPERTIES.find((p) => p.name === file.property)!;
    const assignment = await impl.assign(file.input);
    const verdict = await property.check(file.input, assignment, (again) => impl.assign(again), impl.claims);
    expect(verdict.valid ? 'held' : 'violation').toBe(file.expect);
    expect(assignment).toEqual(file.observed.assignment);
  });
});

describe('assignor case files', () => {
  test('a malformed file is refused with its name, line and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'groupspec-case-'));
    const source = readFileSync('counterexamples/assignors/kafkajs-roundrobin@2.2.4-AssignedOnlyToSubscribers.json', 'utf8');
    const path = join(dir, 'bad.json');
    writeFileSync(path, source.replace('"generation": 0', '"generation": "zero"'));
    expect(() => loadCaseFile(path)).toThrow(/bad\.json:\d+: input\.members\[0\]\.generation: /);
  });
});

/**
 * CI runs the kit on every real assignor too. The verdicts are recorded here: a deviation that
 * disappears (a fixed version) or appears (a new finding, or a kit change) fails until this table
 * and the README's Findings say so. Never edit it to make an assignor pass.
 */
const RECORDED_DEVIATIONS: Readonly<Record<string, readonly string[]>> = {
  'kafkajs-roundrobin': ['AssignedOnlyToSubscribers'],
  'kafka-python-range': [],
  'kafka-python-roundrobin': [],
  'kafka-python-sticky': ['AssignedOnlyToSubscribers', 'OrderIndependent'],
  'platformatic-roundrobin': ['AssignedOnlyToSubscribers', 'OrderIndependent'],
  'platformatic-cooperative-sticky': ['Balanced'],
};

describe('the kit on real assignors (seed 1, 500 groups per property)', () => {
  test('every registered real assignor has a recorded verdict', () => {
    const real = Object.keys(ASSIGNORS_UNDER_TEST).filter((name) => !name.startsWith('groupspec-'));
    expect(real.sort()).toEqual(Object.keys(RECORDED_DEVIATIONS).sort());
  });

  for (const [name, deviations] of Object.entries(RECORDED_DEVIATIONS)) {
    test(`${name}: ${deviations.length === 0 ? 'keeps everything it owes and claims' : `deviates in ${deviations.join(', ')}`}`, async () => {
      const results = await checkAssignor(ASSIGNORS_UNDER_TEST[name](), { seed: 1, numRuns: 500 });
      expect(results.filter((r) => r.outcome === 'crashed')).toEqual([]);
      expect(results.filter((r) => r.outcome === 'violated').map((r) => r.property).sort()).toEqual([...deviations].sort());
    }, 60_000);
  }
});
