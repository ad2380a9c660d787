import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Reader, WireError, Writer } from './codec.ts';
import { Connection, ConnectionError } from './connection.ts';
import { FrameSplitter, decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader, frame } from './frame.ts';
import { ERROR_CODES, errorName } from './errors.ts';
import { ConsumerGroupHeartbeat, FindCoordinator, Metadata, OffsetCommit, OffsetFetch, type ApiSpec } from './messages.ts';

const hex = (b: Buffer): string => b.toString('hex');

describe('wire primitives', () => {
  it('writes big-endian integers and reads them back', () => {
    const b = new Writer().int8(-2).int16(-300).int32(0x01020304).int64(-5n).bool(true).finish();
    expect(hex(b)).toBe('fe' + 'fed4' + '01020304' + 'fffffffffffffffb' + '01');
    const r = new Reader(b);
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.bool()]).toEqual([-2, -300, 0x01020304, -5n, true]);
    r.end();
  });

  it('encodes unsigned varints 7 bits at a time, low bits first (Kafka ByteUtils.writeUnsignedVarint)', () => {
    const cases: [number, string][] = [[0, '00'], [1, '01'], [127, '7f'], [128, '8001'], [300, 'ac02'], [16384, '808001'], [0xffffffff, 'ffffffff0f']];
    for (const [v, bytes] of cases) {
      expect(hex(new Writer().uvarint(v).finish()), String(v)).toBe(bytes);
      expect(new Reader(Buffer.from(bytes, 'hex')).uvarint()).toBe(v);
    }
    expect(() => new Writer().uvarint(-1)).toThrow(WireError);
    expect(() => new Reader(Buffer.from('8080808080', 'hex')).uvarint()).toThrow(/longer than 5 bytes/);
  });

  it('writes classic strings with an int16 length and -1 for null', () => {
    expect(hex(new Writer().string('ab').string(null).string('').finish())).toBe('00026162' + 'ffff' + '0000');
    const r = new Reader(Buffer.from('00026162ffff0000', 'hex'));
    expect([r.string(), r.nullableString(), r.string()]).toEqual(['ab', null, '']);
  });

  it('writes compact strings with length + 1 and 0 for null', () => {
    expect(hex(new Writer().compactString('abc').compactString(null).compactString('').finish())).toBe('04616263' + '00' + '01');
    const r = new Reader(Buffer.from('0461626300' + '01', 'hex'));
    expect([r.compactString(), r.compactNullableString(), r.compactString()]).toEqual(['abc', null, '']);
    expect(() => new Reader(Buffer.from('00', 'hex')).compactString('GroupId')).toThrow(/GroupId: null where/);
  });

  it('writes UTF-8 bytes, counting bytes not characters', () => {
    const b = new Writer().compactString('é').finish();
    expect(hex(b)).toBe('03c3a9');
    expect(new Reader(b).compactString()).toBe('é');
  });

  it('writes classic and compact arrays, null included', () => {
    const b = new Writer()
      .array([1, 2], (w, x) => w.int32(x))
      .array(null, (w, x: number) => w.int32(x))
      .compactArray([7], (w, x) => w.int32(x))
      .compactArray(null, (w, x: number) => w.int32(x))
      .finish();
    expect(hex(b)).toBe('00000002' + '00000001' + '00000002' + 'ffffffff' + '02' + '00000007' + '00');
    const r = new Reader(b);
    const i32 = (x: Reader): number => x.int32();
    expect(r.array(i32)).toEqual([1, 2]);
    expect(r.nullableArray(i32)).toBeNull();
    expect(r.compactArray(i32)).toEqual([7]);
    expect(r.compactNullableArray(i32)).toBeNull();
    r.end();
  });

  it('round-trips uuids as 32 hex digits', () => {
    const id = '0123456789abcdef0123456789abcdef';
    const b = new Writer().uuid('01234567-89ab-cdef-0123-456789abcdef').finish();
    expect(b.length).toBe(16);
    expect(new Reader(b).uuid()).toBe(id);
    expect(() => new Writer().uuid('xyz')).toThrow(/not a uuid/);
  });

  it('skips tagged fields it does not know', () => {
    // Two tagged fields: tag 0 with 2 bytes, tag 5 with 1 byte, then an int8 after the section.
    const b = Buffer.from('02' + '00' + '02' + 'aaaa' + '05' + '01' + 'bb' + '07', 'hex');
    const r = new Reader(b);
    r.skipTags();
    expect(r.int8()).toBe(7);
    r.end();
  });

  it('names what it was reading when a buffer is short, and refuses leftovers', () => {
    expect(() => new Reader(Buffer.from('0001', 'hex'), 'X v1 response').int32('MemberEpoch')).toThrow('X v1 response: MemberEpoch needs 4 byte(s) at offset 0, only 2 left');
    expect(() => new Reader(Buffer.from('00', 'hex'), 'Y').end()).toThrow(/1 byte\(s\) left over/);
    // A count larger than what is left is garbage, not an allocation.
    expect(() => new Reader(Buffer.from('7fffffff', 'hex')).array((x) => x.int8())).toThrow(/exceeds/);
  });
});

describe('headers and framing', () => {
  it('lays out request header v2 as ApiKey, ApiVersion, CorrelationId, int16-length ClientId, tags (RequestHeader.json)', () => {
    const w = new Writer();
    encodeRequestHeader(w, { apiKey: 68, apiVersion: 1, correlationId: 7, clientId: 'c1' }, true);
    expect(hex(w.finish())).toBe('0044' + '0001' + '00000007' + '0002' + '6331' + '00');
    const w1 = new Writer();
    encodeRequestHeader(w1, { apiKey: 8, apiVersion: 7, correlationId: 1, clientId: null }, false);
    expect(hex(w1.finish())).toBe('0008' + '0007' + '00000001' + 'ffff');
  });

  it('round-trips request headers v1/v2 and response headers v0/v1', () => {
    for (const flexible of [false, true]) {
      const w = new Writer();
      encodeRequestHeader(w, { apiKey: 10, apiVersion: 3, correlationId: 42, clientId: 'x' }, flexible);
      expect(decodeRequestHeader(new Reader(w.finish()), flexible)).toEqual({ apiKey: 10, apiVersion: 3, correlationId: 42, clientId: 'x' });
      const wr = new Writer();
      encodeResponseHeader(wr, 99, flexible);
      const b = wr.finish();
      expect(b.length).toBe(flexible ? 5 : 4);
      const r = new Reader(b);
      expect(decodeResponseHeader(r, flexible)).toBe(99);
      r.end();
    }
  });

  it('splits a byte stream into frames whatever the chunking', () => {
    const frames = [Buffer.from('aa', 'hex'), Buffer.alloc(0), Buffer.from('bbccdd', 'hex')];
    const stream = Buffer.concat(frames.map(frame));
    for (let cut = 0; cut <= stream.length; cut++) {
      const s = new FrameSplitter();
      const got = [...s.push(stream.subarray(0, cut)), ...s.push(stream.subarray(cut))];
      expect(got.map(hex), `cut at ${cut}`).toEqual(frames.map(hex));
      expect(s.buffered).toBe(0);
    }
    expect(() => new FrameSplitter().push(Buffer.from('ffffffff', 'hex'))).toThrow(/out of range/);
  });
});

describe('error codes', () => {
  it('maps codes to names and back (Errors.java)', () => {
    expect(errorName(0)).toBe('NONE');
    expect(errorName(110)).toBe('FENCED_MEMBER_EPOCH');
    expect(errorName(113)).toBe('STALE_MEMBER_EPOCH');
    expect(errorName(25)).toBe('UNKNOWN_MEMBER_ID');
    expect(errorName(9999)).toBe('UNKNOWN_SERVER_ERROR');
    for (const [name, code] of Object.entries(ERROR_CODES)) expect(errorName(code)).toBe(name);
  });
});

// ---- the five messages -------------------------------------------------------------------------

const int8 = fc.integer({ min: -128, max: 127 });
const int16 = fc.integer({ min: -32768, max: 32767 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const int64 = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const str = fc.string({ unit: 'grapheme', maxLength: 12 });
const nullableStr = fc.option(str, { nil: null });
const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));
const small = <T>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 4 });
const topicIdPartitions = fc.record({ topicId: uuid, partitions: small(int32) });

/** Arbitrary requests and responses of each message, every field drawn from its whole range (nulls included). */
const MESSAGES: { spec: ApiSpec<unknown, unknown>; request: fc.Arbitrary<unknown>; response: fc.Arbitrary<unknown> }[] = [
  {
    spec: Metadata as ApiSpec<unknown, unknown>,
    request: fc.record({ topics: fc.option(small(str), { nil: null }) }),
    response: fc.record({
      throttleTimeMs: int32,
      brokers: small(fc.record({ nodeId: int32, host: str, port: int32, rack: nullableStr })),
      clusterId: nullableStr,
      controllerId: int32,
      topics: small(
        fc.record({
          errorCode: int16,
          name: nullableStr,
          topicId: uuid,
          isInternal: fc.boolean(),
          partitions: small(fc.record({ errorCode: int16, partitionIndex: int32, leaderId: int32, leaderEpoch: int32, replicaNodes: small(int32), isrNodes: small(int32), offlineReplicas: small(int32) })),
          topicAuthorizedOperations: int32,
        }),
      ),
    }),
  },
  {
    spec: FindCoordinator as ApiSpec<unknown, unknown>,
    request: fc.record({ key: str, keyType: int8 }),
    response: fc.record({ throttleTimeMs: int32, errorCode: int16, errorMessage: nullableStr, nodeId: int32, host: nullableStr, port: int32 }),
  },
  {
    spec: ConsumerGroupHeartbeat as ApiSpec<unknown, unknown>,
    request: fc.record({
      groupId: str,
      memberId: str,
      memberEpoch: int32,
      instanceId: nullableStr,
      rackId: nullableStr,
      rebalanceTimeoutMs: int32,
      subscribedTopicNames: fc.option(small(str), { nil: null }),
      subscribedTopicRegex: nullableStr,
      serverAssignor: nullableStr,
      topicPartitions: fc.option(small(topicIdPartitions), { nil: null }),
    }),
    response: fc.record({
      throttleTimeMs: int32,
      errorCode: int16,
      errorMessage: nullableStr,
      memberId: nullableStr,
      memberEpoch: int32,
      heartbeatIntervalMs: int32,
      assignment: fc.option(fc.record({ topicPartitions: small(topicIdPartitions) }), { nil: null }),
    }),
  },
  {
    spec: OffsetCommit as ApiSpec<unknown, unknown>,
    request: fc.record({
      groupId: str,
      generationIdOrMemberEpoch: int32,
      memberId: str,
      groupInstanceId: nullableStr,
      topics: small(fc.record({ name: str, partitions: small(fc.record({ partitionIndex: int32, committedOffset: int64, committedLeaderEpoch: int32, committedMetadata: nullableStr })) })),
    }),
    response: fc.record({ throttleTimeMs: int32, topics: small(fc.record({ name: str, partitions: small(fc.record({ partitionIndex: int32, errorCode: int16 })) })) }),
  },
  {
    spec: OffsetFetch as ApiSpec<unknown, unknown>,
    request: fc.record({ groupId: str, topics: fc.option(small(fc.record({ name: str, partitionIndexes: small(int32) })), { nil: null }) }),
    response: fc.record({
      throttleTimeMs: int32,
      topics: small(fc.record({ name: str, partitions: small(fc.record({ partitionIndex: int32, committedOffset: int64, committedLeaderEpoch: int32, metadata: nullableStr, errorCode: int16 })) })),
      errorCode: int16,
    }),
  },
];

function encoded(write: (w: Writer) => void): Buffer {
  const w = new Writer();
  write(w);
  return w.finish();
}

describe('messages: Metadata v12, FindCoordinator v3, ConsumerGroupHeartbeat v1, OffsetCommit v9, OffsetFetch v6', () => {
  for (const { spec, request, response } of MESSAGES) {
    it(`${spec.name} v${spec.apiVersion}: requests and responses round-trip, and a decoder reads exactly what was written`, () => {
      fc.assert(
        fc.property(request, response, (req, res) => {
          const r1 = new Reader(encoded((w) => spec.encodeRequest(w, req)), `${spec.name} request`);
          expect(spec.decodeRequest(r1)).toEqual(req);
          r1.end();
          const r2 = new Reader(encoded((w) => spec.encodeResponse(w, res)), `${spec.name} response`);
          expect(spec.decodeResponse(r2)).toEqual(res);
          r2.end();
        }),
        { seed: 848, numRuns: 200 },
      );
    });

    it(`${spec.name} v${spec.apiVersion}: a response cut short anywhere is a WireError naming the message and a field`, () => {
      fc.assert(
        fc.property(response, (res) => {
          const full = encoded((w) => spec.encodeResponse(w, res));
          for (let cut = 0; cut < full.length; cut++) {
            const what = `${spec.name} v${spec.apiVersion} response`;
            const r = new Reader(full.subarray(0, cut), what);
            expect(() => {
              spec.decodeResponse(r);
              r.end();
            }).toThrow(new RegExp(`^${what}: .*(needs \\d+ byte|exceeds|left over)`));
          }
        }),
        { seed: 849, numRuns: 30 },
      );
    });
  }

  it('lays out a ConsumerGroupHeartbeat v1 join as ConsumerGroupHeartbeatRequest.json orders it', () => {
    const b = encoded((w) =>
      ConsumerGroupHeartbeat.encodeRequest(w, {
        groupId: 'g',
        memberId: 'm',
        memberEpoch: 0,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 10_000,
        subscribedTopicNames: ['t'],
        subscribedTopicRegex: '',
        serverAssignor: null,
        topicPartitions: [],
      }),
    );
    // GroupId 'g', MemberId 'm', MemberEpoch 0, InstanceId null, RackId null, RebalanceTimeoutMs 10000,
    // SubscribedTopicNames ['t'], SubscribedTopicRegex '', ServerAssignor null, TopicPartitions [], no tags.
    expect(hex(b)).toBe('0267' + '026d' + '00000000' + '00' + '00' + '00002710' + '02' + '0274' + '01' + '00' + '01' + '00');
  });

  it('reads an Assignment the coordinator sent (int8 marker 1) and a null one (marker -1)', () => {
    const id = 'ab'.repeat(16);
    const head = '00000000' + '0000' + '00' + '02' + '6d' + '00000005' + '000001f4';
    const present = Buffer.from(head + '01' + '02' + id + '03' + '00000000' + '00000002' + '00' + '00' + '00', 'hex');
    const r = new Reader(present, 'CGHB');
    expect(ConsumerGroupHeartbeat.decodeResponse(r)).toMatchObject({ memberId: 'm', memberEpoch: 5, heartbeatIntervalMs: 500, assignment: { topicPartitions: [{ topicId: id, partitions: [0, 2] }] } });
    r.end();
    expect(ConsumerGroupHeartbeat.decodeResponse(new Reader(Buffer.from(head + 'ff' + '00', 'hex'))).assignment).toBeNull();
  });

  it('refuses null in a field Kafka declares non-nullable, naming it', () => {
    // FindCoordinator v3 request whose Key is null (compact length 0).
    expect(() => FindCoordinator.decodeRequest(new Reader(Buffer.from('00' + '00' + '00', 'hex'), 'FindCoordinator v3 request'))).toThrow(
      "FindCoordinator v3 request: Key: null where Kafka's schema has a non-nullable string",
    );
  });
});

// ---- a connection to a fake broker ---------------------------------------------------------------

/** A broker that answers each request frame with whatever `answer` returns (nothing: stays silent). */
async function fakeBroker(answer: (correlationId: number, apiKey: number, body: Reader) => Buffer | null): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    const splitter = new FrameSplitter();
    socket.on('data', (chunk: Buffer) => {
      for (const body of splitter.push(chunk)) {
        const r = new Reader(body, 'request');
        const h = decodeRequestHeader(r, true);
        const out = answer(h.correlationId, h.apiKey, r);
        if (out !== null) socket.write(out);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

/** A response frame: header v1 (flexible) for `correlationId`, then `body`. */
function responseFrame(correlationId: number, body: (w: Writer) => void): Buffer {
  const w = new Writer();
  encodeResponseHeader(w, correlationId, true);
  body(w);
  return frame(w.finish());
}

describe('Connection against a fake broker', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise<void>((res) => s.close(() => res()));
  });
  const open = async (answer: Parameters<typeof fakeBroker>[0]): Promise<{ conn: Connection; sockets: Socket[] }> => {
    const b = await fakeBroker(answer);
    servers.push(b.server);
    const conn = await Connection.open({ host: '127.0.0.1', port: b.port, clientId: 'test', connectTimeoutMs: 1000 });
    return { conn, sockets: b.sockets };
  };
  const coordinator = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 2, host: 'h', port: 9092 };

  it('sends a request the broker decodes and decodes its answer', async () => {
    let seen: unknown = null;
    const { conn } = await open((id, apiKey, r) => {
      seen = { apiKey, request: FindCoordinator.decodeRequest(r) };
      return responseFrame(id, (w) => FindCoordinator.encodeResponse(w, coordinator));
    });
    await expect(conn.send(FindCoordinator, { key: 'g', keyType: 0 }, 7, 1000)).resolves.toEqual(coordinator);
    expect(seen).toEqual({ apiKey: 10, request: { key: 'g', keyType: 0 } });
    conn.close();
  });

  it('accepts and counts zero bytes after an answer (librdkafka\'s doubled tagged-field section), refuses other leftovers', async () => {
    const withTrailing = (byte: number) => (w: Writer): void => {
      FindCoordinator.encodeResponse(w, coordinator);
      w.int8(byte);
    };
    const { conn } = await open((id) => responseFrame(id, withTrailing(0)));
    await expect(conn.send(FindCoordinator, { key: 'g', keyType: 0 }, 1, 1000)).resolves.toEqual(coordinator);
    expect(conn.trailingZeroBytes).toEqual({ FindCoordinator: 1 });
    conn.close();
    const { conn: c2 } = await open((id) => responseFrame(id, withTrailing(7)));
    await expect(c2.send(FindCoordinator, { key: 'g', keyType: 0 }, 1, 1000)).rejects.toThrow(/FindCoordinator v3 response from 127\.0\.0\.1:\d+: 1 byte\(s\) left over/);
    expect(c2.closed).toBe(true);
  });

  it('a garbled answer is a protocol error naming the api, the field and the broker, and closes the connection', async () => {
    const { conn } = await open((id) => responseFrame(id, (w) => w.int32(0).int16(0)));
    const err = await conn.send(ConsumerGroupHeartbeat, {
      groupId: 'g', memberId: 'm', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 1, subscribedTopicNames: ['t'], subscribedTopicRegex: '', serverAssignor: null, topicPartitions: [],
    }, 3, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).kind).toBe('protocol');
    expect((err as Error).message).toMatch(/^ConsumerGroupHeartbeat v1 response from 127\.0\.0\.1:\d+: ErrorMessage needs 1 byte\(s\) at offset 11, only 0 left$/);
    expect(conn.closed).toBe(true);
    await expect(conn.send(FindCoordinator, { key: 'g', keyType: 0 }, 4, 1000)).rejects.toThrow(ConnectionError);
  });

  it('an answer to no request in flight, or a frame size out of range, breaks the stream', async () => {
    const { conn } = await open((id) => responseFrame(id + 100, (w) => FindCoordinator.encodeResponse(w, coordinator)));
    await expect(conn.send(FindCoordinator, { key: 'g', keyType: 0 }, 1, 1000)).rejects.toThrow(/correlation id 101 matches no request in flight/);
    const { conn: c2 } = await open(() => Buffer.from('ffffff00', 'hex'));
    await expect(c2.send(FindCoordinator, { key: 'g', keyType: 0 }, 1, 1000)).rejects.toThrow(/frame size -256 is out of range/);
  });

  it('a request without an answer times out and closes the connection; a broker that hangs up fails what is pending', async () => {
    const { conn } = await open(() => null);
    const first = conn.send(FindCoordinator, { key: 'g', keyType: 0 }, 1, 5000).catch((e: unknown) => e);
    const timedOut = await conn.send(FindCoordinator, { key: 'g', keyType: 0 }, 2, 50).catch((e: unknown) => e);
    expect((timedOut as ConnectionError).kind).toBe('timeout');
    expect((timedOut as Error).message).toMatch(/no answer to FindCoordinator \(correlation id 2\) within 50 ms/);
    expect(((await first) as ConnectionError).kind).toBe('closed');
    const { conn: c2, sockets } = await open(() => null);
    const pending = c2.send(FindCoordinator, { key: 'g', keyType: 0 }, 1, 5000).catch((e: unknown) => e);
    await new Promise((res) => setTimeout(res, 20));
    for (const s of sockets) s.destroy();
    const closed = (await pending) as ConnectionError;
    expect(closed.kind).toBe('closed');
    expect(closed.message).toMatch(/connection closed by the broker/);
  });

  it('a refused connection is a connect error naming the address', async () => {
    const b = await fakeBroker(() => null);
    const port = b.port;
    await new Promise<void>((res) => b.server.close(() => res()));
    const err = await Connection.open({ host: '127.0.0.1', port, clientId: 'test', connectTimeoutMs: 1000 }).catch((e: unknown) => e);
    expect((err as ConnectionError).kind).toBe('connect');
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });
});
