import { describe, expect, it } from 'vitest';
import { ApprovalLinks } from '../../src/core/approval-links.js';
import { DomainError } from '../../src/core/errors.js';
import { fakeCore, fakeHttp } from '../helpers/core.js';

/** A hub over a fake core with approval links (a clock the test moves) and agent "dev" showing a Bash prompt. */
async function setup(opts: { readOnly?: boolean; token?: string } = {}) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const core = fakeCore();
  const links = new ApprovalLinks({
    key: 'abl_test-key-0123456789abcdefghijklmnopqrstuvwxyz',
    // The store's leases, as the hub does.
    leases: core.store,
    clock: () => now,
  });
  const http = fakeHttp({ approvalLinks: links, ...(opts.readOnly && { readOnly: true }), ...(opts.token !== undefined && { token: opts.token }) }, core);
  await core.coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
  const pane = core.backend.add('s1', 'bash-one-line');
  const promptId = pane.promptId()!;
  const made = links.links({ space: 'web', agent: 'dev', prompt_id: promptId });
  const post = (path: string, html = false) =>
    http.app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(html && { Accept: 'text/html' }) }, body: '' });
  return { ...http, links, pane, promptId, made, post, advance: (ms: number) => (now += ms) };
}

describe('one-time approval links', () => {
  it('GET shows the prompt and a form, answering nothing; POST answers it once, and every later use is refused', async () => {
    const t = await setup({ token: 'hub-token-0123456789' });
    expect(t.made.yes).toMatch(new RegExp(`^/approve/${t.promptId}\\?t=`));

    // A link preview or prefetch (GET) answers nothing; the page needs no hub token.
    const page = await t.app.request(t.made.yes, { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain('Allow once');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    expect(t.pane.state).toBe('bash-one-line');

    const res = await t.post(t.made.yes);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, agent: 'dev', decision: 'yes', prompt_id: t.promptId });
    expect(t.pane.keys).toContain('1');

    // The same prompt again on screen: the spent link, and its sibling, are refused.
    t.pane.show('bash-one-line');
    const again = await t.post(t.made.yes);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'link_used' });
    const sibling = await t.post(t.made.no);
    expect((await sibling.json()) as object).toMatchObject({ code: 'link_used' });
    expect(t.pane.state).toBe('bash-one-line');
  });

  it('two uses at once: exactly one answers, the other is refused as used', async () => {
    const t = await setup();
    const [a, b] = await Promise.all([t.post(t.made.yes), t.post(t.made.no)]);
    const bodies = [(await a.json()) as { ok?: boolean; code?: string }, (await b.json()) as { ok?: boolean; code?: string }];
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(bodies.filter((x) => x.ok === true)).toHaveLength(1);
    expect(bodies.filter((x) => x.code === 'link_used')).toHaveLength(1);
    expect(t.pane.keys.filter((k) => k === '1' || k === '2' || k === 'Escape')).toHaveLength(1);
  });

  it('an answer that sent nothing for a passing reason (busy, a host down) gives the link back; a concurrent use is still refused', async () => {
    const t = await setup();
    const approve = t.coordinator.approve.bind(t.coordinator);
    const failures = [
      new DomainError('session_busy', 'Session "s1" is still busy with 1 earlier action(s) after 30 s, so nothing was sent.'),
      new DomainError('backend_unavailable', '"dev" runs on host "box2", whose hub is not running: nothing was sent.', 5),
      new DomainError('store_busy', 'Another process holds the database; nothing was written.'),
    ];
    for (const failure of failures) {
      let racer: Response | undefined;
      t.coordinator.approve = async () => {
        // Another use arriving while this one holds the link is refused.
        racer = await t.post(t.made.no);
        throw failure;
      };
      const res = await t.post(t.made.yes, true);
      expect(res.status).toBe(503);
      const html = await res.text();
      expect(html).toContain('Nothing was sent; try the link again');
      expect(racer?.status).toBe(409);
      expect(await racer!.json()).toMatchObject({ code: 'link_used' });
      expect(t.pane.state).toBe('bash-one-line');
    }
    t.coordinator.approve = approve;
    const ok = await t.post(t.made.yes);
    expect(ok.status).toBe(200);
    expect(t.pane.keys).toContain('1');
    t.pane.show('bash-one-line');
    expect(await (await t.post(t.made.no)).json()).toMatchObject({ code: 'link_used' });
  });

  it('the link stays spent when the prompt changed, or when the answer may have been sent', async () => {
    const t = await setup();
    // The prompt changed between the check and the answer.
    t.coordinator.approve = async () => {
      throw new DomainError('prompt_mismatch', 'The prompt on screen is not the one given; nothing was sent.');
    };
    expect(await (await t.post(t.made.yes)).json()).toMatchObject({ code: 'prompt_mismatch' });
    expect(await (await t.post(t.made.yes)).json()).toMatchObject({ code: 'link_used' });

    // A passing failure, but the prompt is gone meanwhile (answered elsewhere): stays spent.
    const u = await setup();
    u.coordinator.approve = async () => {
      u.pane.show('edit');
      throw new DomainError('store_busy', 'Another process holds the database; nothing was written.');
    };
    const gone = (await (await u.post(u.made.yes)).json()) as { code: string; error: string };
    expect(gone.code).toBe('store_busy');
    expect(gone.error).not.toContain('try the link again');
    u.pane.show('bash-one-line');
    expect(await (await u.post(u.made.yes)).json()).toMatchObject({ code: 'link_used' });

    // Another host's hub took the action but did not answer: whether it was done is unknown.
    const v = await setup();
    v.coordinator.approve = async () => {
      throw new DomainError('backend_unavailable', 'The hub of host "box2" took the action but did not answer within 30 s.');
    };
    const unknown = await v.post(v.made.yes);
    expect(await unknown.json()).not.toHaveProperty('error', expect.stringContaining('try the link again') as string);
    expect(await (await v.post(v.made.yes)).json()).toMatchObject({ code: 'link_used' });
  });

  it('refuses an expired link (410) and one whose prompt is no longer on screen (409), sending nothing', async () => {
    const t = await setup();
    t.advance(15 * 60_000);
    const expired = await t.post(t.made.yes);
    expect(expired.status).toBe(410);
    expect(await expired.json()).toMatchObject({ code: 'link_expired' });

    const u = await setup();
    u.pane.show('edit');
    const changed = await u.post(u.made.yes);
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({ code: 'prompt_changed' });
    const page = await u.app.request(u.made.no, { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('no longer on the screen');
    expect(u.pane.state).toBe('edit');
    // The prompt coming back makes the unspent link good again (it is bound to that prompt).
    u.pane.show('bash-one-line');
    expect((await u.post(u.made.no)).status).toBe(200);
  });

  it('refuses an altered token, another prompt\'s token and a link of another hub\'s key, without the hub token helping', async () => {
    const t = await setup();
    const token = new URL(`http://h${t.made.yes}`).searchParams.get('t')!;
    const [body, mac] = token.split('.');
    const forged = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    forged.d = 'no';
    const altered = `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`;
    for (const path of [`/approve/${t.promptId}?t=${altered}`, `/approve/${t.promptId}?t=garbage`, `/approve/000000000000?t=${token}`]) {
      const res = await t.post(path);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'invalid_link' });
    }
    const other = new ApprovalLinks({ key: 'abl_another-hub-key-0123456789abcdefghijklmnop', leases: { acquireLease: async () => true, releaseLease: async () => {} } });
    expect((await t.post(other.links({ space: 'web', agent: 'dev', prompt_id: t.promptId }).yes)).status).toBe(403);
    expect(t.pane.state).toBe('bash-one-line');
  });

  it('escapes agent text on the confirm page', async () => {
    const t = await setup();
    await t.coordinator.registerSession({}, { space: 'web', agent: 'evil', session_id: 's2' });
    const pane = t.backend.add('s2', 'bash-one-line');
    pane.showLines([
      '╭──────────────────────────────────────────────────────────╮',
      '│ Bash command                                             │',
      '│                                                          │',
      '│   echo "<script>alert(1)</script>" & <img src=x>         │',
      '│                                                          │',
      '│ Do you want to proceed?                                  │',
      '│ ❯ 1. Yes                                                 │',
      '│   2. No, and tell Claude what to do differently (esc)    │',
      '╰──────────────────────────────────────────────────────────╯',
    ]);
    const id = pane.promptId();
    expect(id).toBeDefined();
    const link = t.links.links({ space: 'web', agent: 'evil', prompt_id: id! });
    const html = await (await t.app.request(link.yes, { headers: { Accept: 'text/html' } })).text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
  });

  it('a read-only hub answers no link; a hub without approval links has no such route', async () => {
    const t = await setup({ readOnly: true });
    const res = await t.post(t.made.yes);
    expect(res.status).toBe(403);
    expect(t.pane.state).toBe('bash-one-line');
    const plain = fakeHttp();
    expect((await plain.app.request(t.made.yes, { method: 'POST' })).status).toBe(404);
  });

  it('a page opened from another site (a chat app) shows; a cross-site POST is refused', async () => {
    const t = await setup();
    const nav = await t.app.request(t.made.yes, { headers: { Accept: 'text/html', 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' } });
    expect(nav.status).toBe(200);
    const post = await t.app.request(t.made.yes, { method: 'POST', headers: { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' } });
    expect(post.status).toBe(403);
    expect(t.pane.state).toBe('bash-one-line');
  });
});
