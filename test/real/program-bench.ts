/**
 * A bench for one agent program other than Claude Code (Codex CLI, Gemini CLI, a shell): a private
 * tmux server, the program started in it by `start`, an operator MCP client (the built CLI over
 * stdio, real SDK client) on a private data dir, and the session registered as agent "dev" with
 * the program's `agent_kind`.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';
import type { TuiSession } from '../helpers/tui-program.js';
import { liveCalls, type LivenessRow } from './harness.js';

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

export async function startProgramBench(kind: string, start: (tmux: TmuxTestServer, dataDir: string) => Promise<TuiSession>): Promise<ProgramBench> {
  const tmux = await createTmuxServer();
  const data = tempDir('boss-real-data-');
  const closers: (() => Promise<void> | void)[] = [() => tmux.kill(), () => data.cleanup()];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const tui = await start(tmux, data.dir);
    closers.push(() => tui.stop());
    const client = await stdioClient(['--data-dir', data.dir, '--tmux-socket', tmux.socketName, '--space', SPACE]);
    closers.push(() => client.close());
    const { call, row, waitForRow } = liveCalls<LivenessRow & { agent_kind?: string }>(client, () => tui.capture());
    await call('register_session', { agent: AGENT, session_id: tui.session, agent_kind: kind });
    return { tui, dataDir: data.dir, call, row, waitForRow, close };
  } catch (err) {
    await close();
    throw err;
  }
}
