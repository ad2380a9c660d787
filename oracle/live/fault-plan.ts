import seedrandom from 'seedrandom';

/**
 * What the live sessions' seeded fault planners (kafkajs-session.ts planFaults,
 * kip848-faults.ts planKip848Faults) share: the draws from one seedrandom stream, so the same seed
 * gives the same plan, and the plan's final order.
 */

export interface SeededDraws {
  /** An integer in lo..hi. */
  between(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  /** One of `kinds` (not empty), each as likely as its weight. */
  weighted<K extends string>(kinds: readonly K[], weights: Readonly<Record<K, number>>): K;
}

export function seededDraws(seedKey: string): SeededDraws {
  const rng = seedrandom(seedKey);
  return {
    between: (lo, hi) => Math.round(lo + rng() * (hi - lo)),
    pick: (xs) => xs[Math.min(xs.length - 1, Math.floor(rng() * xs.length))],
    weighted: (kinds, weights) => {
      let r = rng() * kinds.reduce((s, k) => s + weights[k], 0);
      return kinds.find((k) => (r -= weights[k]) < 0) ?? kinds[kinds.length - 1];
    },
  };
}

/** The planned actions by time (ties keep the order they were planned in), numbered from 0. */
export function numberedByTime<P extends { atMs: number }>(planned: readonly P[]): (P & { id: number })[] {
  return planned
    .map((a, i) => ({ a, i }))
    .sort((x, y) => x.a.atMs - y.a.atMs || x.i - y.i)
    .map(({ a }, id) => ({ ...a, id }));
}
