import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { card, expectContains, expectText, expectVisible, launchBrowser, type TestBrowser } from './browser.js';
import { startHub, type Hub } from './hub.js';

/**
 * The dashboard's Resume button: shown only on an agent that can be resumed (its session gone, its
 * conversation recorded), and pressing it calls resume_agent and shows the answer under the card.
 */
describe('the Resume button of the dashboard', { timeout: 60_000 }, () => {
  let hub: Hub;
  let browser: TestBrowser;
  let page: Page;
  const work = tempDir('agent-boss-resume-work-');

  beforeAll(async () => {
    browser = await launchBrowser();
    hub = await startHub();
    await hub.agent('web', 'live', 'web-live', { workMs: 400 });
    // An agent whose session is gone and whose SessionStart recorded its conversation and directory (removed since).
    await hub.register('web', 'gone', 'web-gone');
    const res = await fetch(`${hub.url}/hooks/event`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${hub.operatorKey}` },
      body: JSON.stringify({ space: 'web', agent: 'gone', payload: { hook_event_name: 'SessionStart', source: 'startup', session_id: '9a8b7c6d-0000-4000-8000-123456789abc', cwd: `${work.dir}/removed` } }),
    });
    expect(res.status, await res.text()).toBe(200);
    page = await browser.newPage();
    await page.goto(hub.loginUrl);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    work.cleanup();
  });

  it('shows Resume on the agent that can be resumed only, and pressing it answers under its card', async () => {
    await expectText(card(page, 'web', 'gone').locator('.badge'), 'session missing', 10_000);
    await expectVisible(card(page, 'web', 'gone').locator('button.resume'));
    await expectVisible(card(page, 'web', 'live').locator('button.resume'), false);
    await card(page, 'web', 'gone').locator('button.resume').click();
    // Its directory is gone: resume_agent refuses, naming the next step, and the card shows it.
    await expectContains(card(page, 'web', 'gone').locator('.result'), 'which no longer exists: restore that directory, or start the agent afresh with spawn_agent.', 10_000);
    await expectVisible(card(page, 'web', 'gone').locator('.result.error'));
    expect(browser.errors).toEqual([]);
  });
});
