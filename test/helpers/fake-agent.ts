import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TmuxTestServer } from './tmux.js';

export const FAKE_AGENT = join(import.meta.dirname, '..', 'fixtures', 'fake-agent.mjs');

export interface FakeAgentEvent {
  type: string;
  text?: string;
  option?: number | string;
}

export const readEvents = (log: string): FakeAgentEvent[] =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .slice(0, -1) // only complete lines: the agent may be appending the last one
        .filter(Boolean)
        .map((l) => JSON.parse(l) as FakeAgentEvent)
    : [];

/** Polls until `check` returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts the fake Claude Code UI in a new session of the test server and waits until it is ready. */
export async function startFakeAgent(server: TmuxTestServer, session: string, log: string, workMs = 1500): Promise<void> {
  const cmd = `exec node ${JSON.stringify(FAKE_AGENT)} --log ${JSON.stringify(log)} --work-ms ${workMs} --name ${JSON.stringify(session)}`;
  await server.tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', cmd);
  await waitFor(() => readEvents(log).some((e) => e.type === 'ready'), 10_000, `fake agent ${session} ready`);
}
