import { fileURLToPath } from 'node:url';
import type { AssignorClaims, AssignorUnderTest } from '../types.ts';
import { JsonLinesProcess } from './json-lines.ts';

/**
 * kafka-python 2.0.2's assignors (Debian `python3-kafka`), each behind one long-lived Python
 * process speaking the kit's JSON-lines protocol (kafka_python_bridge.py). Debian's interpreter is
 * /usr/bin/python3 (the `python3` on PATH may be another build without the package);
 * GROUPSPEC_PYTHON overrides it.
 */
export const KAFKA_PYTHON_VERSION = '2.0.2';
const BRIDGE = fileURLToPath(new URL('./kafka_python_bridge.py', import.meta.url));

function kafkaPython(assignor: 'range' | 'roundrobin' | 'sticky', claims: AssignorClaims, description: string): () => AssignorUnderTest {
  let bridge: JsonLinesProcess | null = null;
  return () => ({
    name: `kafka-python-${assignor}@${KAFKA_PYTHON_VERSION}`,
    description,
    claims,
    assign: (input) => {
      bridge ??= new JsonLinesProcess(process.env.GROUPSPEC_PYTHON ?? '/usr/bin/python3', [BRIDGE, assignor], 'is Debian\'s python3-kafka installed? apt-get install -y python3-kafka');
      return bridge.assign(input);
    },
  });
}

export const kafkaPythonRange = kafkaPython('range', { total: true, balance: 'per-topic', sticky: false, cooperative: false }, "kafka-python's RangePartitionAssignor");
export const kafkaPythonRoundRobin = kafkaPython(
  'roundrobin',
  // Its docstring: uniform when subscriptions are identical.
  { total: true, balance: 'global-when-identical', sticky: false, cooperative: false },
  "kafka-python's RoundRobinPartitionAssignor",
);
export const kafkaPythonSticky = kafkaPython(
  'sticky',
  // The sticky assignor's two goals: balanced first, then as sticky as possible (KIP-54).
  { total: true, balance: 'global', sticky: true, cooperative: false },
  "kafka-python's StickyPartitionAssignor (KIP-54)",
);
