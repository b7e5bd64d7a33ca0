import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIVENESS_STATES, STATE_LABELS } from '../../src/core/liveness.js';
import { connectClient, fakeCore, fakeHttp, textOf } from '../helpers/core.js';

/** Rules that used to be written once per face: each now lives in one function every face calls. */

describe('the list of liveness states', () => {
  it('list_liveness counts an exited agent, and wait_for can wait for it', async () => {
    const core = fakeCore({ defaultSpace: 'web' });
    await core.coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
    await core.coordinator.registerSession({}, { space: 'web', agent: 'ops', session_id: 's2' });
    core.backend.add('s1', 'idle').dead = true;
    core.backend.add('s2', 'idle');
    const { call, close } = await connectClient(core.coordinator);
    try {
      const listed = textOf(await call('list_liveness', {}));
      expect(listed).toMatch(/^2 agents: 0 working, 1 idle, 0 waiting for approval, 1 exited, 0 session missing, 0 unknown, 0 gone\./);
      const waited = await call('wait_for', { agent: 'dev', state: 'dead', timeout_s: 1 });
      expect(waited.isError, textOf(waited)).toBeFalsy();
      expect(waited.structuredContent).toMatchObject({ reached: true, state: 'dead' });
    } finally {
      await close();
    }
  });

  it('the dashboard takes every state and its label from the overview, keeping no list of its own', async () => {
    const { app } = fakeHttp();
    const body = (await (await app.request('/dashboard/api/overview')).json()) as { states: { state: string; label: string }[] };
    expect(body.states).toEqual(LIVENESS_STATES.map((state) => ({ state, label: STATE_LABELS[state] })));
    expect(body.states.map((s) => s.state)).toEqual(expect.arrayContaining(['dead', 'gone']));
    const page = readFileSync(new URL('../../src/http/dashboard/assets/app.js', import.meta.url), 'utf8');
    for (const label of Object.values(STATE_LABELS).filter((l) => l.includes(' '))) expect(page).not.toContain(`'${label}'`);
  });
});

/** Every source file under src/, as [path relative to src, text]. */
const SOURCES: [string, string][] = (readdirSync(new URL('../../src/', import.meta.url), { recursive: true, encoding: 'utf8' }) as string[])
  .filter((f) => /\.(ts|js)$/.test(f))
  .map((f) => [f.split('\\').join('/'), readFileSync(new URL(join('../../src/', f), import.meta.url), 'utf8')]);

describe('POSIX shell quoting', () => {
  it('is written once (backends/shell-quote.ts); tmux command quoting is its own rule', () => {
    const quoting = SOURCES.filter(([, text]) => text.includes("`'\\\\''`")).map(([f]) => f).sort();
    expect(quoting).toEqual(['backends/shell-quote.ts', 'backends/tmux/tmux-protocol.ts']);
  });
});
