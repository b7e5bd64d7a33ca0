/**
 * JSON-RPC 2.0 over newline-delimited JSON, one peer of a duplex byte stream: the Agent Client
 * Protocol on an agent program's stdin/stdout, and the runner's socket (runner.ts). Both sides may
 * send requests and notifications; a request is answered by `onRequest` (a thrown RpcError keeps its
 * code and data, anything else is answered as an internal error).
 */
import type { Readable, Writable } from 'node:stream';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json | undefined };
type Id = number | string;

export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number = -32000,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export interface RpcHandlers {
  onRequest?: (method: string, params: unknown, id: Id) => Promise<unknown>;
  onNotification?: (method: string, params: unknown) => void;
  /** The stream ended or failed: every outstanding call has been rejected. */
  onClose?: (reason: string) => void;
}

/** Lines over this size are dropped (answered with an error when they are requests we can read). */
const MAX_LINE = 16 * 1024 * 1024;

export class RpcPeer {
  private nextId = 1;
  private readonly outstanding = new Map<Id, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  private buffer = '';
  private closed?: string;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly handlers: RpcHandlers = {},
  ) {
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => this.receive(chunk));
    input.on('end', () => this.close('the stream ended'));
    input.on('error', (err) => this.close(`the stream failed: ${err.message}`));
    output.on('error', (err) => this.close(`writing failed: ${err.message}`));
  }

  get isClosed(): boolean {
    return this.closed !== undefined;
  }

  /** Sends a request; resolves with its result, rejects with an RpcError (or when the stream closes). */
  call<T = unknown>(method: string, params?: unknown): Promise<T> {
    if (this.closed !== undefined) return Promise.reject(new RpcError(`cannot call ${method}: ${this.closed}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.outstanding.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.write({ jsonrpc: '2.0', id, method, ...(params !== undefined && { params }) });
    });
  }

  notify(method: string, params?: unknown): void {
    if (this.closed === undefined) this.write({ jsonrpc: '2.0', method, ...(params !== undefined && { params }) });
  }

  /** Answers a request that arrived (used when the answer comes later than onRequest returns). */
  respond(id: Id, result: unknown): void {
    if (this.closed === undefined) this.write({ jsonrpc: '2.0', id, result: result ?? null });
  }

  close(reason = 'closed'): void {
    if (this.closed !== undefined) return;
    this.closed = reason;
    for (const [, o] of this.outstanding) o.reject(new RpcError(`${o.method}: ${reason}`));
    this.outstanding.clear();
    this.handlers.onClose?.(reason);
  }

  private write(message: object): void {
    this.output.write(`${JSON.stringify(message)}\n`);
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let i = this.buffer.indexOf('\n'); i >= 0; i = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, i).trim();
      this.buffer = this.buffer.slice(i + 1);
      if (line !== '') this.dispatch(line);
    }
    if (this.buffer.length > MAX_LINE) this.buffer = '';
  }

  private dispatch(line: string): void {
    let msg: { id?: Id; method?: string; params?: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return; // not JSON (a log line on the wrong stream): ignored
    }
    if (typeof msg !== 'object' || msg === null) return;
    if (msg.method !== undefined) {
      if (msg.id === undefined) {
        this.handlers.onNotification?.(msg.method, msg.params);
        return;
      }
      const id = msg.id;
      const handle = this.handlers.onRequest;
      if (!handle) {
        this.write({ jsonrpc: '2.0', id, error: { code: -32601, message: `method not found: ${msg.method}` } });
        return;
      }
      handle(msg.method, msg.params, id).then(
        (result) => {
          if (result !== DEFERRED) this.respond(id, result);
        },
        (err: unknown) => {
          if (this.closed !== undefined) return;
          const e = err instanceof RpcError ? err : new RpcError(err instanceof Error ? err.message : String(err), -32603);
          this.write({ jsonrpc: '2.0', id, error: { code: e.code, message: e.message, ...(e.data !== undefined && { data: e.data }) } });
        },
      );
      return;
    }
    if (msg.id === undefined) return;
    const o = this.outstanding.get(msg.id);
    if (!o) return;
    this.outstanding.delete(msg.id);
    if (msg.error) o.reject(new RpcError(msg.error.message, msg.error.code, msg.error.data));
    else o.resolve(msg.result);
  }
}

/** Returned by onRequest when the answer is sent later with `respond` (a permission request). */
export const DEFERRED: unique symbol = Symbol('deferred');
