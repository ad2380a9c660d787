import { MODEL_COOPERATIVE_STICKY, MODEL_RANGE, MODEL_ROUNDROBIN, MODEL_STICKY } from './adapters/model.ts';
import { kafkajsRoundRobin } from './adapters/kafkajs.ts';
import { kafkaPythonRange, kafkaPythonRoundRobin, kafkaPythonSticky } from './adapters/kafka-python.ts';
import { platformaticCooperativeSticky, platformaticRoundRobin } from './adapters/platformatic.ts';
import type { AssignorUnderTest } from './types.ts';

/** The assignors `groupspec assignors` knows by name; real implementations load on demand. */
export const ASSIGNORS_UNDER_TEST: Readonly<Record<string, () => AssignorUnderTest>> = {
  'groupspec-range': () => MODEL_RANGE,
  'groupspec-roundrobin': () => MODEL_ROUNDROBIN,
  'groupspec-sticky': () => MODEL_STICKY,
  'groupspec-cooperative-sticky': () => MODEL_COOPERATIVE_STICKY,
  'kafkajs-roundrobin': kafkajsRoundRobin,
  'kafka-python-range': kafkaPythonRange,
  'kafka-python-roundrobin': kafkaPythonRoundRobin,
  'kafka-python-sticky': kafkaPythonSticky,
  'platformatic-roundrobin': platformaticRoundRobin,
  'platformatic-cooperative-sticky': platformaticCooperativeSticky,
};
