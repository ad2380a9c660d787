import { z } from 'zod';
import type { CoordinatorConfig } from '../../model/config.ts';
import type { GroupRequest } from '../../model/protocol.ts';
import type { GroupProtocol } from '../../model/types.ts';

/**
 * `groupspec.sut/v1`: the messages between the oracle and an implementation under test, defined
 * once. Documentation: docs/sut-protocol.md. What the oracle sends is typed; what the SUT sends
 * is validated with the schemas below, since it comes from outside.
 */

export const SUT_PROTOCOL = 'groupspec.sut/v1';

/** A request as the SUT sees it: the model's request without its model-only annotations. */
export type SutRequestBody = GroupRequest;

export type OracleMessage =
  | {
      readonly type: 'hello';
      readonly id: number;
      readonly protocol: typeof SUT_PROTOCOL;
      readonly groupId: string;
      readonly nowMs: number;
      readonly topics: Readonly<Record<string, number>>;
      readonly config: CoordinatorConfig;
      /** The protocol the clients speak: classic (JoinGroup/SyncGroup) or consumer (KIP-848 ConsumerGroupHeartbeat). */
      readonly groupProtocol: GroupProtocol;
    }
  | { readonly type: 'request'; readonly id: number; readonly client: string; readonly body: SutRequestBody }
  | { readonly type: 'advance'; readonly id: number; readonly toMs: number }
  /** An admin changed the topics: every topic that exists now, with its partition count. */
  | { readonly type: 'topics'; readonly id: number; readonly topics: Readonly<Record<string, number>> }
  /**
   * The coordinator fails over (its broker restarts, or leadership moves and comes back): parked
   * requests are answered NOT_COORDINATOR, everything in memory is lost, and a new coordinator
   * loads the group from what was acknowledged, restarting every session timer from now.
   */
  | { readonly type: 'failover'; readonly id: number };

// Kafka's error names: any upper-case name is well-formed; whether it is the right one is judged.
const errorCode = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'a Kafka error name such as NONE or ILLEGAL_GENERATION');
const partition = z.string().regex(/^.+-\d+$/, 'a partition such as "t0-2"');
const memberId = z.string();
const instanceId = z.string().nullable();
const protocolName = z.string().nullable();

const subscription = z.object({
  topics: z.array(z.string()),
  ownedPartitions: z.array(partition).default([]),
  generationId: z.number().int().default(-1),
});

const responseBody = z.discriminatedUnion('api', [
  z.object({
    api: z.literal('ConsumerGroupHeartbeat'),
    errorCode,
    memberId: memberId.nullable().default(null),
    memberEpoch: z.number().int(),
    heartbeatIntervalMs: z.number().int().default(0),
    assignment: z.array(partition).nullable().default(null),
  }),
  z.object({
    api: z.literal('JoinGroup'),
    errorCode,
    generationId: z.number().int(),
    protocolName,
    leader: memberId.nullable(),
    skipAssignment: z.boolean().default(false),
    memberId,
    members: z.array(z.object({ memberId, groupInstanceId: instanceId, metadata: subscription })).default([]),
  }),
  z.object({ api: z.literal('SyncGroup'), errorCode, protocolName: protocolName.default(null), assignment: z.array(partition).default([]) }),
  z.object({ api: z.literal('Heartbeat'), errorCode }),
  z.object({
    api: z.literal('LeaveGroup'),
    errorCode,
    members: z.array(z.object({ memberId, groupInstanceId: instanceId, errorCode })).default([]),
  }),
  z.object({ api: z.literal('OffsetCommit'), errorCode, partitions: z.array(partition).default([]) }),
  z.object({
    api: z.literal('OffsetFetch'),
    errorCode,
    offsets: z.array(z.object({ partition, committedOffset: z.number().int() })).default([]),
  }),
]);

export type SutResponseBody = z.infer<typeof responseBody>;

export const sutLine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), id: z.number().int(), implementation: z.string().default('unnamed'), version: z.string().default('') }),
  z.object({ type: z.literal('response'), id: z.number().int(), body: responseBody }),
  z.object({ type: z.literal('done'), id: z.number().int() }),
]);

export type SutLine = z.infer<typeof sutLine>;

/** Parse one line the SUT wrote: the line or why it is not a message of the protocol. */
export function parseSutLine(text: string): { ok: true; line: SutLine } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: `not JSON: ${JSON.stringify(text.slice(0, 120))}` };
  }
  const parsed = sutLine.safeParse(json);
  if (parsed.success) return { ok: true, line: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue.path.length === 0 ? '(line)' : issue.path.join('.');
  return { ok: false, problem: `${field}: ${issue.message} in ${JSON.stringify(text.slice(0, 160))}` };
}
