import { liveGroup, type World } from './state.ts';
import { type TopicPartition, tp } from './types.ts';

/**
 * Rebalance quality, measured (not judged) over the Stable generations a run goes through, per
 * assignment protocol (assignor): how sticky the assignments were and how balanced. Reports show
 * them; no invariant depends on them — Kafka promises neither figure exactly.
 */
export interface RebalanceMeasures {
  /** Stable generations observed. */
  readonly generations: number;
  /** Partitions assigned to the member that held them in the previous Stable generation. */
  readonly kept: number;
  /** Partitions given to another member although their previous holder is still a member. */
  readonly moved: number;
  /**
   * max − min partitions per member → how many generations, counted only where every member
   * subscribes to the same topics and every partition is assigned (no KIP-429 first round).
   */
  readonly imbalance: Readonly<Record<string, number>>;
}

export type MeasuresByProtocol = Readonly<Record<string, RebalanceMeasures>>;

export const NO_MEASURES: RebalanceMeasures = { generations: 0, kept: 0, moved: 0, imbalance: {} };

export function addMeasures(a: RebalanceMeasures, b: RebalanceMeasures): RebalanceMeasures {
  const imbalance: Record<string, number> = { ...a.imbalance };
  for (const [k, n] of Object.entries(b.imbalance)) imbalance[k] = (imbalance[k] ?? 0) + n;
  return { generations: a.generations + b.generations, kept: a.kept + b.kept, moved: a.moved + b.moved, imbalance };
}

export function mergeMeasures(into: Record<string, RebalanceMeasures>, from: MeasuresByProtocol): void {
  for (const [protocol, m] of Object.entries(from)) into[protocol] = addMeasures(into[protocol] ?? NO_MEASURES, m);
}

/** Watches the worlds of one run, step by step; cheap unless a new Stable generation appears. */
export class RebalanceObserver {
  private lastGeneration = '';
  /** Who held each partition in the last Stable generation that assigned it (static members by instance id). */
  private holders = new Map<TopicPartition, string>();
  private incarnation = 0;
  readonly byProtocol: Record<string, RebalanceMeasures> = {};

  observe(world: World): void {
    const g = liveGroup(world);
    if (g === null || g.status !== 'Stable' || g.protocolName === null || g.assignmentBasis?.generationId !== g.generationId) return;
    const key = `${world.ghost.groupIncarnation}/${g.generationId}`;
    if (key === this.lastGeneration) return;
    this.lastGeneration = key;
    if (world.ghost.groupIncarnation !== this.incarnation) {
      this.incarnation = world.ghost.groupIncarnation;
      this.holders = new Map();
    }
    const identity = (m: (typeof g.members)[number]): string => m.groupInstanceId ?? m.memberId;
    const present = new Set(g.members.map(identity));
    let kept = 0;
    let moved = 0;
    for (const m of g.members) {
      for (const p of m.assignment) {
        const before = this.holders.get(p);
        if (before === identity(m)) kept += 1;
        else if (before !== undefined && present.has(before)) moved += 1;
        this.holders.set(p, identity(m));
      }
    }
    const imbalance: Record<string, number> = {};
    const basis = g.assignmentBasis;
    const topics = basis.members.map((m) => [...m.topics].sort().join(','));
    const all = [...new Set(basis.members.flatMap((m) => m.topics))].flatMap((t) =>
      Array.from({ length: basis.partitionCounts[t] ?? 0 }, (_, i) => tp(t, i)),
    );
    const assigned = new Set(g.members.flatMap((m) => m.assignment));
    if (g.members.length > 0 && new Set(topics).size === 1 && all.every((p) => assigned.has(p))) {
      const counts = g.members.map((m) => m.assignment.length);
      imbalance[String(Math.max(...counts) - Math.min(...counts))] = 1;
    }
    const protocol = g.protocolName;
    this.byProtocol[protocol] = addMeasures(this.byProtocol[protocol] ?? NO_MEASURES, { generations: 1, kept, moved, imbalance });
  }
}
