import { Socket, connect } from 'node:net';
import { Reader, WireError, Writer } from './codec.ts';
import { FrameSplitter, decodeResponseHeader, encodeRequestHeader, frame } from './frame.ts';
import type { ApiSpec } from './messages.ts';

/**
 * One TCP connection to one broker: size-prefixed frames, correlation ids, a timeout per request.
 * Kafka answers the requests of one connection in order; we still match answers by correlation id
 * and treat an unknown one as a broken stream. A request that times out closes the connection, as
 * Kafka's NetworkClient does (handleTimedOutRequests disconnects), so no late answer can be taken
 * for a later request's. A closed connection fails everything pending on it; nothing waits forever.
 */

export type ConnectionErrorKind = 'connect' | 'timeout' | 'closed' | 'protocol';

export class ConnectionError extends Error {
  constructor(
    readonly kind: ConnectionErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

interface Pending {
  spec: ApiSpec<unknown, unknown>;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ConnectOptions {
  host: string;
  port: number;
  clientId: string;
  connectTimeoutMs: number;
}

export class Connection {
  private readonly pending = new Map<number, Pending>();
  private readonly splitter = new FrameSplitter();
  private closedWith: ConnectionError | null = null;
  /** Zero bytes left over after a decoded answer, per API (see onFrame). */
  readonly trailingZeroBytes: Record<string, number> = {};

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    private readonly clientId: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(new ConnectionError('closed', `${address}: ${e.message}`)));
    socket.on('close', () => this.fail(new ConnectionError('closed', `${address}: connection closed by the broker`)));
  }

  /** Opens a connection; rejects with a ConnectionError('connect') on refusal or after the timeout. */
  static open(options: ConnectOptions): Promise<Connection> {
    const address = `${options.host}:${options.port}`;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectionError('connect', `${address}: no connection within ${options.connectTimeoutMs} ms`));
      }, options.connectTimeoutMs);
      const onError = (e: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new ConnectionError('connect', `${address}: ${e.message}`));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(new Connection(socket, address, options.clientId));
      });
    });
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** Sends one request and awaits its answer, at most `timeoutMs`. */
  send<Req, Res>(spec: ApiSpec<Req, Res>, request: Req, correlationId: number, timeoutMs: number): Promise<Res> {
    if (this.closedWith !== null) return Promise.reject(this.closedWith);
    if (this.pending.has(correlationId)) return Promise.reject(new ConnectionError('protocol', `${this.address}: correlation id ${correlationId} is already in flight`));
    const w = new Writer();
    encodeRequestHeader(w, { apiKey: spec.apiKey, apiVersion: spec.apiVersion, correlationId, clientId: this.clientId }, spec.flexible);
    spec.encodeRequest(w, request);
    const bytes = frame(w.finish());
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new ConnectionError('timeout', `${this.address}: no answer to ${spec.name} (correlation id ${correlationId}) within ${timeoutMs} ms`), correlationId);
      }, timeoutMs);
      this.pending.set(correlationId, { spec: spec as ApiSpec<unknown, unknown>, resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(bytes);
    });
  }

  /** Closes the connection; pending requests fail with a 'closed' error. */
  close(): void {
    this.fail(new ConnectionError('closed', `${this.address}: closed by the client`));
  }

  private onData(chunk: Buffer): void {
    let bodies: Buffer[];
    try {
      bodies = this.splitter.push(chunk);
    } catch (e) {
      return this.fail(new ConnectionError('protocol', `${this.address}: ${(e as Error).message}`));
    }
    for (const body of bodies) {
      if (this.closedWith !== null) return;
      this.onFrame(body);
    }
  }

  private onFrame(body: Buffer): void {
    // Peek the correlation id (the first field of both header versions) to find the request.
    if (body.length < 4) return this.fail(new ConnectionError('protocol', `${this.address}: a ${body.length}-byte frame has no correlation id`));
    const correlationId = body.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (p === undefined) return this.fail(new ConnectionError('protocol', `${this.address}: an answer with correlation id ${correlationId} matches no request in flight`));
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    const r = new Reader(body, `${p.spec.name} v${p.spec.apiVersion} response from ${this.address}`);
    try {
      decodeResponseHeader(r, p.spec.flexible);
      const response = p.spec.decodeResponse(r);
      // librdkafka's mock ends its Metadata answers with a second, empty tagged-field section
      // (rd_kafka_mock_handle_Metadata writes one, rd_kafka_mock_connection_send_response another).
      // Kafka's clients do not check for leftovers; we accept zero bytes only and count them.
      const rest = body.subarray(r.offset);
      if (rest.some((b) => b !== 0)) r.end();
      if (rest.length > 0) this.trailingZeroBytes[p.spec.name] = (this.trailingZeroBytes[p.spec.name] ?? 0) + rest.length;
      p.resolve(response);
    } catch (e) {
      const message = e instanceof WireError ? e.message : String(e);
      p.reject(new ConnectionError('protocol', message));
      // A frame we cannot decode leaves the stream's meaning in doubt: close it.
      this.fail(new ConnectionError('protocol', message));
    }
  }

  /** Fails every pending request (the one timed out with `error`, the others as closed) and closes the socket. */
  private fail(error: ConnectionError, timedOut?: number): void {
    if (this.closedWith !== null) return;
    this.closedWith = error.kind === 'timeout' ? new ConnectionError('closed', `${this.address}: closed after a request timed out`) : error;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(id === timedOut ? error : this.closedWith);
    }
    this.pending.clear();
    this.socket.destroy();
  }
}
