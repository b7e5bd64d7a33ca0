import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../../src/core/notifications.js';
import { waitFor } from '../helpers/fake-agent.js';
import { tempDir } from '../helpers/tmp.js';
import { launchBrowser, type TestBrowser } from './browser.js';
import { startHub, type Hub } from './hub.js';

/**
 * A one-time approval link opened in real Chromium, as a phone opens the link of a notification:
 * the confirm page shows the prompt, and its button answers it. The link comes from the event a
 * `--notify-command` received; the browser has no hub credential (no login, no token).
 */
describe('one-time approval link in a browser', { timeout: 60_000 }, () => {
  let hub: Hub;
  let browser: TestBrowser;
  let page: Page;
  let dir: { dir: string; cleanup: () => void };
  let events: string;

  beforeAll(async () => {
    dir = tempDir('agent-boss-link-');
    events = join(dir.dir, 'events.jsonl');
    browser = await launchBrowser();
    hub = await startHub({ args: ['--notify-command', `cat >> '${events}'`, '--approval-links', '--notify-long-turn', '0'] });
    await hub.agent('web', 'lead', 'web-lead', { workMs: 800 });
    page = await browser.newPage();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    dir?.cleanup();
  });

  const prompts = (): NotificationEvent[] =>
    existsSync(events)
      ? readFileSync(events, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as NotificationEvent)
          .filter((e) => e.kind === 'prompt')
      : [];

  it('the confirm page\'s button answers the prompt once', async () => {
    await hub.reply('web', 'lead', 'PERMIT deploy the preview');
    const [event] = await waitFor(() => (prompts().length > 0 ? prompts() : undefined), 20_000, 'the prompt event with its links');
    const link = event!.approve_links!.yes;
    expect(link).toContain(`/approve/${event!.prompt_id}?t=`);

    await page.goto(link);
    expect(await page.locator('h1').textContent()).toBe('Allow once: Bash');
    expect(await page.locator('pre').textContent()).toBe('echo "PERMIT deploy the preview"');
    expect(hub.events('web', 'lead', 'approval')).toEqual([]);

    const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Allow once' }).click()]);
    expect(answer.status(), await answer.text()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Allowed Bash for lead');
    await waitFor(() => hub.events('web', 'lead', 'approval').length === 1, 10_000, 'lead approved');
    expect(hub.events('web', 'lead', 'approval')).toEqual([{ type: 'approval', option: 1 }]);

    // Back to the page and pressed again: the link is spent (or its prompt gone), nothing more is sent.
    await page.goBack();
    await page.goto(link);
    expect(await page.locator('h1').textContent()).toBe('Not answered');
    expect(hub.events('web', 'lead', 'approval')).toHaveLength(1);
    expect(browser.errors).toEqual([]);
  });
});
