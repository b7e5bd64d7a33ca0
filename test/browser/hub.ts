import { join } from 'node:path';
import { readEvents, startFakeAgent, waitFor, type FakeAgentEvent } from '../helpers/fake-agent.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';

export interface LivenessRow {
  space: string;
  agent: string;
  state: string;
  needs_approval: boolean;
  prompt_id?: string;
  tool_name?: string;
}

/**
 * A hub for browser tests: the built CLI (`agent-boss serve --port 0`) on a fresh data directory,
 * talking to a private tmux server whose sessions run the fake agent. Agents are registered and
 * report over the hub's own HTTP routes, as real agents do.
 */
export async function startHub(opts: { token?: string; args?: string[] } = {}) {
  const tmux: TmuxTestServer = await createTmuxServer();
  const tmp = tempDir('agent-boss-dash-');
  let server: RunningServer;
  try {
    server = await startServer({ tmuxSocket: tmux.socketName, args: [...(opts.token ? ['--token', opts.token] : []), ...(opts.args ?? [])] });
  } catch (err) {
    await tmux.kill();
    tmp.cleanup();
    throw err;
  }
  const auth: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  // The test's own operator actions (reply, approve) present the operator key, as agent-boss commands do.
  const operator = server.asOperator;
  // The one-time login link serve printed: a page opened through it is the operator's dashboard.
  const loginUrl = /^\s*login\s+(\S+\/login\?code=\S+)/m.exec(server.stderr())?.[1];
  if (loginUrl === undefined) throw new Error(`serve printed no login link:\n${server.stderr()}`);
  const logs = new Map<string, string>();

  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(server.url + path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
    return text;
  };

  return {
    url: server.url,
    /** Opens the dashboard as the operator (single use: later tabs of the same browser share its cookie). */
    loginUrl,
    /** The operator key serve made in its data directory (a bearer token the dashboard's sign-in form also takes). */
    operatorKey: server.operatorKey,
    tmux,
    /** Starts a fake agent in tmux session `session` and registers it as `space`/`agent`. */
    async agent(space: string, agent: string, session: string, extra: { parent?: string; role?: string; workMs?: number } = {}) {
      const log = join(tmp.dir, `${session}.jsonl`);
      logs.set(`${space}/${agent}`, log);
      await startFakeAgent(tmux, session, log, extra.workMs ?? 1500);
      await this.register(space, agent, session, extra);
    },
    /** Registers an agent without starting anything in its session. */
    async register(space: string, agent: string, session: string, extra: { parent?: string; role?: string } = {}) {
      const q = new URLSearchParams({ session_id: session, ...(extra.parent && { parent: extra.parent }), ...(extra.role && { role: extra.role }) });
      await call(`/spaces/${encodeURIComponent(space)}/ignition/${encodeURIComponent(agent)}?${q}`);
    },
    async report(space: string, agent: string, status: string, summary: string) {
      await call(`/spaces/${encodeURIComponent(space)}/agent/${encodeURIComponent(agent)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Agent-Name': agent },
        body: JSON.stringify({ status, summary }),
      });
    },
    async reply(space: string, agent: string, message: string) {
      await call(`/spaces/${encodeURIComponent(space)}/reply/${encodeURIComponent(agent)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...operator },
        body: JSON.stringify({ message }),
      });
    },
    async approve(space: string, agent: string) {
      await call(`/spaces/${encodeURIComponent(space)}/approve/${encodeURIComponent(agent)}`, { method: 'POST', headers: operator });
    },
    async liveness(): Promise<LivenessRow[]> {
      return JSON.parse(await call('/api/session-status')) as LivenessRow[];
    },
    async row(space: string, agent: string): Promise<LivenessRow | undefined> {
      return (await this.liveness()).find((r) => r.space === space && r.agent === agent);
    },
    /** What the fake agent of `space`/`agent` logged (messages, approvals, interrupts). */
    events(space: string, agent: string, type?: string): FakeAgentEvent[] {
      const log = logs.get(`${space}/${agent}`);
      if (!log) throw new Error(`no fake agent ${space}/${agent}`);
      return readEvents(log).filter((e) => type === undefined || e.type === type);
    },
    waitState(space: string, agent: string, state: string, timeoutMs = 10_000) {
      return waitFor(async () => (await this.row(space, agent))?.state === state, timeoutMs, `${space}/${agent} ${state} (hub)`);
    },
    async stop() {
      await server.stop();
      await tmux.kill();
      tmp.cleanup();
    },
  };
}

export type Hub = Awaited<ReturnType<typeof startHub>>;
