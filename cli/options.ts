import { InvalidArgumentError } from 'commander';
import { integerParser } from './parse.ts';
import { makeConfig, type ModelConfig } from '../model/config.ts';
import type { GroupProtocol } from '../model/types.ts';

/**
 * Parsing and bounds of numeric command-line values, and the scope options (--consumers,
 * --topics, --partitions) turned into a ModelConfig. Every value has a limit: a typo such as
 * `--runs 1e9` should be refused, not start a week-long run.
 */


/** fast-check seeds are 32-bit integers. */
export const parseSeed = integerParser('the seed', -(2 ** 31), 2 ** 31 - 1);
export const parseRuns = integerParser('runs', 1, 10_000_000);
export const parseSeconds = integerParser('seconds', 1, 7 * 24 * 3600);
export const parseConsumers = integerParser('consumers', 1, 32);
export const parseTopics = integerParser('topics', 1, 16);
export const parsePartitions = integerParser('partitions', 1, 64);
export const parseMaxEvents = integerParser('max events', 1, 10_000);
export const parseBrokers = integerParser('brokers', 1, 9);
export const parseReplicationFactor = integerParser('replication factor', 1, 9);

export const DEFAULT_RUNS = 1000;

export function parseProtocol(value: string): GroupProtocol {
  if (value === 'classic' || value === 'consumer') return value;
  throw new InvalidArgumentError('the protocol must be classic or consumer (KIP-848).');
}

export interface Scope {
  readonly consumers?: number;
  readonly topics?: number;
  readonly partitions?: number;
  readonly mixedPollIntervals?: boolean;
  readonly brokers?: number;
  readonly replicationFactor?: number;
  readonly uncleanLeaderElection?: boolean;
  /** group.protocol of every consumer: classic (default) or consumer (KIP-848). */
  readonly groupProtocol?: GroupProtocol;
  readonly mutant: string | null;
}

/**
 * The fuzzed config: DEFAULT_CONFIG with the scope applied. Topics are named t0, t1, ...; the
 * pool of names CreateTopic may use has one more, so topic creation stays possible. A topic
 * keeps its default partition count unless --partitions is given.
 */
export function scopedConfig(scope: Scope, base: ModelConfig = makeConfig()): ModelConfig {
  const topicsChanged = scope.topics !== undefined || scope.partitions !== undefined;
  const topicCount = scope.topics ?? Object.keys(base.initialTopics).length;
  const names = Array.from({ length: topicCount + 1 }, (_, index) => `t${index}`);
  const initialTopics = Object.fromEntries(
    names.slice(0, topicCount).map((name) => [name, scope.partitions ?? base.initialTopics[name] ?? 1]),
  );
  return makeConfig({
    ...base,
    maxConsumers: scope.consumers ?? base.maxConsumers,
    mixedPollIntervals: scope.mixedPollIntervals ?? base.mixedPollIntervals,
    mutant: scope.mutant,
    client: { ...base.client, groupProtocol: scope.groupProtocol ?? base.client.groupProtocol },
    cluster: {
      ...base.cluster,
      brokers: scope.brokers ?? base.cluster.brokers,
      offsetsReplicationFactor: scope.replicationFactor ?? Math.min(base.cluster.offsetsReplicationFactor, scope.brokers ?? base.cluster.brokers),
      uncleanLeaderElectionEnable: scope.uncleanLeaderElection ?? base.cluster.uncleanLeaderElectionEnable,
    },
    ...(topicsChanged ? { initialTopics, topicNamePool: names } : {}),
  });
}
