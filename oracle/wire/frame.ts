import { Reader, WireError, Writer } from './codec.ts';

/**
 * Request and response headers and the size-prefixed framing around them
 * (clients/src/main/resources/common/message/RequestHeader.json, ResponseHeader.json). Every
 * message on a Kafka connection is an int32 size followed by that many bytes. Request header v1
 * (non-flexible APIs) is ApiKey, ApiVersion, CorrelationId, ClientId; v2 (flexible APIs) adds a
 * tagged-field section. ClientId stays an int16-length string in v2 ("flexibleVersions": "none").
 * Response header v0 is the CorrelationId; v1 adds a tagged-field section.
 */

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Header v2 for a flexible request version, v1 otherwise. */
export function encodeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId).string(h.clientId);
  if (flexible) w.emptyTags();
}

export function decodeRequestHeader(r: Reader, flexible: boolean): RequestHeader {
  const h = { apiKey: r.int16('ApiKey'), apiVersion: r.int16('ApiVersion'), correlationId: r.int32('CorrelationId'), clientId: r.nullableString('ClientId') };
  if (flexible) r.skipTags();
  return h;
}

/** Reads a response header (v1 for a flexible response version, v0 otherwise); returns the correlation id. */
export function decodeResponseHeader(r: Reader, flexible: boolean): number {
  const correlationId = r.int32('CorrelationId');
  if (flexible) r.skipTags();
  return correlationId;
}

export function encodeResponseHeader(w: Writer, correlationId: number, flexible: boolean): void {
  w.int32(correlationId);
  if (flexible) w.emptyTags();
}

/** The whole frame: the int32 size, then the body. */
export function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

/** Largest frame we accept from a broker; a bigger size prefix means the stream is garbled. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * Splits a byte stream into frames. `push` takes what the socket delivered and returns the
 * complete frame bodies it finished, in order; a partial frame waits for the next chunk.
 */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || size > MAX_FRAME_BYTES) throw new WireError(`frame size ${size} is out of range (0..${MAX_FRAME_BYTES})`);
      if (this.pending.length < 4 + size) break;
      out.push(this.pending.subarray(4, 4 + size));
      this.pending = this.pending.subarray(4 + size);
    }
    return out;
  }

  /** Bytes received that are not yet a whole frame. */
  get buffered(): number {
    return this.pending.length;
  }
}
