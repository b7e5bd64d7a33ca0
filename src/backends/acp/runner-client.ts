/**
 * Calls a runner (runner.ts) over its Unix socket: one connection per call, bounded in time. A
 * runner that is not there (no socket, or nobody listening) is `RunnerGone`; a failure the runner
 * reports for the caller keeps its BackendError code.
 */
import { createConnection } from 'node:net';
import { BackendError } from '../errors.js';
import { RpcError, RpcPeer } from './json-rpc.js';

export class RunnerGone extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunnerGone';
  }
}

type Code = BackendError['code'];
const CODES: Record<string, Code> = {
  no_pending_approval: 'no_pending_approval',
  prompt_mismatch: 'prompt_mismatch',
  option_unavailable: 'option_unavailable',
};

export async function callRunner<T>(socket: string, method: string, params: unknown = {}, timeoutMs = 10_000): Promise<T> {
  const conn = createConnection(socket);
  try {
    await new Promise<void>((resolve, reject) => {
      conn.once('connect', resolve);
      conn.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? new RunnerGone(`no runner listens on ${socket} (${err.code})`) : err),
      );
    });
    const peer = new RpcPeer(conn, conn);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BackendError(`the agent's runner did not answer ${method} within ${timeoutMs / 1000} s`, 'command_failed')), timeoutMs);
    });
    try {
      return await Promise.race([peer.call<T>(method, params), timeout]);
    } catch (err) {
      if (err instanceof RpcError) {
        const code = (err.data as { code?: string } | undefined)?.code;
        if (code === undefined && /stream ended|stream failed/u.test(err.message)) throw new RunnerGone(`the runner closed the connection during ${method}`);
        throw new BackendError(err.message, (code !== undefined ? CODES[code] : undefined) ?? 'command_failed');
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    conn.destroy();
  }
}
