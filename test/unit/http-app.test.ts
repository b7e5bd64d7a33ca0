import { describe, expect, it } from 'vitest';
import type { HttpAppDeps } from '../../src/http/app.js';
import { shellDoubleQuote, shellQuote } from '../../src/backends/shell-quote.js';
import { isLoopbackHost, parseHostHeader } from '../../src/http/middleware.js';
import { AS_OPERATOR, fakeHttp, OPERATOR_KEY } from '../helpers/core.js';

const TOKEN = 'secret-token-0123456789';

function setup(opts: Partial<HttpAppDeps> = {}) {
  const http = fakeHttp(opts);
  const { app } = http;
  const req = (path: string, init: RequestInit = {}) => app.request(path, init);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    req(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { ...http, req, post };
}

describe('HTTP helpers', () => {
  it('parses Host headers with ports and IPv6 brackets', () => {
    expect(parseHostHeader('LocalHost:8899')).toEqual({ hostname: 'localhost', port: '8899' });
    expect(parseHostHeader('[::1]:80')).toEqual({ hostname: '::1', port: '80' });
    expect(parseHostHeader('[::1]')).toEqual({ hostname: '::1' });
    expect(parseHostHeader('evil.example')).toEqual({ hostname: 'evil.example' });
    for (const bad of ['', 'a b', 'user@host', 'host:port', 'a/b']) expect(parseHostHeader(bad), bad).toBeUndefined();
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('192.168.1.2')).toBe(false);
  });

  it('quotes shell words', () => {
    expect(shellQuote('web-app')).toBe('web-app');
    expect(shellQuote("Agent's Team")).toBe(`'Agent'\\''s Team'`);
    expect(shellDoubleQuote('X-Agent-Name: a$b"c')).toBe('"X-Agent-Name: a\\$b\\"c"');
  });
});

describe('HTTP security middleware', () => {
  it('refuses a foreign Host with 403 JSON, accepts loopback names with any port', async () => {
    const { req } = setup();
    const bad = await req('/healthz', { headers: { Host: 'evil.example' } });
    expect(bad.status).toBe(403);
    expect(await bad.json()).toMatchObject({ error: expect.stringMatching(/forbidden host "evil.example"/) });
    expect((await req('/api/session-status', { headers: { Host: 'evil.example:8899' } })).status).toBe(403);
    for (const host of ['localhost', 'localhost:8899', '127.0.0.1:1', '[::1]:8899', '[::1]', 'LOCALHOST']) {
      expect((await req('/healthz', { headers: { Host: host } })).status, host).toBe(200);
    }
  });

  it('accepts the bound address and --allowed-hosts', async () => {
    const { req } = setup({ bindHost: '10.0.0.5', allowedHosts: ['boss.lan', 'other.lan:9000'] });
    expect((await req('/healthz', { headers: { Host: '10.0.0.5:8899' } })).status).toBe(200);
    expect((await req('/healthz', { headers: { Host: 'boss.lan:1234' } })).status).toBe(200);
    expect((await req('/healthz', { headers: { Host: 'other.lan:9000' } })).status).toBe(200);
    expect((await req('/healthz', { headers: { Host: 'other.lan:9001' } })).status).toBe(403);
    expect((await req('/healthz', { headers: { Host: '10.0.0.6' } })).status).toBe(403);
  });

  it('refuses a browser Origin of another host; no Origin passes', async () => {
    const { req } = setup();
    const bad = await req('/api/session-status', { headers: { Origin: 'http://evil.example' } });
    expect(bad.status).toBe(403);
    expect(await bad.json()).toMatchObject({ error: expect.stringMatching(/forbidden origin/) });
    expect((await req('/api/session-status', { headers: { Origin: 'null' } })).status).toBe(403);
    expect((await req('/api/session-status', { headers: { Origin: 'http://localhost:3000' } })).status).toBe(200);
    expect((await req('/api/session-status')).status).toBe(200);
  });

  it('refuses cross-site browser requests that carry no Origin (Sec-Fetch-Site)', async () => {
    const { req, store } = setup();
    const r = await req('/spaces/web/ignition/dev?session_id=hijack', { headers: { 'Sec-Fetch-Site': 'cross-site' } });
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({ code: 'forbidden_origin' });
    expect(await store.getAgent('web', 'dev')).toBeUndefined();
    expect((await req('/api/session-status', { headers: { 'Sec-Fetch-Site': 'same-site' } })).status).toBe(403);
    expect((await req('/api/session-status', { headers: { 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(200);
    expect((await req('/api/session-status', { headers: { 'Sec-Fetch-Site': 'none' } })).status).toBe(200);
  });

  it('requires the bearer token on every route but /healthz when one is set', async () => {
    const { req, post } = setup({ token: TOKEN });
    expect((await req('/healthz')).status).toBe(200);
    for (const [path, init] of [
      ['/api/session-status', {}],
      ['/spaces/web/ignition/dev', {}],
      ['/spaces/web/ignition/dev?session_id=s1', {}],
      ['/events', {}],
      ['/mcp', { method: 'POST', body: '{}' }],
      ['/no/such/route', {}],
    ] as const) {
      const r = await req(path, init);
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await r.json()).toMatchObject({ error: expect.stringMatching(/Authorization: Bearer/) });
    }
    expect((await req('/api/session-status', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await req('/api/session-status', { headers: { Authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await req('/api/session-status', { headers: { Authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    expect((await req('/api/session-status', { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    const ok = await post('/spaces/web/agent/dev', { status: 'active', summary: 'hi' }, { 'X-Agent-Name': 'dev', Authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(202);
  });

  it('answers unknown routes with 404 JSON', async () => {
    const { req } = setup();
    const r = await req('/nope');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(await r.json()).toEqual({ error: 'not found: GET /nope', code: 'not_found' });
  });

  it('answers other methods on /mcp with 405 and an oversized MCP body with 413 JSON-RPC', async () => {
    const { req } = setup();
    const r = await req('/mcp', { method: 'PUT', body: '{}' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, POST, DELETE');
    const big = await req('/mcp', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(5 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(big.headers.get('connection')).toBe('close');
    expect(await big.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringMatching(/too large/) } });
  });

  it('answers /healthz with version, uptime, db and tmux', async () => {
    const { req } = setup();
    const r = await req('/healthz');
    expect(await r.json()).toMatchObject({ ok: true, version: expect.any(String), uptime_s: expect.any(Number), db: 'ok', tmux: 'ok' });
  });

  it('turns an unexpected error into 500 JSON without a stack, logged to stderr', async () => {
    const { post, backend, logs, coordinator } = setup();
    await coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
    backend.add('s1');
    backend.sendInput = async () => {
      throw new Error('kaboom inside the backend');
    };
    const r = await post('/spaces/web/reply/dev', { message: 'hi' }, AS_OPERATOR);
    expect(r.status).toBe(500);
    const body = JSON.stringify(await r.json());
    expect(body).not.toMatch(/kaboom|at /);
    expect(logs.join('')).toMatch(/kaboom inside the backend/);
  });
});

describe('legacy status post', () => {
  const url = '/spaces/web/agent/dev';

  it('accepts a JSON report with 202 and the legacy text', async () => {
    const { post, store } = setup();
    const r = await post(url, { status: 'active', summary: 'Adding pagination', items: ['a'], test_count: 3, unknown_key: 1 }, { 'X-Agent-Name': 'dev' });
    expect(r.status).toBe(202);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    // Unknown keys are ignored (the contract); the first line stays the legacy text, the second names them.
    const [first, second] = (await r.text()).split('\n');
    expect(first).toBe('accepted for [dev] in space "web"');
    expect(second).toMatch(/^ignored unknown field "unknown_key" \(a status post takes status, summary, branch, .*\)$/);
    expect(r.headers.get('x-ignored-fields')).toBe('unknown_key');
    expect(await store.getAgent('web', 'dev')).toMatchObject({ status: 'active', summary: 'Adding pagination', items: ['a'], test_count: 3 });
    const clean = await post(url, { status: 'idle', summary: 'ok', session_id: '', branch: null }, { 'X-Agent-Name': 'dev' });
    expect(await clean.text()).toBe('accepted for [dev] in space "web"');
    expect(clean.headers.get('x-ignored-fields')).toBeNull();
    const two = await post(url, { status: 'idle', summary: 'ok', colour: 'red', 'size!': 2 }, { 'X-Agent-Name': 'dev' });
    expect((await two.text()).split('\n')[1]).toMatch(/^ignored unknown fields "colour", "size!" \(/);
    expect(two.headers.get('x-ignored-fields')).toBe('colour,size!');
  });

  it('requires X-Agent-Name (400) matching the path case-insensitively (403)', async () => {
    const { post } = setup();
    const missing = await post(url, { status: 'active', summary: 's' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toMatch(/missing X-Agent-Name header/);
    const wrong = await post(url, { status: 'active', summary: 's' }, { 'X-Agent-Name': 'mallory' });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toMatch(/^agent "mallory" cannot post to "dev"'s channel/);
    expect((await post(url, { status: 'active', summary: 's' }, { 'X-Agent-Name': 'DEV' })).status).toBe(202);
  });

  it('words validation errors as the old server did', async () => {
    const { post, store } = setup();
    const h = { 'X-Agent-Name': 'dev' };
    const bad = await post(url, { status: 'x', summary: 'fine' }, h);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('validation: invalid status "x": must be one of active, blocked, done, idle, error');
    const blank = await post(url, { status: 'active', summary: '   ' }, h);
    expect(blank.status).toBe(400);
    expect(await blank.text()).toMatch(/^validation: summary is required/);
    const none = await post(url, { status: 'active' }, h);
    expect(await none.text()).toBe('validation: summary is required');
    const nested = await post(url, { status: 'done', summary: 's', test_count: 1.5 }, h);
    expect(nested.status).toBe(400);
    expect(await nested.text()).toBe('validation: "test_count" must be an integer');
    const typed = await post(url, { status: 'done', summary: 's', items: 'one' }, h);
    expect(await typed.text()).toBe('validation: "items" must be an array');
    expect(await store.listAgents()).toEqual([]);
  });

  it('answers malformed JSON with 400 and the parse error', async () => {
    const { post } = setup();
    const r = await post(url, '{"status": "active", ', { 'X-Agent-Name': 'dev' });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/^validation: malformed JSON body: .*JSON/);
    const arr = await post(url, '[1,2]', { 'X-Agent-Name': 'dev' });
    expect(arr.status).toBe(400);
  });

  it('takes a plain-text body: first line (trimmed, 120 chars) → summary, body → free_text, status active', async () => {
    const { req, store } = setup();
    const long = 'x'.repeat(200);
    const body = `   Working on the login page   \nsecond line\nthird`;
    const r = await req(url, { method: 'POST', headers: { 'X-Agent-Name': 'dev', 'Content-Type': 'text/plain' }, body });
    expect(r.status).toBe(202);
    expect(await store.getAgent('web', 'dev')).toMatchObject({ status: 'active', summary: 'Working on the login page', free_text: body });
    await req(url, { method: 'POST', headers: { 'X-Agent-Name': 'dev' }, body: long });
    expect((await store.getAgent('web', 'dev'))!.summary).toBe('x'.repeat(120));
    const blank = await req(url, { method: 'POST', headers: { 'X-Agent-Name': 'dev', 'Content-Type': 'text/plain' }, body: '\n\n' });
    expect(blank.status).toBe(400);
    expect(await blank.text()).toMatch(/^validation: summary is required/);
  });

  it('keeps a plain-text body of several hundred KB whole (only JSON fields stop at 64 KB)', async () => {
    const { req, post, store } = setup();
    const body = `Nightly report\n${'log line of the build\n'.repeat(20_000)}`;
    expect(body.length).toBeGreaterThan(400_000);
    const r = await req(url, { method: 'POST', headers: { 'X-Agent-Name': 'dev', 'Content-Type': 'text/plain' }, body });
    expect(r.status).toBe(202);
    expect((await store.getAgent('web', 'dev'))!.free_text).toBe(body);
    const json = await post(url, { status: 'active', summary: 's', free_text: 'y'.repeat(65537) }, { 'X-Agent-Name': 'dev' });
    expect(json.status).toBe(400);
    expect(await json.text()).toMatch(/free_text/);
  });

  it('stores tmux_session as session_id when session_id is empty, and keeps sticky fields', async () => {
    const { post, store } = setup();
    const h = { 'X-Agent-Name': 'dev' };
    await post(url, { status: 'active', summary: 'one', tmux_session: 'web-dev', session_id: '', repo_url: 'https://git/x', role: 'backend', backend_type: 'tmux', parent: 'lead' }, h);
    expect(await store.getAgent('web', 'dev')).toMatchObject({ session_id: 'web-dev', repo_url: 'https://git/x', role: 'backend', backend_type: 'tmux', parent: 'lead' });
    await post(url, { status: 'done', summary: 'two', parent: '', items: null }, h);
    expect(await store.getAgent('web', 'dev')).toMatchObject({ status: 'done', session_id: 'web-dev', repo_url: 'https://git/x', role: 'backend', backend_type: 'tmux', parent: 'lead' });
    // A session the agent cannot show is its own (not its current one, not the one spawn names for it)
    // is not taken from a status post; the post itself is accepted, and says so.
    const moved = await post(url, { status: 'done', summary: 'three', session_id: 'explicit', tmux_session: 'ignored' }, h);
    expect(moved.status).toBe(202);
    expect(await moved.text()).toMatch(/^accepted for \[dev\] in space "web"\nsession_id not taken: agent "dev" cannot register session "explicit"/);
    expect(await store.getAgent('web', 'dev')).toMatchObject({ summary: 'three', session_id: 'web-dev' });
  });

  it('refuses a parent cycle and the reserved name with 400', async () => {
    const { post } = setup();
    await post('/spaces/web/agent/lead', { status: 'active', summary: 's', parent: 'dev' }, { 'X-Agent-Name': 'lead' });
    const cycle = await post(url, { status: 'active', summary: 's', parent: 'lead' }, { 'X-Agent-Name': 'dev' });
    expect(cycle.status).toBe(400);
    expect(await cycle.text()).toMatch(/^validation: parent cycle/);
    const reserved = await post('/spaces/web/agent/parent', { status: 'active', summary: 's' }, { 'X-Agent-Name': 'parent' });
    expect(reserved.status).toBe(400);
  });

  it('answers 413 JSON for a body over 1 MB, never truncating it', async () => {
    const { post, store } = setup();
    const r = await post(url, { status: 'active', summary: 's', free_text: 'y'.repeat(1024 * 1024 + 10) }, { 'X-Agent-Name': 'dev' });
    expect(r.status).toBe(413);
    expect(await r.json()).toMatchObject({ error: expect.stringMatching(/too large/) });
    expect(await store.listAgents()).toEqual([]);
  });

  it('serves /agent/{agent} as the default space; GET returns JSON, DELETE removes', async () => {
    const { post, req, store } = setup();
    expect((await post('/agent/solo', { status: 'idle', summary: 'waiting' }, { 'X-Agent-Name': 'solo' })).status).toBe(202);
    expect(await store.getAgent('default', 'solo')).toBeDefined();
    const got = await req('/agent/solo');
    expect(got.status).toBe(200);
    const json = (await got.json()) as Record<string, unknown>;
    expect(json).toMatchObject({ space: 'default', name: 'solo', status: 'idle', summary: 'waiting' });
    // The legacy agent JSON keeps its fields: the agent kind is not one of them.
    expect(json).not.toHaveProperty('agent_kind');
    // Deleting takes the operator (or the agent itself, named).
    expect((await req('/spaces/default/agent/solo', { method: 'DELETE' })).status).toBe(403);
    expect((await req('/spaces/default/agent/solo', { method: 'DELETE', headers: AS_OPERATOR })).status).toBe(200);
    const gone = await req('/agent/solo');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: expect.stringMatching(/not registered/), code: 'not_found' });
    expect((await req('/agent/solo', { method: 'DELETE', headers: AS_OPERATOR })).status).toBe(404);
  });

  it('refuses writes on a read-only server', async () => {
    const { post, req } = setup({ readOnly: true });
    expect((await post(url, { status: 'active', summary: 's' }, { 'X-Agent-Name': 'dev' })).status).toBe(403);
    expect((await req('/spaces/web/ignition/dev?session_id=s1')).status).toBe(403);
    expect((await req('/spaces/web/ignition/dev')).status).toBe(200);
    expect((await req('/api/session-status')).status).toBe(200);
  });
});

describe('legacy ignition', () => {
  it('registers from ?tmux_session= and returns the ignition text', async () => {
    const { req, store } = setup();
    const r = await req('/spaces/Agent%20Boss/ignition/dev?tmux_session=boss-dev&role=backend');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await r.text();
    expect(await store.getAgent('Agent Boss', 'dev')).toMatchObject({ session_id: 'boss-dev', role: 'backend', status: 'idle', summary: 'dev: awaiting ignition' });
    expect(text).toMatch(/^# Ignition: you are "dev" in space "Agent Boss"/);
    expect(text).toContain('claude mcp add --transport http agent-boss http://localhost/mcp --header "X-Agent-Name: dev" --header "X-Agent-Space: Agent Boss"');
    expect(text).toContain("agent-boss stdio --space 'Agent Boss' --agent dev");
    expect(text).toContain('curl -s -X POST http://localhost/spaces/Agent%20Boss/agent/dev -H');
  });

  it('prefers session_id over tmux_session; an empty session_id falls back', async () => {
    const { req, store } = setup();
    await req('/spaces/web/ignition/a?session_id=s-a&tmux_session=t-a');
    expect((await store.getAgent('web', 'a'))!.session_id).toBe('s-a');
    await req('/spaces/web/ignition/b?session_id=&tmux_session=t-b');
    expect((await store.getAgent('web', 'b'))!.session_id).toBe('t-b');
  });

  it('registers a session that does not exist, or is another agent\'s, and says so on the page', async () => {
    const { req, store, backend } = setup();
    const r = await req('/spaces/web/ignition/dev?session_id=nosuch');
    expect(r.status).toBe(200);
    const text = await r.text();
    expect((await store.getAgent('web', 'dev'))!.session_id).toBe('nosuch');
    expect(text).toContain('## Warning\n\nThis fetch registered you, but:\n- No tmux session "nosuch" exists now.');
    backend.add('web-ui');
    expect(await (await req('/spaces/web/ignition/ui?session_id=web-ui')).text()).not.toContain('## Warning');
    const shared = await (await req('/spaces/web/ignition/other?session_id=web-ui')).text();
    expect((await store.getAgent('web', 'other'))!.session_id).toBe('web-ui');
    expect(shared).toContain('- The tmux session "web-ui" is also registered to agent "ui" in space "web": input for either agent goes to the same terminal. Register one of them on its own session.');
  });

  it('writes nothing without registering params', async () => {
    const { req, store } = setup();
    const before = await store.lastEventId();
    const r = await req('/spaces/web/ignition/dev');
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/You are not registered yet/);
    expect(await store.listAgents()).toEqual([]);
    expect(await store.lastEventId()).toBe(before);
  });

  it('refuses self-parent and cycles with 400', async () => {
    const { req, store } = setup();
    const self = await req('/spaces/web/ignition/dev?session_id=s1&parent=DEV');
    expect(self.status).toBe(400);
    expect(await self.text()).toMatch(/^validation: self-parent not allowed/);
    expect(await store.listAgents()).toEqual([]);
    await req('/spaces/web/ignition/lead?session_id=s2&parent=dev');
    await req('/spaces/web/ignition/dev?session_id=s1');
    const cycle = await req('/spaces/web/ignition/dev?parent=lead');
    expect(cycle.status).toBe(400);
    expect(await cycle.text()).toMatch(/parent cycle/);
  });

  it('shows peers sorted with status and summary, and pending questions', async () => {
    const { req, post } = setup();
    await post('/spaces/web/agent/zed', { status: 'blocked', summary: 'needs | review', questions: ['who owns auth?'] }, { 'X-Agent-Name': 'zed' });
    await post('/spaces/web/agent/amy', { status: 'active', summary: 'writing docs' }, { 'X-Agent-Name': 'amy' });
    await post('/spaces/web/agent/dev', { status: 'active', summary: 'mine', blockers: ['CI is red'] }, { 'X-Agent-Name': 'dev' });
    const text = await (await req('/spaces/web/ignition/dev')).text();
    const table = text.slice(text.indexOf('| Agent |'));
    expect(table.indexOf('| amy | active | writing docs |')).toBeGreaterThan(0);
    expect(table.indexOf('| zed | blocked | needs \\| review |')).toBeGreaterThan(table.indexOf('| amy |'));
    expect(text).not.toContain('| dev |');
    expect(text).toContain('- CI is red');
    expect(text).toContain('zed (blocked): who owns auth?');
    expect(text).toMatch(/- status: \*\*active\*\*/);
  });

  it('mentions the token when one is required, without printing it', async () => {
    const { req } = setup({ token: TOKEN });
    const text = await (await req('/spaces/web/ignition/dev', { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
    expect(text).toContain('Authorization: Bearer $BOSS_TOKEN');
    expect(text).not.toContain(TOKEN);
  });
});

describe('legacy operator routes', () => {
  /** The routes, called as the operator (with its key). */
  const ready = async () => {
    const s = setup();
    await s.coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
    const session = s.backend.add('s1', 'idle');
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) => s.post(path, body, { ...AS_OPERATOR, ...headers });
    return { ...s, post, anyone: s.post, session };
  };

  it('are the operator\'s: without its key (or a name) a caller is refused and nothing is sent', async () => {
    const { anyone, req, session } = await ready();
    session.show('waiting_approval');
    for (const [path, body] of [
      ['/spaces/web/reply/dev', { message: 'rm -rf ~' }],
      ['/spaces/web/approve/dev', {}],
      ['/spaces/web/agent/dev/interrupt', {}],
    ] as const) {
      const r = await anyone(path, body);
      expect(r.status, path).toBe(403);
      expect(((await r.json()) as { error: string }).error).toMatch(/only the operator may .* operator key/);
      // A wrong key is no key.
      expect((await anyone(path, body, { Authorization: `Bearer ${OPERATOR_KEY}x` })).status, path).toBe(403);
    }
    expect((await req('/spaces/web/agent/dev', { method: 'DELETE' })).status).toBe(403);
    expect(session.inputs).toEqual([]);
    expect(session.keys).toEqual([]);
    // Reads stay open to every caller.
    expect((await req('/api/session-status')).status).toBe(200);
    // A caller that names the agent speaks for it (names are taken on trust in the default mode).
    expect((await anyone('/spaces/web/reply/dev', { message: 'hello' }, { 'X-Agent-Name': 'dev' })).status).toBe(200);
  });

  it('a one-time login link gives the dashboard the operator\'s cookie (HttpOnly, SameSite=Strict); used once, it is refused', async () => {
    const { app, operator, session } = await ready();
    const code = operator.loginCode();
    const first = await app.request(`/login?code=${code}`);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^agent_boss_operator=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const again = await app.request(`/login?code=${code}`);
    expect(again.status).toBe(403);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect((await app.request('/login?code=made-up')).status).toBe(403);
    const withCookie = (c: string) =>
      app.request('/dashboard/api/send', { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: c }, body: JSON.stringify({ space: 'web', agent: 'dev', text: 'from the dashboard' }) });
    expect((await withCookie(cookie.split(';')[0]!)).status).toBe(200);
    expect((await withCookie('agent_boss_operator=forged')).status).toBe(403);
    expect(session.inputs).toEqual([{ text: 'from the dashboard', submit: true }]);
  });

  it('reply types the message: 200 {"status":"sent","agent"}', async () => {
    const { post, session } = await ready();
    const r = await post('/spaces/web/reply/dev', { message: 'run the tests' });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'sent', agent: 'dev' });
    expect(session.inputs).toEqual([{ text: 'run the tests', submit: true }]);
  });

  it('reply errors: unknown agent 404, no session 400, session gone 400, blank 400, bad JSON 400, too large 413', async () => {
    const { post, coordinator } = await ready();
    expect((await post('/spaces/web/reply/ghost', { message: 'x' })).status).toBe(404);
    await coordinator.reportStatus({}, { space: 'web', agent: 'nosession' }, { status: 'idle', summary: 's' });
    const noSession = await post('/spaces/web/reply/nosession', { message: 'x' });
    expect(noSession.status).toBe(400);
    expect(await noSession.json()).toMatchObject({ code: 'no_session' });
    await coordinator.registerSession({}, { space: 'web', agent: 'gone', session_id: 'dead' });
    const gone = await post('/spaces/web/reply/gone', { message: 'x' });
    expect(gone.status).toBe(400);
    expect(await gone.json()).toMatchObject({ code: 'session_missing' });
    const blank = await post('/spaces/web/reply/dev', { message: '  ' });
    expect(blank.status).toBe(400);
    expect(await blank.json()).toMatchObject({ error: expect.stringMatching(/blank/) });
    const missing = await post('/spaces/web/reply/dev', { msg: 'hi' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: '"message" is required: send {"message": "text to type"}' });
    const number = await post('/spaces/web/reply/dev', { message: 42 });
    expect(await number.json()).toMatchObject({ error: '"message" must be a string: send {"message": "text to type"}' });
    const notObject = await post('/spaces/web/reply/dev', '"hi"');
    expect(await notObject.json()).toMatchObject({ error: 'the JSON body must be an object: send {"message": "text to type"}' });
    const bad = await post('/spaces/web/reply/dev', '{nope');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: expect.stringMatching(/malformed JSON body/) });
    expect((await post('/spaces/web/reply/dev', { message: 'z'.repeat(1024 * 1024 + 1) })).status).toBe(413);
  });

  it('reply refuses control characters that would act as keys, and takes CRLF as a newline', async () => {
    const { post, session } = await ready();
    for (const message of ['hi\u001b[201~\rrm -rf x', 'stop\u0003', 'a\rb']) {
      const r = await post('/spaces/web/reply/dev', { message });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ error: expect.stringMatching(/control characters/) });
    }
    expect(session.inputs).toEqual([]);
    expect((await post('/spaces/web/reply/dev', { message: 'one\r\ntwo\tthree' })).status).toBe(200);
    expect(session.inputs).toEqual([{ text: 'one\ntwo\tthree', submit: true }]);
  });

  it('binds operator actions to X-Agent-Name like MCP does: only itself and the agents it manages', async () => {
    const { post, req, session, coordinator } = await ready();
    await coordinator.registerSession({}, { space: 'web', agent: 'lead', session_id: 's-lead' });
    await coordinator.registerSession({}, { space: 'web', agent: 'peer', session_id: 's-peer' });
    const r = await post('/spaces/web/reply/dev', { message: 'x' }, { 'X-Agent-Name': 'peer' });
    expect(r.status).toBe(403);
    expect((await req('/spaces/web/approve/dev', { method: 'POST', headers: { 'X-Agent-Name': 'peer' } })).status).toBe(403);
    expect((await req('/spaces/web/agent/dev/interrupt', { method: 'POST', headers: { 'X-Agent-Name': 'peer' } })).status).toBe(403);
    expect(session.inputs).toEqual([]);
    expect(session.keys).toEqual([]);
    await coordinator.reportStatus({}, { space: 'web', agent: 'dev' }, { status: 'active', summary: 'x', parent: 'lead' });
    expect((await post('/spaces/web/reply/dev', { message: 'go' }, { 'X-Agent-Name': 'lead' })).status).toBe(200);
    expect(session.inputs).toEqual([{ text: 'go', submit: true }]);
  });

  it('approve validates prompt_id and refuses a stale one without sending', async () => {
    const { req, session } = await ready();
    session.show('bash-one-line');
    const bad = await req('/spaces/web/approve/dev?prompt_id=a%20b', { method: 'POST', headers: AS_OPERATOR });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: expect.stringMatching(/prompt_id/) });
    const stale = await req('/spaces/web/approve/dev?prompt_id=p0', { method: 'POST', headers: AS_OPERATOR });
    expect(stale.status).toBe(409);
    expect(session.keys).toEqual([]);
    expect((await req(`/spaces/web/approve/dev?prompt_id=${session.promptId()}`, { method: 'POST', headers: AS_OPERATOR })).status).toBe(200);
    expect(session.keys).toEqual(['1']);
  });

  it('approve answers the prompt: approved / always_allowed with the tool', async () => {
    const { req, session } = await ready();
    session.show('bash-one-line');
    const r = await req('/spaces/web/approve/dev', { method: 'POST', headers: AS_OPERATOR });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'approved', agent: 'dev', tool: 'Bash' });
    expect(session.keys).toEqual(['1']);
    const none = await req('/spaces/web/approve/dev', { method: 'POST', headers: AS_OPERATOR });
    expect(none.status).toBe(409);
    session.show('edit'); // option 2: "Yes, and switch to accept edits"
    const always = await req('/spaces/web/approve/dev?always=true', { method: 'POST', headers: AS_OPERATOR });
    expect(await always.json()).toEqual({ status: 'always_allowed', agent: 'dev', tool: 'Edit' });
    expect(session.keys).toEqual(['1', '2']);
  });

  it('interrupt answers {"ok":true,"agent"} and says whether there was anything to interrupt', async () => {
    const { req, session } = await ready();
    const idle = await req('/spaces/web/agent/dev/interrupt', { method: 'POST', headers: AS_OPERATOR });
    expect(idle.status).toBe(200);
    expect(await idle.json()).toEqual({
      ok: true,
      agent: 'dev',
      interrupted: false,
      stopped: true,
      message: '"dev" is idle: there was nothing to interrupt, so no key was sent.',
    });
    expect(session.keys).toEqual([]);
    session.show('working');
    const r = await req('/spaces/web/agent/dev/interrupt', { method: 'POST', headers: AS_OPERATOR });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, agent: 'dev', interrupted: true, stopped: true, message: 'Interrupted "dev".' });
    expect(session.keys).toEqual(['Escape']);
  });

  it('names the space an agent is registered in when the path names another', async () => {
    const { post } = await ready();
    const r = await post('/spaces/default/reply/dev', { message: 'hi' });
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: 'Agent "dev" is not registered in space "default"; it is registered in space "web": use space "web".' });
  });
});

describe('legacy session status', () => {
  it('is [] when empty and lists rows with the legacy fields, without side effects', async () => {
    const { req, coordinator, backend, store } = setup();
    const empty = await req('/api/session-status');
    expect(await empty.json()).toEqual([]);
    await coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
    const shown = backend.add('s1', 'bash-one-line');
    await coordinator.reportStatus({}, { space: 'ops', agent: 'solo' }, { status: 'idle', summary: 's' });
    const before = await store.lastEventId();
    const all = (await (await req('/api/session-status')).json()) as unknown[];
    expect(all).toHaveLength(2);
    expect(all).toContainEqual({
      space: 'web',
      agent: 'dev',
      session_id: 's1',
      session: 's1',
      backend: 'tmux',
      registered: true,
      exists: true,
      idle: false,
      needs_approval: true,
      tool_name: 'Bash',
      last_line: 'Esc to cancel · Tab to amend',
      prompt_text: 'touch one-line.txt',
      prompt_id: shown.promptId(),
      state: 'waiting_approval',
    });
    expect(all).toContainEqual(expect.objectContaining({ agent: 'solo', registered: false, exists: false, session: null, state: 'unknown' }));
    for (const path of ['/api/session-status?space=web', '/spaces/web/api/session-status', '/spaces/WEB/api/tmux-status', '/api/tmux-status?space=web']) {
      const rows = (await (await req(path)).json()) as { agent: string }[];
      expect(rows.map((r) => r.agent), path).toEqual(['dev']);
    }
    expect(await (await req('/spaces/nowhere/api/session-status')).json()).toEqual([]);
    expect(await store.lastEventId()).toBe(before);
  });
});
