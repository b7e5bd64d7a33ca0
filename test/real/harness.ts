/**
 * One real-client test bench: the fake model, a private tmux server, the real Claude Code in it
 * (with this project's stdio server configured as its MCP server "boss", bound to agent "dev"), and
 * an operator MCP client (the built CLI over stdio, real SDK client) sharing one SQLite data dir.
 * The Claude Code session is registered as agent "dev" in space "real".
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startFakeModel, type FakeModel } from '../fixtures/fake-model.js';
import { startClaudeCode, type ClaudeCodeOptions, type ClaudeCodeSession } from '../helpers/claude-code.js';
import { textOf } from '../helpers/core.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';
import { bossMcpConfig } from './boss-mcp.js';
import { escapeToIdle } from './scenarios.js';

export const SPACE = 'real';
export const AGENT = 'dev';

export interface LivenessRow {
  agent: string;
  state: string;
  exists: boolean;
  needs_approval: boolean;
  tool_name?: string;
  prompt_text?: string;
  prompt_id?: string;
  last_line?: string;
  subagent?: string;
  blocked?: string;
  retrying?: string;
  resume_command?: string;
}

export interface Bench {
  model: FakeModel;
  tmux: TmuxTestServer;
  cc: ClaudeCodeSession;
  dataDir: string;
  /** Calls a tool as the operator; fails the test on an isError result unless `allowError`. */
  call(name: string, args?: Record<string, unknown>, allowError?: boolean): Promise<CallToolResult>;
  /** list_liveness row of agent "dev". */
  row(): Promise<LivenessRow>;
  /** Polls list_liveness until `pred` holds (bounded). */
  waitForRow(pred: (r: LivenessRow) => boolean, what: string, timeoutMs?: number): Promise<LivenessRow>;
  close(): Promise<void>;
}

/**
 * The operator's calls on a bench's MCP client: `call` fails the test on an isError result unless
 * `allowError`; `row` is agent "dev"'s list_liveness row; `waitForRow` polls it until `pred` holds,
 * failing with the last row and the screen `capture` shows.
 */
export function liveCalls<Row extends LivenessRow = LivenessRow>(
  client: Pick<Awaited<ReturnType<typeof stdioClient>>, 'call'>,
  capture: () => Promise<string[]>,
): Pick<Bench, 'call' | 'waitForRow'> & { row(): Promise<Row> } {
  const call = async (name: string, args: Record<string, unknown> = {}, allowError = false) => {
    const r = await client.call(name, args);
    if (!allowError) expect(r.isError, `${name} failed: ${textOf(r)}`).toBeFalsy();
    return r;
  };
  const row = async () => {
    const r = await call('list_liveness');
    const found = (r.structuredContent as { agents: Row[] }).agents.find((a) => a.agent === AGENT);
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
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last row ${JSON.stringify(last)}; screen:\n${(await capture()).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { call, row, waitForRow };
}

/**
 * One bench for the enclosing describe block: started before its tests (handed to `use`), closed
 * after them. With `resetToIdle`, every test ends with Claude Code back at its idle prompt, so a
 * failed test does not leave a dialog open for the next one.
 */
/** How long a test's end may take to settle at the idle prompt before the reset sends keys. */
const RESET_SETTLE_MS = 5_000;
/**
 * The reset's bound: the settle, then escapeToIdle's own bounded waits (three rounds of up to 5 s
 * for the input box and 5 s, the last 20 s, for the prompt). The 20 s hook default cut it short on a
 * loaded machine, hiding escapeToIdle's error, which shows the screen it is stuck on.
 */
const RESET_TIMEOUT_MS = 60_000;

export function benchPerBlock(use: (bench: Bench) => void, options: { resetToIdle?: boolean; version?: string } = {}): void {
  let bench: Bench | undefined;
  beforeAll(async () => {
    bench = await startBench(options.version !== undefined ? { version: options.version } : {});
    use(bench);
  }, 90_000);
  afterAll(async () => {
    await bench?.close();
  });
  if (options.resetToIdle) {
    afterEach(async () => {
      if (!bench) return;
      // A test may end a moment before Claude Code draws its idle footer again (on a loaded
      // machine, a turn's last redraw lags the row that said idle): wait for it before any key.
      if (await bench.cc.waitForPrompt(RESET_SETTLE_MS).then(() => true, () => false)) return;
      await escapeToIdle(bench);
    }, RESET_TIMEOUT_MS);
  }
}

export async function startBench(
  opts: Omit<ClaudeCodeOptions, 'modelUrl' | 'tmux'> & {
    /** Configure this project's stdio server as Claude Code's MCP server "boss" (default true). */
    mcp?: boolean;
    /** Register the session as agent "dev" through the operator client first (default true). */
    register?: boolean;
  } = {},
): Promise<Bench> {
  const model = await startFakeModel();
  const tmux = await createTmuxServer();
  const data = tempDir('boss-real-data-');
  const closers: (() => Promise<void> | void)[] = [() => model.close(), () => tmux.kill(), () => data.cleanup()];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const args = [...(opts.args ?? [])];
    if (opts.mcp !== false) args.push('--mcp-config', bossMcpConfig({ dataDir: data.dir, tmuxSocket: tmux.socketName, agent: AGENT, space: SPACE }));
    const cc = await startClaudeCode({ ...opts, args, modelUrl: model.url, tmux });
    closers.push(() => cc.stop());
    const client = await stdioClient(['--data-dir', data.dir, '--tmux-socket', tmux.socketName, '--space', SPACE]);
    closers.push(() => client.close());
    const { call, row, waitForRow } = liveCalls(client, () => cc.capture());
    if (opts.register !== false) await call('register_session', { agent: AGENT, session_id: cc.session });
    return { model, tmux, cc, dataDir: data.dir, call, row, waitForRow, close };
  } catch (err) {
    await close();
    throw err;
  }
}
