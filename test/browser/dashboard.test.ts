import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/fake-agent.js';
import { tempDir } from '../helpers/tmp.js';
import { card, expectAttr, expectContains, expectCount, expectText, expectTexts, expectVisible, launchBrowser, trayItem, until, type TestBrowser } from './browser.js';
import { startHub, type Hub } from './hub.js';

// Functions passed to page.evaluate run in the browser; the project's type library has no DOM.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const MutationObserver: any;
declare const location: any;

/**
 * The dashboard in headless Chromium, against the built `agent-boss serve` with fake agents in a
 * private tmux server: what an operator sees and does, end to end.
 */
describe('the dashboard in a browser', { timeout: 60_000 }, () => {
  let hub: Hub;
  let browser: TestBrowser;
  let page: Page;
  const shots = tempDir('agent-boss-shots-');
  const EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> pagination done';

  beforeAll(async () => {
    browser = await launchBrowser();
    hub = await startHub();
    await Promise.all([
      hub.agent('web', 'lead', 'web-lead', { role: 'tech lead' }),
      hub.agent('web', 'api', 'web-api', { parent: 'lead', role: 'backend', workMs: 1200 }),
      hub.agent('ops', 'db', 'ops-db', { role: 'database', workMs: 400 }),
    ]);
    await hub.report('web', 'api', 'active', EVIL);
    await hub.report('web', 'lead', 'active', 'Splitting the checkout work between api and ui');
    await hub.waitState('web', 'api', 'idle');
    page = await browser.newPage();
    // Signed in through the login link serve printed: the dashboard acts as the operator.
    await page.goto(hub.loginUrl);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    shots.cleanup();
  });

  const badge = (space: string, agent: string) => card(page, space, agent).locator('.badge');
  const expectBadge = (space: string, agent: string, text: string, timeout = 10_000) => expectText(badge(space, agent), text, timeout);

  it('lists every space and agent with state, source, team and a terminal preview', async () => {
    await expectCount(page.locator('article.agent'), 3, 10_000);
    await expectTexts(page.locator('section.space h2 .space-name'), ['ops', 'web']);
    const api = card(page, 'web', 'api');
    await expectText(api.locator('.name'), 'api');
    await expectText(api.locator('.role'), 'backend');
    await expectText(api.locator('.parent'), 'reports to lead');
    await expectText(card(page, 'web', 'lead').locator('.parent'), 'top level');
    await expectText(api.locator('.source'), 'screen');
    await expectText(api.locator('.program'), 'claude-code');
    await expectText(api.locator('.status'), 'active');
    await expectBadge('web', 'api', 'idle');
    await expectContains(api.locator('.preview'), 'Fake Claude Code · web-api', 10_000);
    await expectText(page.locator('#conn'), 'live', 10_000);
    expect(browser.errors).toEqual([]);
  });

  it('shows a summary containing <script> as text and runs none of it', async () => {
    const summary = card(page, 'web', 'api').locator('.summary');
    await expectText(summary, EVIL);
    expect(await summary.locator('script, img').count()).toBe(0);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  });

  it('sends multi-line text to the agent and shows the state change without a reload', async () => {
    await page.evaluate(() => (window.__sameDocument = true));
    // Record, in the page, when the badge first says "working".
    await page.evaluate(() => {
      const node = document.querySelector('section.space[data-space="web"] article[data-agent="api"] .badge')!;
      new MutationObserver(() => {
        const w = window;
        if (node.textContent === 'working' && w.__workingAt === undefined) w.__workingAt = Date.now();
      }).observe(node, { childList: true, characterData: true, subtree: true });
    });
    const api = card(page, 'web', 'api');
    const text = 'please add pagination\nto GET /users\n\tand a test';
    await api.locator('textarea').fill(text);
    await api.getByRole('button', { name: 'Send' }).click();
    await expectText(api.locator('.result'), /^sent at /);
    expect(await api.locator('textarea').inputValue()).toBe('');
    const sentAt = await waitFor(() => (hub.events('web', 'api', 'message').some((e) => e.text === text) ? Date.now() : 0), 5000, 'message received');
    await expectBadge('web', 'api', 'working');
    const workingAt = await page.evaluate(() => window.__workingAt);
    // The monitor probes every second and the stream polls every 200 ms; report what this run saw.
    process.stderr.write(`dashboard: "working" shown ${workingAt! - sentAt} ms after the agent took the message\n`);
    expect(workingAt! - sentAt).toBeLessThan(5000);
    await expectBadge('web', 'api', 'idle');
    expect(await page.evaluate(() => window.__sameDocument)).toBe(true);
  });

  it('shows a pending prompt in the tray, and Yes makes the agent receive the approval', async () => {
    const lead = card(page, 'web', 'lead');
    await lead.locator('textarea').fill('PERMIT deploy the preview');
    await lead.getByRole('button', { name: 'Send' }).click();
    const item = trayItem(page, 'web', 'lead');
    await expectVisible(item, true, 10_000);
    await expectText(item.locator('.tool'), 'Bash');
    // The subject is the command alone: not the dialog's "Do you want to proceed?".
    await expectText(item.locator('.subject'), 'echo "PERMIT deploy the preview"');
    await expectText(page.locator('#tray-count'), '1');
    await expectBadge('web', 'lead', 'waiting for approval');
    const pid = (await hub.row('web', 'lead'))!.prompt_id!;
    await expectAttr(item, 'data-prompt-id', pid);

    await item.getByRole('button', { name: 'Yes' }).click();
    await waitFor(() => hub.events('web', 'lead', 'approval').length === 1, 5000, 'approval received');
    expect(hub.events('web', 'lead', 'approval')).toEqual([{ type: 'approval', option: 1 }]);
    await expectCount(item, 0, 10_000);
    await expectContains(lead.locator('.result'), 'answered "yes" to Bash');
    await expectVisible(page.locator('#tray-empty'));
    await expectBadge('web', 'lead', 'idle');
  });

  it('interrupts a working agent', async () => {
    const api = card(page, 'web', 'api');
    await api.locator('textarea').fill('HANG on this one');
    await api.getByRole('button', { name: 'Send' }).click();
    await expectBadge('web', 'api', 'working');
    await api.getByRole('button', { name: 'Interrupt' }).click();
    await waitFor(() => hub.events('web', 'api', 'interrupt').length === 1, 8000, 'interrupt received');
    await expectText(api.locator('.result'), 'interrupted', 8000);
    await expectBadge('web', 'api', 'idle');
  });

  it('refuses a prompt that changed meanwhile, says why in the tray, and resumes the stream with Last-Event-ID', async () => {
    // A second tab whose stream the test can cut and hold, so its tray keeps showing the old prompt.
    const tab = await browser.newPage();
    await tab.addInitScript(() => {
      const realFetch = window.fetch.bind(window);
      const open = new Set<any>();
      let held = false;
      window.__holdEvents = (on: boolean) => {
        held = on;
        if (on) for (const c of open) c.abort();
      };
      window.fetch = (input: any, init: any = {}) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        if (!new URL(url, location.href).pathname.endsWith('/events')) return realFetch(input, init);
        if (held) return Promise.reject(new TypeError('held by the test'));
        const c = new AbortController();
        init.signal?.addEventListener('abort', () => c.abort());
        open.add(c);
        return realFetch(input, { ...init, signal: c.signal });
      };
    });
    const lastEventIds: (string | undefined)[] = [];
    tab.on('request', (req) => {
      if (new URL(req.url()).pathname === '/events') lastEventIds.push(req.headers()['last-event-id']);
    });
    await tab.goto(hub.url);

    await hub.reply('ops', 'db', 'PERMIT first');
    const item = trayItem(tab, 'ops', 'db');
    await expectContains(item.locator('.subject'), 'PERMIT first', 10_000);
    const first = (await hub.row('ops', 'db'))!.prompt_id!;
    await expectAttr(item, 'data-prompt-id', first);

    await tab.evaluate(() => window.__holdEvents(true));
    await expectText(tab.locator('#conn'), 'reconnecting…');
    // Meanwhile someone answers that prompt and the agent asks something else.
    await hub.approve('ops', 'db');
    await hub.waitState('ops', 'db', 'working');
    await hub.reply('ops', 'db', 'PERMIT second');
    const second = await waitFor(async () => {
      const r = await hub.row('ops', 'db');
      return r?.needs_approval && r.prompt_id !== first ? r.prompt_id : undefined;
    }, 10_000, 'second prompt');
    expect(hub.events('ops', 'db', 'approval')).toHaveLength(1);

    await item.getByRole('button', { name: 'Yes' }).click();
    await until(() => item.locator('.result').getAttribute('class'), (c) => /error/.test(c ?? ''), 'error shown');
    await expectContains(item.locator('.result'), 'Nothing was sent');
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.events('ops', 'db', 'approval')).toHaveLength(1);

    const before = lastEventIds.length;
    await tab.evaluate(() => window.__holdEvents(false));
    await expectText(tab.locator('#conn'), 'live', 15_000);
    await expectAttr(item, 'data-prompt-id', second, 10_000);
    await expectContains(item.locator('.subject'), 'PERMIT second');
    await expectText(item.locator('.result'), '');
    const resumed = lastEventIds.slice(before).filter((id) => id !== undefined);
    expect(resumed.length).toBeGreaterThan(0);
    expect(Number(resumed.at(-1))).toBeGreaterThan(0);

    await item.getByRole('button', { name: 'No' }).click();
    await waitFor(() => hub.events('ops', 'db', 'approval').length === 2, 5000, 'refusal received');
    expect(hub.events('ops', 'db', 'approval')[1]).toMatchObject({ type: 'approval' });
    expect(['escape', 3]).toContain(hub.events('ops', 'db', 'approval')[1]!.option);
    await expectCount(item, 0, 10_000);
    await tab.close();
  });

  it('counts each of several prompts in a row from when it showed, in the tray and on the card', async () => {
    await hub.waitState('ops', 'db', 'idle');
    const item = trayItem(page, 'ops', 'db');
    const trayTime = item.locator('time.since');
    const cardTime = card(page, 'ops', 'db').locator('.for time');
    const done = hub.events('ops', 'db', 'done').length;
    // Three commands in one message: the agent asks for each right after the previous one is allowed.
    await hub.reply('ops', 'db', 'PERMIT one\nPERMIT two\nPERMIT three');
    await expectText(item.locator('.subject'), 'echo "PERMIT one"', 10_000);
    const first = Date.parse((await trayTime.getAttribute('datetime'))!);
    await until(() => trayTime.textContent(), (t) => /^(?:[4-9]|\d\d)s$/.test(t ?? ''), 'the first prompt waited 4 s', 15_000);

    await hub.approve('ops', 'db');
    await expectText(item.locator('.subject'), 'echo "PERMIT two"', 10_000);
    const second = await until(async () => Date.parse((await trayTime.getAttribute('datetime')) ?? ''), (t) => t - first >= 4000, 'the tray counts the second prompt from when it showed');
    await expectAttr(cardTime, 'datetime', new Date(second).toISOString());
    // No working moment between the two prompts: the agent has been waiting since the first.
    expect(hub.events('ops', 'db', 'done')).toHaveLength(done);
    expect(Number(/^(\d+)s$/.exec((await trayTime.textContent()) ?? '')?.[1])).toBeLessThan(4);

    // A page opened now reads the same time from the overview.
    const fresh = await browser.newPage();
    await fresh.goto(hub.url);
    await expectAttr(trayItem(fresh, 'ops', 'db'), 'data-prompt-id', (await hub.row('ops', 'db'))!.prompt_id!, 10_000);
    await expectAttr(trayItem(fresh, 'ops', 'db').locator('time.since'), 'datetime', new Date(second).toISOString(), 10_000);
    await fresh.close();

    await hub.approve('ops', 'db');
    await expectText(item.locator('.subject'), 'echo "PERMIT three"', 10_000);
    await hub.approve('ops', 'db');
    await expectCount(item, 0, 10_000);
    await hub.waitState('ops', 'db', 'idle');
  });

  it('looks right on a laptop and a phone (screenshot)', async () => {
    // One agent of each kind: waiting for approval, working, idle, and a session that is gone.
    await hub.register('web', 'ui', 'web-ui-gone', { parent: 'lead', role: 'frontend' });
    await hub.report('web', 'ui', 'blocked', 'Waiting for the design tokens from lead');
    await hub.report('ops', 'db', 'active', 'Migrating orders to the new schema');
    await hub.waitState('ops', 'db', 'idle');
    await hub.reply('ops', 'db', 'PERMIT run the migration');
    await hub.reply('web', 'api', 'HANG implement cursor pagination');
    await expectVisible(trayItem(page, 'ops', 'db'), true, 10_000);
    await expectBadge('web', 'api', 'working');
    await expectBadge('web', 'ui', 'session missing');
    await card(page, 'web', 'lead').locator('textarea').fill('Review the api PR next, then merge');
    // Let the previews catch up with the new screens.
    await expectContains(card(page, 'web', 'api').locator('.preview'), 'HANG implement', 10_000);
    await expectContains(card(page, 'ops', 'db').locator('.preview'), 'Do you want to proceed?', 10_000);

    await page.evaluate(() => window.scrollTo(0, 0));
    const laptop = join(shots.dir, 'dashboard.png');
    await page.screenshot({ path: laptop, fullPage: true });
    expect(statSync(laptop).size).toBeGreaterThan(20_000);
    await page.setViewportSize({ width: 390, height: 844 });
    const phone = join(shots.dir, 'dashboard-phone.png');
    await page.screenshot({ path: phone, fullPage: false });
    // Nothing wider than the phone's screen: the page scrolls down, never sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });
    if (process.env.DASHBOARD_SCREENSHOT) {
      copyFileSync(laptop, process.env.DASHBOARD_SCREENSHOT);
      copyFileSync(phone, process.env.DASHBOARD_SCREENSHOT.replace(/\.png$/, '-phone.png'));
    }
    expect(browser.errors).toEqual([]);
  });
});
