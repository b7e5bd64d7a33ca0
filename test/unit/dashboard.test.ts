import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HttpAppDeps } from '../../src/http/app.js';
import { DASHBOARD_CSP } from '../../src/http/dashboard/routes.js';
import { LivenessMonitor } from '../../src/core/monitor.js';
import { AS_OPERATOR, fakeHttp } from '../helpers/core.js';
import { fixtureScreen } from '../helpers/fake-terminal.js';

const TOKEN = 'secret-token-0123456789';
const ASSETS = join(import.meta.dirname, '..', '..', 'src', 'http', 'dashboard', 'assets');

function setup(opts: Partial<HttpAppDeps> = {}) {
  const core = fakeHttp(opts);
  const { app } = core;
  // The dashboard acts as the operator (its login cookie, or the operator key pasted as its token).
  const auth: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : { ...AS_OPERATOR };
  const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers: { ...auth, ...headers } });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth, ...headers }, body: JSON.stringify(body) });
  /** An agent "dev" in space "web" with a live fake session. */
  const agent = async (name = 'dev', session = `web-${name}`, extra: { parent?: string; role?: string } = {}) => {
    core.backend.add(session, 'idle');
    await core.coordinator.registerSession({}, { space: 'web', agent: name, session_id: session, ...extra });
    return core.backend.sessions.get(session)!;
  };
  return { ...core, app, get, post, agent };
}

describe('dashboard page', () => {
  it('serves the page at / with a strict Content-Security-Policy', async () => {
    const { get } = setup();
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(DASHBOARD_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(await res.text()).toContain('<script type="module" src="/dashboard/app.js"></script>');
  });

  it('serves the scripts and styles with their types and answers 304 to a matching ETag', async () => {
    const { get } = setup();
    for (const [path, type] of [
      ['/dashboard/app.js', 'text/javascript; charset=utf-8'],
      ['/dashboard/sse.js', 'text/javascript; charset=utf-8'],
      ['/dashboard/style.css', 'text/css; charset=utf-8'],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      const again = await get(path, { 'If-None-Match': res.headers.get('etag')! });
      expect(again.status).toBe(304);
    }
    expect((await get('/dashboard/nope.js')).status).toBe(404);
  });

  it('inserts hub text as text only: no HTML sinks in its scripts and no inline script or style', () => {
    const files = readdirSync(ASSETS);
    expect(files).toEqual(expect.arrayContaining(['index.html', 'app.js', 'sse.js', 'api.js', 'view.js', 'style.css']));
    for (const f of files.filter((n) => n.endsWith('.js'))) {
      const src = readFileSync(join(ASSETS, f), 'utf8');
      expect(src, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|createContextualFragment/);
    }
    const html = readFileSync(join(ASSETS, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
  });

  it('loads without the token but gives no data without it', async () => {
    const { app } = setup({ token: TOKEN });
    expect((await app.request('/')).status).toBe(200);
    expect((await app.request('/dashboard/app.js')).status).toBe(200);
    expect((await app.request('/dashboard/api/overview')).status).toBe(401);
    expect((await app.request('/dashboard/api/previews')).status).toBe(401);
    const send = await app.request('/dashboard/api/send', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(send.status).toBe(401);
    const ok = await app.request('/dashboard/api/overview', { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ token_required: true, agents: [] });
  });
});

describe('dashboard JSON routes', () => {
  it('overview: liveness with parent, role and since', async () => {
    const t = setup();
    await t.agent('lead', 'web-lead', { role: 'tech lead' });
    await t.agent('dev', 'web-dev', { parent: 'lead', role: 'backend' });
    const monitor = new LivenessMonitor({ coordinator: t.coordinator });
    await monitor.tick();
    let body = (await (await t.get('/dashboard/api/overview')).json()) as {
      event_id: number;
      actions: string[];
      agents: { agent: string; state: string; parent: string | null; role: string | null; since?: string }[];
    };
    expect(body.actions).toEqual(['send', 'approve', 'interrupt', 'resume']);
    expect(body.event_id).toBe((await t.store.lastEventId()));
    const dev = body.agents.find((a) => a.agent === 'dev')!;
    expect(dev).toMatchObject({ state: 'idle', parent: 'lead', role: 'backend' });
    expect(Date.parse(dev.since!)).toBeGreaterThan(0);
    expect(body.agents.find((a) => a.agent === 'lead')).toMatchObject({ parent: null, role: 'tech lead' });

    // The screen changed: the row's own "since" restarts with the new state.
    t.backend.sessions.get('web-dev')!.state = 'working';
    body = (await (await t.get('/dashboard/api/overview')).json()) as typeof body;
    const after = body.agents.find((a) => a.agent === 'dev')!;
    expect(after.state).toBe('working');
    expect(Date.parse(after.since!)).toBeGreaterThanOrEqual(Date.parse(dev.since!));
    await monitor.stop();
  });

  it('approve: answers with the prompt id it was given, refuses a prompt that changed', async () => {
    const t = setup();
    const s = await t.agent();
    s.state = 'bash-one-line';
    const stale = await t.post('/dashboard/api/approve', { space: 'web', agent: 'dev', decision: 'yes', prompt_id: 'old-prompt' });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ code: 'prompt_mismatch', error: expect.stringMatching(/nothing was sent/i) });
    expect(s.keys).toEqual([]);

    const ok = await t.post('/dashboard/api/approve', { space: 'web', agent: 'dev', decision: 'always', prompt_id: s.promptId() });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, decision: 'always', tool_name: 'Bash', cleared: true });
    expect(s.keys).toEqual(['2']);
  });

  it('send and interrupt: reach the backend; bad input is refused and nothing is sent', async () => {
    const t = setup();
    const s = await t.agent();
    const sent = await t.post('/dashboard/api/send', { space: 'web', agent: 'dev', text: 'line one\nline two' });
    expect(sent.status).toBe(200);
    expect(s.inputs).toEqual([{ text: 'line one\nline two', submit: true }]);

    for (const body of [
      { space: 'web', agent: 'dev', text: 'esc \u001b[201~ out' },
      { space: 'web', agent: 'dev', text: '' },
      { space: 'web', agent: 'dev', text: 'x', extra: 1 },
      { space: 'web', text: 'no agent' },
    ]) {
      const res = await t.post('/dashboard/api/send', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const form = await t.app.request('/dashboard/api/send', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'space=web&agent=dev&text=hi',
    });
    expect(form.status).toBe(400);
    expect(await form.json()).toMatchObject({ error: expect.stringContaining('application/json') });
    expect(s.inputs).toHaveLength(1);

    s.state = 'working';
    const stopped = await t.post('/dashboard/api/interrupt', { space: 'web', agent: 'dev' });
    expect(await stopped.json()).toMatchObject({ ok: true, agent: 'dev', stopped: true });
    expect(s.keys).toEqual(['Escape']);
    expect((await t.post('/dashboard/api/interrupt', { space: 'web', agent: 'ghost' })).status).toBe(404);
  });

  it('refuses actions from another site', async () => {
    const t = setup();
    const s = await t.agent();
    const res = await t.post('/dashboard/api/send', { space: 'web', agent: 'dev', text: 'hi' }, { Origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    const fetched = await t.post('/dashboard/api/send', { space: 'web', agent: 'dev', text: 'hi' }, { 'Sec-Fetch-Site': 'cross-site' });
    expect(fetched.status).toBe(403);
    expect(s.inputs).toEqual([]);
  });

  it('read-only: offers no actions and refuses them', async () => {
    const t = setup({ readOnly: true });
    const s = await t.agent();
    expect(await (await t.get('/dashboard/api/overview')).json()).toMatchObject({ read_only: true, actions: [] });
    const res = await t.post('/dashboard/api/send', { space: 'web', agent: 'dev', text: 'hi' });
    expect(res.status).toBe(403);
    expect(s.inputs).toEqual([]);
  });

  it('previews: the last lines of each session, or why there are none', async () => {
    const t = setup();
    await t.agent('dev', 'web-dev');
    await t.coordinator.registerSession({}, { space: 'web', agent: 'gone', session_id: 'web-gone' });
    const res = await t.get('/dashboard/api/previews?lines=5');
    const { previews } = (await res.json()) as { previews: { agent: string; lines: string[] | null; error?: string }[] };
    expect(previews.find((p) => p.agent === 'dev')).toEqual({ space: 'web', agent: 'dev', lines: fixtureScreen('idle-start').filter((l) => l.trim() !== '').slice(-5) });
    expect(previews.find((p) => p.agent === 'gone')).toMatchObject({ lines: null, error: expect.stringContaining('no longer exists') });
    expect((await t.get('/dashboard/api/previews?lines=0')).status).toBe(400);
    expect((await t.get('/dashboard/api/previews?lines=abc')).status).toBe(400);
  });
});
