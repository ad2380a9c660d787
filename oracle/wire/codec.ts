/**
 * The Kafka wire protocol's primitive types (Kafka's protocol guide, "Protocol Primitive Types";
 * clients/src/main/java/org/apache/kafka/common/protocol/types/Type.java): big-endian integers,
 * unsigned varints, strings and arrays in their classic (int16/int32 length) and compact
 * (unsigned varint length + 1, 0 for null) forms, UUIDs and tagged fields. A Reader that runs past
 * the end throws a WireError naming what it was reading, so a short or garbled frame is a clear
 * error, never a silent zero.
 */

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** A growable output buffer. */
export class Writer {
  private buf = Buffer.alloc(256);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  /** Writes `n` bytes at the end with `write(buffer, offset)` (Buffer's range-checked writers). */
  private fixed(n: number, write: (b: Buffer, at: number) => unknown): this {
    this.room(n);
    write(this.buf, this.len);
    this.len += n;
    return this;
  }

  int8(v: number): this {
    return this.fixed(1, (b, at) => b.writeInt8(v, at));
  }

  int16(v: number): this {
    return this.fixed(2, (b, at) => b.writeInt16BE(v, at));
  }

  int32(v: number): this {
    return this.fixed(4, (b, at) => b.writeInt32BE(v, at));
  }

  int64(v: bigint | number): this {
    return this.fixed(8, (b, at) => b.writeBigInt64BE(BigInt(v), at));
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  /** Unsigned varint: 7 bits per byte, low bits first, high bit set on all but the last byte. */
  uvarint(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WireError(`uvarint out of range: ${v}`);
    let rest = v;
    while (rest >= 0x80) {
      this.byte((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    return this.byte(rest);
  }

  private byte(v: number): this {
    this.room(1);
    this.buf.writeUInt8(v, this.len);
    this.len += 1;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** STRING / NULLABLE_STRING: int16 length (-1 for null), UTF-8 bytes. */
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    const b = Buffer.from(s, 'utf8');
    if (b.length > 0x7fff) throw new WireError(`string too long for int16 length: ${b.length} bytes`);
    return this.int16(b.length).bytes(b);
  }

  /** COMPACT_STRING / COMPACT_NULLABLE_STRING: uvarint length + 1 (0 for null). */
  compactString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const b = Buffer.from(s, 'utf8');
    return this.uvarint(b.length + 1).bytes(b);
  }

  /** ARRAY: int32 count (-1 for null), then the items. */
  array<T>(items: readonly T[] | null, item: (w: this, x: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const x of items) item(this, x);
    return this;
  }

  /** COMPACT_ARRAY: uvarint count + 1 (0 for null), then the items. */
  compactArray<T>(items: readonly T[] | null, item: (w: this, x: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const x of items) item(this, x);
    return this;
  }

  /** UUID: 16 bytes, given as 32 hex digits (dashes allowed). */
  uuid(id: string): this {
    const hex = id.replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new WireError(`not a uuid: ${id}`);
    return this.bytes(Buffer.from(hex, 'hex'));
  }

  /** An empty tagged-field section (we send no tagged fields): a count of 0. */
  emptyTags(): this {
    return this.uvarint(0);
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** Reads a received buffer front to back; every read is bounds-checked. */
export class Reader {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    /** What is being decoded, for error messages ("ConsumerGroupHeartbeat v1 response"). */
    private readonly what = 'buffer',
  ) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) {
      throw new WireError(`${this.what}: ${field} needs ${n} byte(s) at offset ${this.pos}, only ${this.buf.length - this.pos} left`);
    }
  }

  /** Reads `n` bytes at the current offset with `read(buffer, offset)`, after checking they are there. */
  private fixed<T>(n: number, field: string, read: (b: Buffer, at: number) => T): T {
    this.need(n, field);
    const v = read(this.buf, this.pos);
    this.pos += n;
    return v;
  }

  int8(field = 'int8'): number {
    return this.fixed(1, field, (b, at) => b.readInt8(at));
  }

  int16(field = 'int16'): number {
    return this.fixed(2, field, (b, at) => b.readInt16BE(at));
  }

  int32(field = 'int32'): number {
    return this.fixed(4, field, (b, at) => b.readInt32BE(at));
  }

  int64(field = 'int64'): bigint {
    return this.fixed(8, field, (b, at) => b.readBigInt64BE(at));
  }

  bool(field = 'bool'): boolean {
    return this.int8(field) !== 0;
  }

  uvarint(field = 'uvarint'): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      this.need(1, field);
      const b = this.buf[this.pos++];
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new WireError(`${this.what}: ${field}: unsigned varint longer than 5 bytes at offset ${this.pos - 5}`);
  }

  bytes(n: number, field = 'bytes'): Buffer {
    if (n < 0) throw new WireError(`${this.what}: ${field}: negative length ${n}`);
    this.need(n, field);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  nullableString(field = 'string'): string | null {
    const n = this.int16(field);
    if (n === -1) return null;
    return this.bytes(n, field).toString('utf8');
  }

  string(field = 'string'): string {
    const s = this.nullableString(field);
    if (s === null) throw new WireError(`${this.what}: ${field}: null where Kafka's schema has a non-nullable string`);
    return s;
  }

  compactNullableString(field = 'compact string'): string | null {
    const n = this.uvarint(field);
    if (n === 0) return null;
    return this.bytes(n - 1, field).toString('utf8');
  }

  compactString(field = 'compact string'): string {
    const s = this.compactNullableString(field);
    if (s === null) throw new WireError(`${this.what}: ${field}: null where Kafka's schema has a non-nullable string`);
    return s;
  }

  nullableArray<T>(item: (r: this) => T, field = 'array'): T[] | null {
    const n = this.int32(field);
    if (n === -1) return null;
    if (n < -1) throw new WireError(`${this.what}: ${field}: negative count ${n}`);
    return this.items(n, item, field);
  }

  array<T>(item: (r: this) => T, field = 'array'): T[] {
    const xs = this.nullableArray(item, field);
    if (xs === null) throw new WireError(`${this.what}: ${field}: null where Kafka's schema has a non-nullable array`);
    return xs;
  }

  compactNullableArray<T>(item: (r: this) => T, field = 'compact array'): T[] | null {
    const n = this.uvarint(field);
    if (n === 0) return null;
    return this.items(n - 1, item, field);
  }

  compactArray<T>(item: (r: this) => T, field = 'compact array'): T[] {
    const xs = this.compactNullableArray(item, field);
    if (xs === null) throw new WireError(`${this.what}: ${field}: null where Kafka's schema has a non-nullable array`);
    return xs;
  }

  private items<T>(n: number, item: (r: this) => T, field: string): T[] {
    // Each item takes at least one byte: a count beyond what is left is garbage, not a huge allocation.
    if (n > this.remaining) throw new WireError(`${this.what}: ${field}: count ${n} exceeds the ${this.remaining} byte(s) left`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }

  /** UUID as 32 lowercase hex digits (Kafka prints them base64; hex is what our traces need to compare). */
  uuid(field = 'uuid'): string {
    return this.bytes(16, field).toString('hex');
  }

  /** Skips a tagged-field section: count, then (tag, size, bytes) per field. We know no tags we need. */
  skipTags(field = 'tagged fields'): void {
    const n = this.uvarint(field);
    for (let i = 0; i < n; i++) {
      this.uvarint(`${field} tag`);
      this.bytes(this.uvarint(`${field} size`), `${field} value`);
    }
  }

  /** The decoder of a whole message calls this last: bytes left over mean we decoded the wrong layout. */
  end(): void {
    if (this.remaining !== 0) throw new WireError(`${this.what}: ${this.remaining} byte(s) left over after decoding (wrong version or layout?)`);
  }
}
