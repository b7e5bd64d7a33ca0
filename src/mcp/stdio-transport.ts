import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** Longest stdio message (one line of JSON) taken; the SDK's own transport stops at the same size. */
export const MAX_STDIO_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Bytes kept from each end of an oversized line, to find its request id. */
const EDGE = 512;

export interface LineStdioOptions {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  maxMessageBytes?: number;
  /** Where refused messages are reported (stderr; stdout belongs to the protocol). */
  warn?: (message: string) => void;
}

/**
 * MCP over stdio, newline-delimited JSON, as the SDK's StdioServerTransport, with one difference:
 * a message longer than the limit is skipped up to its newline and answered with a JSON-RPC error
 * (under its id, when the id can be read from either end of the line), and the server keeps
 * serving. The SDK transport closed itself instead, and the process then exited with code 0
 * without a word. Lines that are not JSON are answered with a parse error.
 */
export class LineStdioServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly stdin: NodeJS.ReadableStream;
  private readonly stdout: NodeJS.WritableStream;
  private readonly max: number;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Set while skipping an oversized line: its first and last bytes and its length. */
  private skipping: { head: Buffer; tail: Buffer; bytes: number } | undefined;
  private started = false;

  constructor(private readonly opts: LineStdioOptions = {}) {
    this.stdin = opts.stdin ?? process.stdin;
    this.stdout = opts.stdout ?? process.stdout;
    this.max = opts.maxMessageBytes ?? MAX_STDIO_MESSAGE_BYTES;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('LineStdioServerTransport already started');
    this.started = true;
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onStreamError);
  }

  private readonly onStreamError = (err: Error) => this.onerror?.(err);

  private readonly onData = (data: Buffer | string) => {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      this.take(piece);
      if (nl === -1) break;
      this.endLine();
      start = nl + 1;
    }
  };

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.skipping === undefined && this.size + piece.length <= this.max) {
      this.chunks.push(piece);
      this.size += piece.length;
      return;
    }
    if (this.skipping === undefined) {
      const sofar = Buffer.concat([...this.chunks, piece.subarray(0, EDGE)]);
      this.skipping = { head: Buffer.from(sofar.subarray(0, EDGE)), tail: Buffer.alloc(0), bytes: this.size };
      this.chunks = [];
      this.size = 0;
    }
    const s = this.skipping;
    s.bytes += piece.length;
    const last = piece.length >= EDGE ? piece.subarray(piece.length - EDGE) : Buffer.concat([s.tail, piece]).subarray(-EDGE);
    s.tail = Buffer.from(last);
  }

  private endLine(): void {
    if (this.skipping !== undefined) {
      const s = this.skipping;
      this.skipping = undefined;
      this.refuseOversized(s);
      return;
    }
    const line = Buffer.concat(this.chunks).toString('utf8').replace(/\r$/, '');
    this.chunks = [];
    this.size = 0;
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      this.reply(null, -32700, `Parse error: ${(err as Error).message}`);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      const id = requestIdOf(json);
      if (id !== undefined) this.reply(id, -32600, 'Invalid Request: not a JSON-RPC 2.0 message');
      this.onerror?.(new Error(`invalid JSON-RPC message: ${parsed.error.message}`));
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private refuseOversized(s: { head: Buffer; tail: Buffer; bytes: number }): void {
    const id = idFromEdges(s.head.toString('utf8'), s.tail.toString('utf8'));
    const message = `Request too large: a stdio message may be at most ${this.max} bytes, this one had ${s.bytes}. Send less text per call (send_input takes at most 1 MiB).`;
    this.opts.warn?.(`refused a stdio message of ${s.bytes} bytes (limit ${this.max})${id === null ? '' : ` with id ${JSON.stringify(id)}`}`);
    this.reply(id, -32600, message);
  }

  private reply(id: string | number | null, code: number, message: string): void {
    void this.write(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }) + '\n');
  }

  async send(message: JSONRPCMessage): Promise<void> {
    await this.write(JSON.stringify(message) + '\n');
  }

  private write(text: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(text)) resolve();
      else this.stdout.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onStreamError);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.chunks = [];
    this.skipping = undefined;
    this.onclose?.();
  }
}

const requestIdOf = (json: unknown): string | number | undefined => {
  if (typeof json !== 'object' || json === null || !('method' in json) || !('id' in json)) return undefined;
  const id = (json as { id: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
};

const ID = String.raw`"id"\s*:\s*(-?\d{1,16}|"(?:[^"\\]|\\.){0,200}")`;

/**
 * The id of a request too large to parse, from its first or last bytes: clients put `id` either
 * first (`{"jsonrpc":"2.0","id":7,"method":…`) or last (`…,"jsonrpc":"2.0","id":7}`). Null when
 * neither end shows it (the error then has id null, as JSON-RPC prescribes).
 */
export function idFromEdges(head: string, tail: string): string | number | null {
  const m = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?${ID}`).exec(head) ?? new RegExp(String.raw`,\s*${ID}\s*\}\s*$`).exec(tail);
  if (!m) return null;
  return JSON.parse(m[1]!) as string | number;
}
