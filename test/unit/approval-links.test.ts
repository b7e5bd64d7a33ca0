import { describe, expect, it } from 'vitest';
import { ApprovalLinks } from '../../src/core/approval-links.js';
import { fakeCore, fakeHttp } from '../helpers/core.js';

/** A hub over a fake core with approval links (a clock the test moves) and agent "dev" showing a Bash prompt. */
async function setup(opts: { readOnly?: boolean; token?: string } = {}) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const core = fakeCore();
  let holder = 0;
  const links = new ApprovalLinks({
    key: 'abl_test-key-0123456789abcdefghijklmnopqrstuvwxyz',
    // The store's lease under a fresh holder each time, as the hub does.
    claim: (name, ttl) => core.store.acquireLease(name, `h${++holder}`, ttl),
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
    const other = new ApprovalLinks({ key: 'abl_another-hub-key-0123456789abcdefghijklmnop', claim: async () => true });
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
