import type { Response } from '../../model/protocol.ts';
import type { SutResponseBody } from './protocol.ts';

/**
 * Judging one batch of answers: the SUT's against the model's, with the freedom Kafka allows.
 * Member ids are the SUT's own (a bijection, fixed when first seen); leader re-election is free,
 * so a different leader ends the comparison as `inconclusive`; the order within a batch is free.
 */

export type Judgement =
  | { readonly kind: 'agree' }
  | { readonly kind: 'violation'; readonly message: string }
  | { readonly kind: 'inconclusive'; readonly message: string };

const AGREE: Judgement = { kind: 'agree' };

/** The bijection between the model's member ids and the SUT's. */
export class MemberIds {
  private readonly toSut = new Map<string, string>();
  private readonly toModel = new Map<string, string>();

  /** Bind, or say why the pair contradicts an earlier binding. */
  bind(model: string, sut: string): string | null {
    if (model === '' && sut === '') return null;
    if (model === '' || sut === '') return `the model answers member id ${JSON.stringify(model)} where the SUT answers ${JSON.stringify(sut)}`;
    const knownSut = this.toSut.get(model);
    const knownModel = this.toModel.get(sut);
    if (knownSut === undefined && knownModel === undefined) {
      this.toSut.set(model, sut);
      this.toModel.set(sut, model);
      return null;
    }
    if (knownSut === sut) return null;
    if (knownModel !== undefined) return `the SUT reuses member id ${sut}, given earlier for the member the model calls ${knownModel}, for ${model}`;
    return `the SUT gives the member the model calls ${model} a second id: ${sut} (earlier ${knownSut})`;
  }

  /** The SUT's id for a model id ('' stays ''; an id the SUT never issued passes through). */
  sutOf(model: string): string {
    return this.toSut.get(model) ?? model;
  }

  /** The model's name for a SUT id, or the id marked as unknown. */
  modelOf(sut: string): string {
    return sut === '' ? '' : (this.toModel.get(sut) ?? `?${sut}`);
  }
}

export interface Answer<B> {
  readonly requestId: number;
  readonly client: string;
  readonly body: B;
}

/** Compare one batch: the same requests answered, each the same way. */
export function judgeBatch(model: readonly Answer<Response>[], sut: readonly Answer<SutResponseBody>[], ids: MemberIds): Judgement {
  const sutById = new Map<number, Answer<SutResponseBody>>();
  for (const a of sut) {
    if (sutById.has(a.requestId)) return { kind: 'violation', message: `the SUT answered request #${a.requestId} twice in one batch` };
    sutById.set(a.requestId, a);
  }
  const modelIds = new Set(model.map((a) => a.requestId));
  for (const a of sut) {
    if (!modelIds.has(a.requestId)) return { kind: 'violation', message: `the SUT answered request #${a.requestId} (${a.body.api} ${a.body.errorCode}) which the model has not answered yet (it keeps it parked, or answered it earlier)` };
  }
  for (const a of model) {
    if (!sutById.has(a.requestId)) return { kind: 'violation', message: `the SUT did not answer request #${a.requestId} (${a.client} ${a.body.api}), which the model answers now with ${a.body.errorCode}` };
  }
  // Bind the ids of every answer first: a leader's member list may name a member whose own answer is in this batch.
  for (const a of model) {
    const s = sutById.get(a.requestId)!.body;
    if (a.body.api === 'JoinGroup' && s.api === 'JoinGroup' && a.body.errorCode === s.errorCode && (a.body.errorCode === 'NONE' || a.body.errorCode === 'MEMBER_ID_REQUIRED')) {
      const problem = ids.bind(a.body.memberId, s.memberId);
      if (problem !== null) return { kind: 'violation', message: `request #${a.requestId} (${a.client} JoinGroup): ${problem}` };
    }
  }
  for (const a of model) {
    const verdict = judgeAnswer(a.body, sutById.get(a.requestId)!.body, ids);
    if (verdict.kind !== 'agree') return { kind: verdict.kind, message: `request #${a.requestId} (${a.client} ${a.body.api}): ${verdict.message}` };
  }
  return AGREE;
}

function differ(field: string, model: unknown, sut: unknown): Judgement {
  return { kind: 'violation', message: `${field}: the model answers ${JSON.stringify(model)}, the SUT ${JSON.stringify(sut)}` };
}

const sorted = (values: readonly string[]): string => JSON.stringify([...values].sort());

function judgeAnswer(model: Response, sut: SutResponseBody, ids: MemberIds): Judgement {
  if (model.api !== sut.api) return differ('api', model.api, sut.api);
  if (model.errorCode !== sut.errorCode) return differ('errorCode', model.errorCode, sut.errorCode);
  switch (model.api) {
    case 'JoinGroup': {
      if (sut.api !== 'JoinGroup' || model.errorCode !== 'NONE') return AGREE;
      if (model.generationId !== sut.generationId) return differ('generationId', model.generationId, sut.generationId);
      if (model.protocolName !== sut.protocolName) return differ('protocolName', model.protocolName, sut.protocolName);
      const leader = sut.leader === null ? null : ids.modelOf(sut.leader);
      if (leader !== model.leader) {
        // Kafka picks a new leader in hash-map order: a different choice is allowed, and the histories part here.
        return { kind: 'inconclusive', message: `the SUT elects ${sut.leader} (${leader}) where the model elects ${model.leader}; Kafka allows either` };
      }
      if (model.skipAssignment !== sut.skipAssignment) return differ('skipAssignment', model.skipAssignment, sut.skipAssignment);
      const modelMembers = model.members.map((m) => `${m.memberId}/${m.groupInstanceId}/${[...m.metadata.topics].sort().join('+')}`);
      const sutMembers = sut.members.map((m) => `${ids.modelOf(m.memberId)}/${m.groupInstanceId}/${[...m.metadata.topics].sort().join('+')}`);
      if (sorted(modelMembers) !== sorted(sutMembers)) return differ('members (id/instance/topics)', [...modelMembers].sort(), [...sutMembers].sort());
      return AGREE;
    }
    case 'SyncGroup':
      if (sut.api !== 'SyncGroup' || model.errorCode !== 'NONE') return AGREE;
      if (sorted(model.assignment) !== sorted(sut.assignment)) return differ('assignment', [...model.assignment].sort(), [...sut.assignment].sort());
      return AGREE;
    case 'LeaveGroup': {
      if (sut.api !== 'LeaveGroup') return AGREE;
      const m = model.members.map((x) => `${x.memberId || x.groupInstanceId}:${x.errorCode}`);
      const s = sut.members.map((x) => `${ids.modelOf(x.memberId) || x.groupInstanceId}:${x.errorCode}`);
      return sorted(m) === sorted(s) ? AGREE : differ('members (id:errorCode)', [...m].sort(), [...s].sort());
    }
    case 'OffsetCommit':
      return AGREE;
    case 'ConsumerGroupHeartbeat': {
      // KIP-848: the member id is the client's own (KIP-1082), the epochs and the assignment are the
      // coordinator's; the oracle asks for the deterministic `range` server assignor, so they compare.
      if (sut.api !== 'ConsumerGroupHeartbeat' || model.errorCode !== 'NONE') return AGREE;
      if (sut.memberId !== null && model.memberId !== sut.memberId) return differ('memberId', model.memberId, sut.memberId);
      if (model.memberEpoch !== sut.memberEpoch) return differ('memberEpoch', model.memberEpoch, sut.memberEpoch);
      const m = model.assignment === null ? null : [...model.assignment].sort();
      const s = sut.assignment === null ? null : [...sut.assignment].sort();
      return JSON.stringify(m) === JSON.stringify(s) ? AGREE : differ('assignment', m, s);
    }
    case 'OffsetFetch': {
      if (sut.api !== 'OffsetFetch') return AGREE;
      const m = model.offsets.map((o) => `${o.partition}@${o.committedOffset}`);
      const s = sut.offsets.map((o) => `${o.partition}@${o.committedOffset}`);
      return sorted(m) === sorted(s) ? AGREE : differ('offsets', [...m].sort(), [...s].sort());
    }
    default:
      return AGREE;
  }
}
