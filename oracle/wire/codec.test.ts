import { describe, expect, it } from 'vitest';
import { Reader, WireError, Writer } from './codec.ts';
import { FrameSplitter, decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader, frame } from './frame.ts';
import { ERROR_CODES, errorName } from './errors.ts';

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
