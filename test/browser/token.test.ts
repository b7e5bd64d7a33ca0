import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, expectText, expectVisible, launchBrowser, type TestBrowser } from './browser.js';
import { startHub, type Hub } from './hub.js';

// Functions passed to page.evaluate run in the browser; the project's type library has no DOM.
declare const sessionStorage: { getItem(k: string): string | null };

/** A hub started with --token: the page asks for it once, keeps it for the tab, never puts it in a URL. */
describe('the dashboard of a hub with a token', { timeout: 60_000 }, () => {
  const TOKEN = 'correct-horse-battery-staple-42';
  let hub: Hub;
  let browser: TestBrowser;
  let page: Page;
  const requests: { url: string; auth?: string }[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    hub = await startHub({ token: TOKEN });
    await hub.agent('web', 'api', 'web-api', { role: 'backend', workMs: 1000 });
    await hub.waitState('web', 'api', 'idle');
    page = await browser.newPage();
    page.on('request', (req) => requests.push({ url: req.url(), ...(req.headers().authorization && { auth: req.headers().authorization }) }));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('asks for the token and shows no agent before it is given', async () => {
    await page.goto(hub.url);
    await expectVisible(page.locator('#login'));
    expect(await page.locator('#main').isHidden()).toBe(true);
    expect(await page.locator('article.agent').count()).toBe(0);
  });

  it('refuses a wrong token and says so', async () => {
    await page.locator('#token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.locator('#login-error'), /token was refused/);
    expect(await page.locator('article.agent').count()).toBe(0);
  });

  it('signs in with the right token, keeps it out of every URL, and follows the events with it', async () => {
    await page.locator('#token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(card(page, 'web', 'api').locator('.badge'), 'idle', 10_000);
    await expectText(page.locator('#conn'), 'live');
    expect(page.url()).toBe(`${hub.url}/`);
    expect(requests.every((r) => !r.url.includes(TOKEN))).toBe(true);
    expect(requests.some((r) => new URL(r.url).pathname === '/events' && r.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('agent-boss.token'))).toBe(TOKEN);

    // A change arrives over the authenticated stream, without a reload.
    await hub.reply('web', 'api', 'start on the pagination');
    await expectText(card(page, 'web', 'api').locator('.badge'), 'working', 10_000);
    await expectText(card(page, 'web', 'api').locator('.badge'), 'idle', 10_000);
  });

  it('keeps the token across a reload of the tab but asks again in a new tab', async () => {
    await page.reload();
    await expectText(card(page, 'web', 'api').locator('.badge'), 'idle', 10_000);
    expect(await page.locator('#login').isHidden()).toBe(true);

    const other = await browser.newPage();
    await other.goto(hub.url);
    await expectVisible(other.locator('#login'));
    await other.close();
  });

  it('acts only as the operator: the hub token reads, the operator key sends; sign-out forgets it', async () => {
    const api = card(page, 'web', 'api');
    // The hub's token lets the page in, but only the operator may type into an agent's terminal.
    await api.locator('textarea').fill('second task');
    await api.getByRole('button', { name: 'Send' }).click();
    await expectText(api.locator('.result'), /only the operator may send input to "api"/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectVisible(page.locator('#login'));
    await page.locator('#token').fill(hub.operatorKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(card(page, 'web', 'api').locator('.badge'), 'idle', 10_000);
    expect(await page.evaluate(() => sessionStorage.getItem('agent-boss.token'))).toBe(hub.operatorKey);
    const asOperator = card(page, 'web', 'api');
    await asOperator.locator('textarea').fill('second task');
    await asOperator.getByRole('button', { name: 'Send' }).click();
    await expectText(asOperator.locator('.result'), /^sent at /);
    expect(requests.every((r) => !r.url.includes(hub.operatorKey))).toBe(true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectVisible(page.locator('#login'));
    expect(await page.evaluate(() => sessionStorage.getItem('agent-boss.token'))).toBeNull();
    expect(browser.errors).toEqual([]);
  });
});
