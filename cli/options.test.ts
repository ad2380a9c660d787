import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../model/config.ts';
import { parseRuns, parseSeed, scopedConfig } from './options.ts';

describe('scopedConfig', () => {
  it('is DEFAULT_CONFIG when no scope option is given', () => {
    expect(scopedConfig({ mutant: null })).toEqual(DEFAULT_CONFIG);
  });

  it('sets consumers and the mutant', () => {
    const config = scopedConfig({ consumers: 3, mutant: 'range-overlap' });
    expect(config.maxConsumers).toBe(3);
    expect(config.mutant).toBe('range-overlap');
    expect(config.initialTopics).toEqual(DEFAULT_CONFIG.initialTopics);
  });

  it('names topics t0.. and keeps one more name for CreateTopic', () => {
    const config = scopedConfig({ topics: 3, partitions: 4, mutant: null });
    expect(config.initialTopics).toEqual({ t0: 4, t1: 4, t2: 4 });
    expect(config.topicNamePool).toEqual(['t0', 't1', 't2', 't3']);
  });

  it('keeps default partition counts when only --topics is given', () => {
    expect(scopedConfig({ topics: 3, mutant: null }).initialTopics).toEqual({ t0: 2, t1: 1, t2: 1 });
  });
});

describe('number options', () => {
  it('accept integers in range and refuse anything else', () => {
    expect(parseRuns('20')).toBe(20);
    expect(parseSeed('-5')).toBe(-5);
    for (const bad of ['0', '1.5', '1e3', 'abc', '', '99999999999']) expect(() => parseRuns(bad)).toThrow(/runs must be an integer/);
  });
});
