import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/fake-agent.js';
import { expectAttr, expectCount, expectVisible, launchBrowser, trayItem, until, type TestBrowser } from './browser.js';
import { startHub, type Hub } from './hub.js';

// Functions passed to page.evaluate run in the browser; the project's type library has no DOM.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const location: any;

interface Shown {
  title: string;
  body: string;
  tag: string;
}

/**
 * The dashboard's browser notifications and its phone layout, in headless Chromium against the
 * built hub with fake agents in a private tmux server. The notification permission is granted
 * through the driver; the page's Notification constructor is wrapped (the real one still runs) so
 * the test sees what was shown and can click it.
 */
describe('dashboard notifications and phone layout', { timeout: 60_000 }, () => {
  let hub: Hub;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    hub = await startHub();
    await Promise.all([hub.agent('web', 'lead', 'web-lead', { workMs: 800 }), hub.agent('web', 'api', 'web-api', { workMs: 800 })]);
    await browser.context.addInitScript(() => {
      const Real = window.Notification;
      window.__shown = [];
      window.__asked = 0;
      class Recorded extends Real {
        constructor(title: string, options: any) {
          super(title, options);
          window.__shown.push({ title, body: options?.body, tag: options?.tag });
          window.__last = this;
        }
        static requestPermission() {
          window.__asked++;
          return Real.requestPermission();
        }
      }
      window.Notification = Recorded;
    });
    page = await browser.newPage();
    await page.goto(hub.loginUrl);
    await expectCount(page.locator('article.agent'), 2, 10_000);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  const shown = (): Promise<Shown[]> => page.evaluate(() => window.__shown);
  const title = () => page.evaluate(() => document.title as string);

  it('asks for the permission only when "Notify me" is pressed, once', async () => {
    const notifyMe = page.locator('#notify-enable');
    await expectVisible(notifyMe, true);
    expect(await page.evaluate(() => window.__asked)).toBe(0);
    await browser.context.grantPermissions(['notifications'], { origin: hub.url });
    await notifyMe.click();
    await expectVisible(notifyMe, false);
    expect(await page.evaluate(() => window.__asked)).toBe(1);
    expect(await page.evaluate(() => window.Notification.permission)).toBe('granted');
    // Granted: a reload shows no button and asks nothing.
    await page.reload();
    await expectCount(page.locator('article.agent'), 2, 10_000);
    expect(await notifyMe.isVisible()).toBe(false);
    expect(await page.evaluate(() => window.__asked)).toBe(0);
    expect(await title()).toBe('agent-boss');
  });

  it('a prompt shows one notification with its tool and subject, and the tab title counts what waits', async () => {
    await hub.reply('web', 'lead', 'PERMIT deploy the preview');
    await until(shown, (s) => s.length === 1, 'one notification shown', 15_000);
    const [n] = await shown();
    expect(n!.title).toBe('lead asks to use Bash');
    expect(n!.body).toBe('Bash: echo "PERMIT deploy the preview"');
    expect(n!.tag).toBe(`web/lead/${(await hub.row('web', 'lead'))!.prompt_id}`);
    await until(title, (t) => t === '(1) agent-boss', 'title with one waiting');

    await hub.reply('web', 'api', 'PERMIT run the migrations');
    await until(title, (t) => t === '(2) agent-boss', 'title with two waiting', 15_000);
    await until(shown, (s) => s.length === 2, 'a second notification', 15_000);
    // A few more monitor rounds: the same prompts are not announced again.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await shown()).map((s) => s.title)).toEqual(['lead asks to use Bash', 'api asks to use Bash']);
  });

  it('clicking a notification opens its prompt in the tray, its first answer focused', async () => {
    await page.evaluate(() => {
      window.scrollTo(0, document.body.scrollHeight);
      document.activeElement?.blur();
    });
    // The latest notification (api's) is clicked, as the system would on a tap.
    await page.evaluate(() => window.__last.dispatchEvent(new Event('click')));
    await until(() => page.evaluate(() => location.hash as string), (h) => h === '#prompt=web/api', 'the address names the prompt');
    await expectAttr(trayItem(page, 'web', 'api'), 'class', 'prompt targeted');
    expect(await page.evaluate(() => ({ decision: document.activeElement?.dataset?.decision, agent: document.activeElement?.closest('li')?.dataset?.agent }))).toEqual({
      decision: 'yes',
      agent: 'api',
    });
  });

  it('a webhook\'s dashboard link opens the prompt in a new tab', async () => {
    const other = await browser.newPage();
    await other.goto(`${hub.url}/#prompt=web/lead`);
    await expectAttr(trayItem(other, 'web', 'lead'), 'class', 'prompt targeted', 10_000);
    expect(await other.evaluate(() => document.activeElement?.closest('li')?.dataset?.agent)).toBe('lead');
    await other.close();
  });

  it('on a 390×844 phone: the tray first, the whole command shown, one tap answers', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.evaluate(() => window.scrollTo(0, 0));
      const layout = await page.evaluate(() => {
        const box = (n: any) => n.getBoundingClientRect();
        const tray = document.querySelector('#tray');
        const firstCard = document.querySelector('article.agent');
        const item = document.querySelector('#tray-list li[data-agent="lead"]');
        const subject = item.querySelector('.subject');
        const buttons = [...item.querySelectorAll('.buttons button')].map((b: any) => box(b));
        return {
          scrollWidth: document.documentElement.scrollWidth,
          trayTop: box(tray).top,
          cardTop: box(firstCard).top,
          subjectClipped: subject.scrollHeight > subject.clientHeight + 1 || subject.scrollWidth > subject.clientWidth + 1,
          subjectText: subject.textContent,
          buttonHeights: buttons.map((b: any) => b.height),
          buttonRows: new Set(buttons.map((b: any) => Math.round(b.top))).size,
          buttonsRight: Math.max(...buttons.map((b: any) => b.right)),
          firstPromptBottom: box(item).bottom,
        };
      });
      expect(layout.scrollWidth).toBeLessThanOrEqual(390);
      expect(layout.trayTop).toBeLessThan(layout.cardTop);
      expect(layout.subjectText).toBe('echo "PERMIT deploy the preview"');
      expect(layout.subjectClipped).toBe(false);
      for (const h of layout.buttonHeights) expect(h).toBeGreaterThanOrEqual(44);
      expect(layout.buttonRows).toBe(1);
      expect(layout.buttonsRight).toBeLessThanOrEqual(390);
      // The first prompt and its answers are on the first screen, without scrolling.
      expect(layout.firstPromptBottom).toBeLessThanOrEqual(844);

      await trayItem(page, 'web', 'lead').getByRole('button', { name: 'Yes' }).tap().catch(async () => {
        // tap() needs a touch-enabled context; a click is the same single action.
        await trayItem(page, 'web', 'lead').getByRole('button', { name: 'Yes' }).click();
      });
      await waitFor(() => hub.events('web', 'lead', 'approval').length === 1, 5000, 'lead approved');
      expect(hub.events('web', 'lead', 'approval')).toEqual([{ type: 'approval', option: 1 }]);
      await until(title, (t) => t === '(1) agent-boss', 'title back to one waiting', 10_000);
      await trayItem(page, 'web', 'api').getByRole('button', { name: 'No' }).click();
      await until(title, (t) => t === 'agent-boss', 'title with none waiting', 10_000);
      await expectCount(page.locator('#tray-list li'), 0, 10_000);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    expect(browser.errors).toEqual([]);
  });
});
