/**
 * A bench for one agent program other than Claude Code (Codex CLI, Gemini CLI, a shell): a private
 * tmux server, the program started in it by `start`, an operator MCP client (the built CLI over
 * stdio, real SDK client) on a private data dir, and the session registered as agent "dev" with
 * the program's `agent_kind`.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { textOf } from '../helpers/core.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';
import type { TuiSession } from '../helpers/tui-program.js';
import type { LivenessRow } from './harness.js';

export const SPACE = 'real';
export const AGENT = 'dev';

export interface ProgramBench {
  tui: TuiSession;
  dataDir: string;
  call(name: string, args?: Record<string, unknown>, allowError?: boolean): Promise<CallToolResult>;
  row(): Promise<LivenessRow & { agent_kind?: string }>;
  waitForRow(pred: (r: LivenessRow) => boolean, what: string, timeoutMs?: number): Promise<LivenessRow>;
  close(): Promise<void>;
}

export async function startProgramBench(kind: string, start: (tmux: TmuxTestServer) => Promise<TuiSession>): Promise<ProgramBench> {
  const tmux = await createTmuxServer();
  const data = tempDir('boss-real-data-');
  const closers: (() => Promise<void> | void)[] = [() => tmux.kill(), () => data.cleanup()];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const tui = await start(tmux);
    closers.push(() => tui.stop());
    const client = await stdioClient(['--data-dir', data.dir, '--tmux-socket', tmux.socketName, '--space', SPACE]);
    closers.push(() => client.close());
    const call = async (name: string, args: Record<string, unknown> = {}, allowError = false) => {
      const r = await client.call(name, args);
      if (!allowError) expect(r.isError, `${name} failed: ${textOf(r)}`).toBeFalsy();
      return r;
    };
    await call('register_session', { agent: AGENT, session_id: tui.session, agent_kind: kind });
    const row = async () => {
      const r = await call('list_liveness');
      const found = (r.structuredContent as { agents: (LivenessRow & { agent_kind?: string })[] }).agents.find((a) => a.agent === AGENT);
      if (!found) throw new Error(`list_liveness has no row for ${AGENT}: ${textOf(r)}`);
      return found;
    };
    const waitForRow = async (pred: (r: LivenessRow) => boolean, what: string, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      let last: LivenessRow | undefined;
      for (;;) {
        last = await row();
        if (pred(last)) return last;
        if (Date.now() > deadline) {
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last row ${JSON.stringify(last)}; screen:\n${(await tui.capture()).join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    return { tui, dataDir: data.dir, call, row, waitForRow, close };
  } catch (err) {
    await close();
    throw err;
  }
}
