import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, expectCount, expectText, launchBrowser, type TestBrowser } from './browser.js';
import { startHub, type Hub } from './hub.js';

// Functions passed to page.evaluate run in the browser; the project's type library has no DOM.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const MutationObserver: any;

/**
 * 100 agents: the page builds one card per agent once, and an event about one agent touches only
 * that agent's card (plus the counters), never re-rendering the page.
 */
describe('the dashboard with 100 agents', { timeout: 90_000 }, () => {
  let hub: Hub;
  let browser: TestBrowser;

  beforeAll(async () => {
    browser = await launchBrowser();
    hub = await startHub();
    await hub.agent('web', 'api', 'web-api', { workMs: 1500 });
    // 99 more whose sessions do not exist (state "session missing"): registered, listed, probed.
    for (let i = 0; i < 99; i++) await hub.register(`team-${i % 5}`, `agent-${String(i).padStart(2, '0')}`, `none-${i}`);
    await hub.waitState('web', 'api', 'idle');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('renders every card once and updates only the card an event is about', async () => {
    const page = await browser.newPage();
    const started = Date.now();
    // Signed in through the login link serve printed: the dashboard acts as the operator.
    await page.goto(hub.loginUrl);
    await expectCount(page.locator('article.agent'), 100, 15_000);
    await expectText(page.locator('#conn'), 'live');
    process.stderr.write(`dashboard: 100 agent cards shown ${Date.now() - started} ms after navigation\n`);
    await expectText(card(page, 'web', 'api').locator('.badge'), 'idle');

    // Mark every card, then watch which cards the next events change.
    await page.evaluate(() => {
      window.__touched = new Set();
      window.__childListChanges = 0;
      for (const a of document.querySelectorAll('article.agent')) a.__mark = true;
      new MutationObserver((records: any[]) => {
        for (const r of records) {
          const target = r.target.nodeType === 1 ? r.target : r.target.parentElement;
          // Running clocks ("for 3s") and terminal previews change on their own timers.
          if (target.closest('time, .preview')) continue;
          if (r.type === 'childList' && target.matches('.grid, #spaces')) window.__childListChanges++;
          const owner = target.closest('article.agent');
          if (owner) window.__touched.add(owner.dataset.agent);
        }
      }).observe(document.getElementById('spaces'), { subtree: true, childList: true, characterData: true, attributes: true });
    });

    await hub.reply('web', 'api', 'work on something');
    await expectText(card(page, 'web', 'api').locator('.badge'), 'working', 10_000);
    await expectText(card(page, 'web', 'api').locator('.badge'), 'idle', 10_000);

    const seen = await page.evaluate(() => ({
      touched: [...window.__touched],
      childListChanges: window.__childListChanges,
      allMarked: [...document.querySelectorAll('article.agent')].every((a: any) => a.__mark === true),
    }));
    expect(seen.touched).toEqual(['api']);
    expect(seen.childListChanges).toBe(0);
    expect(seen.allMarked).toBe(true);
    expect(browser.errors).toEqual([]);
  });
});
