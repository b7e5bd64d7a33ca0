import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { tempDir } from '../helpers/tmp.js';

/** Debian's Chromium; playwright-core drives it and never downloads a browser of its own. */
export const CHROMIUM = process.env.BOSS_CHROMIUM || '/usr/bin/chromium';

/** No sandbox (CI runs as root), no GPU, and nothing that reaches out to the network by itself. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  /** A fresh tab (its own sessionStorage) that fails the test on any page error. */
  newPage(): Promise<Page>;
  /** Uncaught errors and console errors of every page, for assertions. */
  errors: string[];
  close(): Promise<void>;
}

/** Starts headless Chromium on a fresh profile directory; fails (never skips) when it is not installed. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the dashboard's browser tests need it. Install it (apt-get install chromium; .ci/run does) or set BOSS_CHROMIUM to its path.`,
    );
  }
  const profile = tempDir('agent-boss-chromium-');
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile.dir, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
      timeout: 30_000,
    });
  } catch (err) {
    profile.cleanup();
    throw err;
  }
  const errors: string[] = [];
  return {
    context,
    errors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        // A refused request (401 before sign-in, a test holding the stream) logs a console error too.
        if (msg.type() === 'error' && !/Failed to load resource|net::ERR_/.test(msg.text())) errors.push(`console: ${msg.text()}`);
      });
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      profile.cleanup();
    },
  };
}

/** `article` of one agent's card on the dashboard. */
export const card = (page: Page, space: string, agent: string) => page.locator(`section.space[data-space="${space}"] article[data-agent="${agent}"]`);
export const trayItem = (page: Page, space: string, agent: string) => page.locator(`#tray-list li[data-space="${space}"][data-agent="${agent}"]`);

/**
 * Polls `read` until `ok` holds (playwright-core has no web-first assertions of its own); fails
 * with the last value seen.
 */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Texts of every element the locator matches now (no waiting). */
const texts = (loc: Locator) => loc.allTextContents();

export const expectText = (loc: Locator, want: string | RegExp, timeoutMs?: number) =>
  until(() => texts(loc), (t) => t.length === 1 && (typeof want === 'string' ? t[0] === want : want.test(t[0]!)), `text of ${loc} should be ${want}`, timeoutMs);
export const expectTexts = (loc: Locator, want: string[], timeoutMs?: number) =>
  until(() => texts(loc), (t) => JSON.stringify(t) === JSON.stringify(want), `texts of ${loc} should be ${JSON.stringify(want)}`, timeoutMs);
export const expectContains = (loc: Locator, part: string, timeoutMs?: number) =>
  until(() => texts(loc), (t) => t.length === 1 && t[0]!.includes(part), `text of ${loc} should contain ${JSON.stringify(part)}`, timeoutMs);
export const expectCount = (loc: Locator, n: number, timeoutMs?: number) => until(() => loc.count(), (c) => c === n, `count of ${loc} should be ${n}`, timeoutMs);
export const expectAttr = (loc: Locator, name: string, value: string, timeoutMs?: number) =>
  until(async () => ((await loc.count()) === 1 ? loc.getAttribute(name) : null), (v) => v === value, `${name} of ${loc} should be ${value}`, timeoutMs);
export const expectVisible = (loc: Locator, visible = true, timeoutMs?: number) =>
  until(async () => (await loc.count()) === 1 && (await loc.isVisible()), (v) => v === visible, `${loc} should be ${visible ? 'visible' : 'hidden'}`, timeoutMs);
