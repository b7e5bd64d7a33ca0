/**
 * A mixed team end to end: the real Claude Code, Codex CLI and Gemini CLI (each offline against its
 * fake model, each with a private HOME) in one space on one private tmux server, with the hub
 * (`agent-boss serve`) and an operator MCP client on one data dir. Registered without agent_kind,
 * each is recognised; one list_liveness shows all three with their program and state; each is
 * brought to a shell-command permission prompt; the dashboard's tray in real Chromium approves one
 * prompt of each, and each command really runs. A plain shell joins them (guessed "shell"), and the
 * dashboard's Interrupt stops each with its program's key: Escape for Codex, Ctrl-C for the shell.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, expectContains, expectCount, expectText, expectVisible, launchBrowser, trayItem, until, type TestBrowser } from '../browser/browser.js';
import { startFakeModel, textTurn, toolTurn, type FakeModel } from '../fixtures/fake-model.js';
import { startFakeResponses, type FakeResponses } from '../fixtures/fake-responses.js';
import { routerLine, shellLine, textLine, writeFakeResponses } from '../fixtures/fake-gemini.js';
import { startClaudeCode } from '../helpers/claude-code.js';
import { startCodex } from '../helpers/codex.js';
import { textOf } from '../helpers/core.js';
import { startGemini } from '../helpers/gemini.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer } from '../helpers/tmux.js';
import { startTui, type TuiSession } from '../helpers/tui-program.js';

const SPACE = 'team';

interface Row {
  agent: string;
  agent_kind: string;
  state: string;
  needs_approval: boolean;
  tool_name?: string;
  prompt_text?: string;
  prompt_id?: string;
}

/** Each member: its agent name, its program's kind, the command it is asked to run and the tool it shows. */
const MEMBERS = [
  { agent: 'claude', kind: 'claude-code', file: 'from-claude.txt', tool: 'Bash' },
  { agent: 'codex', kind: 'codex', file: 'from-codex.txt', tool: 'Bash' },
  { agent: 'gemini', kind: 'gemini', file: 'from-gemini.txt', tool: 'run_shell_command' },
] as const;
type Member = (typeof MEMBERS)[number];

describe('a mixed team: Claude Code, Codex and Gemini in one space', { timeout: 120_000 }, () => {
  const closers: (() => Promise<unknown> | unknown)[] = [];
  let claudeModel: FakeModel;
  let codexModel: FakeResponses;
  let hub: RunningServer;
  let client: Awaited<ReturnType<typeof stdioClient>>;
  let browser: TestBrowser;
  let page: Page;
  const tuis = new Map<string, TuiSession>();
  let shell: TuiSession;

  beforeAll(async () => {
    try {
      const tmux = await createTmuxServer();
      closers.push(() => tmux.kill());
      const tmp = tempDir('boss-team-');
      closers.push(() => tmp.cleanup());
      claudeModel = await startFakeModel();
      closers.push(() => claudeModel.close());
      codexModel = await startFakeResponses();
      closers.push(() => codexModel.close());
      // Gemini's replay is strict: the router's answer, then each model call of the test in order.
      const geminiFile = join(tmp.dir, 'gemini-responses.jsonl');
      writeFakeResponses(geminiFile, [routerLine(), shellLine('touch from-gemini.txt'), textLine('Finished gemini.')]);
      const started = await Promise.allSettled([
        startClaudeCode({ modelUrl: claudeModel.url, tmux, session: 'team-claude' }),
        startCodex({ modelUrl: codexModel.url, tmux, session: 'team-codex' }),
        startGemini({ responsesFile: geminiFile, tmux, session: 'team-gemini' }),
      ]);
      started.forEach((s, i) => {
        if (s.status === 'fulfilled') {
          tuis.set(MEMBERS[i]!.agent, s.value);
          closers.push(() => s.value.stop());
        }
      });
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      shell = await startTui({
        label: 'shell',
        argv: ['bash', '--norc', '--noprofile'],
        env: (home) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PS1: 'work$ ', LANG: 'C.UTF-8' }),
        tmux,
        session: 'team-shell',
        width: 80,
        height: 24,
        ready: (screen) => screen.trimEnd().endsWith('work$'),
      });
      closers.push(() => shell.stop());
      hub = await startServer({ tmuxSocket: tmux.socketName });
      closers.push(() => hub.stop());
      client = await stdioClient(['--data-dir', hub.dataDir, '--tmux-socket', tmux.socketName, '--space', SPACE]);
      closers.push(() => client.close());
      browser = await launchBrowser();
      closers.push(() => browser.close());
    } catch (err) {
      for (const c of closers.splice(0).reverse()) await c();
      throw err;
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  const tui = (m: Member) => tuis.get(m.agent)!;
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await client.call(name, args);
    expect(r.isError, `${name} failed: ${textOf(r)}`).toBeFalsy();
    return r;
  };
  const rows = async (): Promise<Record<string, Row>> => {
    const agents = ((await call('list_liveness', { space: SPACE })).structuredContent as { agents: Row[] }).agents;
    return Object.fromEntries(agents.map((r) => [r.agent, r]));
  };
  /** Polls list_liveness until one answer satisfies `pred` for the whole team. */
  async function waitForRows(pred: (rows: Record<string, Row>) => boolean, what: string, timeoutMs = 30_000): Promise<Record<string, Row>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await rows();
      if (pred(now)) return now;
      if (Date.now() > deadline) {
        const screens = await Promise.all(MEMBERS.map(async (m) => `--- ${m.agent}:\n${(await tui(m).capture()).join('\n')}`));
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; rows ${JSON.stringify(now)}\n${screens.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const all = (state: string) => (r: Record<string, Row>) => MEMBERS.every((m) => r[m.agent]?.state === state);

  it('registered without agent_kind, each program and a plain shell is recognised, and one list_liveness shows each idle with its agent_kind', async () => {
    for (const m of MEMBERS) {
      const r = await call('register_session', { agent: m.agent, session_id: tui(m).session });
      const out = r.structuredContent as { agent_kind?: string; warnings?: string[] };
      // Claude Code is the default kind: nothing to say; the others are named in the answer.
      if (m.kind === 'claude-code') expect(out.warnings?.join(' ') ?? '').not.toMatch(/agent_kind/u);
      else expect(out.warnings?.join(' ')).toContain(`agent_kind: guessed ${m.kind}`);
    }
    const sh = (await call('register_session', { agent: 'shell', session_id: shell.session })).structuredContent as { agent_kind?: string };
    expect(sh.agent_kind).toBe('shell');
    const now = await waitForRows((r) => all('idle')(r) && r.shell?.state === 'idle', 'all four idle');
    for (const m of MEMBERS) expect(now[m.agent]).toMatchObject({ agent_kind: m.kind, state: 'idle', needs_approval: false });
    expect(now.shell).toMatchObject({ agent_kind: 'shell', state: 'idle', needs_approval: false });
  });

  it('each at a shell-command permission prompt: one list_liveness shows all three waiting, with tool and command', async () => {
    claudeModel.script(toolTurn('Bash', { command: 'touch from-claude.txt', description: 'Create a file' }), textTurn('Finished claude.'));
    codexModel.script({ text: 'Running it.', command: 'touch from-codex.txt', escalate: true }, { text: 'Finished codex.' });
    for (const m of MEMBERS) await call('send_input', { agent: m.agent, text: `please create ${m.file}` });
    // A dialog is drawn in steps: take the prompts once two answers in a row agree on every id.
    let last: Record<string, Row> | undefined;
    const now = await waitForRows((r) => {
      const waiting = all('waiting_approval')(r);
      const steady = waiting && last !== undefined && MEMBERS.every((m) => last![m.agent]?.prompt_id === r[m.agent]!.prompt_id);
      last = r;
      return steady;
    }, 'all three waiting for approval, holding still');
    for (const m of MEMBERS) {
      expect(now[m.agent]).toMatchObject({ agent_kind: m.kind, needs_approval: true, tool_name: m.tool });
      expect(now[m.agent]!.prompt_text).toBe(`touch ${m.file}`);
      expect(existsSync(join(tui(m).workDir, m.file))).toBe(false);
    }
  });

  it("the dashboard's tray shows the three prompts, and Yes on each runs each command", async () => {
    page = await browser.newPage();
    await page.goto(loginLink(hub));
    await expectCount(page.locator('#tray-list li'), 3, 15_000);
    await expectText(page.locator('#tray-count'), '3');
    const before = await rows();
    const seqs = { claude: claudeModel.lastSeq(), codex: codexModel.lastSeq() };
    for (const m of MEMBERS) {
      await expectText(card(page, SPACE, m.agent).locator('.program'), m.kind);
      const item = trayItem(page, SPACE, m.agent);
      await expectText(item.locator('.tool'), m.tool);
      await expectText(item.locator('.subject'), `touch ${m.file}`);
      await until(() => item.getAttribute('data-prompt-id'), (id) => id === before[m.agent]!.prompt_id, `the tray's prompt id of ${m.agent}`);
    }
    for (const m of MEMBERS) {
      const item = trayItem(page, SPACE, m.agent);
      await item.getByRole('button', { name: 'Yes' }).click();
      await until(async () => existsSync(join(tui(m).workDir, m.file)), Boolean, `${m.file} made by ${m.agent}`, 20_000);
      await expectCount(item, 0, 15_000);
      await expectContains(card(page, SPACE, m.agent).locator('.result'), `answered "yes" to ${m.tool}`);
    }
    await expectVisible(page.locator('#tray-empty'));
    // Each program got its command's result and finished its turn.
    const claudeResult = await claudeModel.waitForRequest((r) => r.toolResults.length > 0, { afterSeq: seqs.claude, what: 'the Bash result' });
    expect(claudeResult.toolResults[0]).toMatchObject({ isError: false });
    const codexResult = await codexModel.waitForRequest((r) => r.functionOutputs.length > 0, { afterSeq: seqs.codex, what: 'the command output' });
    expect(codexResult.functionOutputs.at(-1)!.output).not.toMatch(/rejected|declined/iu);
    await tui(MEMBERS[0]).waitForScreen((s) => s.includes('Finished claude.'), 'Claude Code after its command');
    await tui(MEMBERS[1]).waitForScreen((s) => s.includes('Finished codex.'), 'Codex after its command');
    await tui(MEMBERS[2]).waitForScreen((s) => s.includes('Finished gemini.'), 'Gemini after its command');
    const after = await waitForRows(all('idle'), 'all three idle after the answers');
    for (const m of MEMBERS) expect(after[m.agent]).toMatchObject({ agent_kind: m.kind, needs_approval: false });
    expect(browser.errors).toEqual([]);
  });

  it("the dashboard's Interrupt stops each with its program's key: Escape for Codex, Ctrl-C for the shell", async () => {
    codexModel.script({ text: 'Too late.', delayMs: 20_000 });
    await call('send_input', { agent: 'codex', text: 'think for a long time' });
    await call('send_input', { agent: 'shell', text: 'sleep 30' });
    await waitForRows((r) => r.codex?.state === 'working' && r.shell?.state === 'working', 'Codex and the shell working');
    for (const agent of ['codex', 'shell']) {
      const c = card(page, SPACE, agent);
      await expectText(c.locator('.badge'), 'working', 10_000);
      await c.getByRole('button', { name: 'Interrupt' }).click();
      await expectText(c.locator('.result'), 'interrupted', 10_000);
    }
    await waitForRows((r) => r.codex?.state === 'idle' && r.shell?.state === 'idle', 'both idle after the interrupts');
    expect((await tui(MEMBERS[1]).capture()).join('\n')).toMatch(/Conversation interrupted/u);
    const screen = (await shell.capture()).join('\n');
    expect(screen).toContain('^C');
    expect(screen).not.toContain('^[');
    expect(browser.errors).toEqual([]);
  });
});

/** The one-time login link `serve` printed (the dashboard signed in as the operator). */
function loginLink(hub: RunningServer): string {
  const url = /^\s*login\s+(\S+\/login\?code=\S+)/mu.exec(hub.stderr())?.[1];
  if (url === undefined) throw new Error(`serve printed no login link:\n${hub.stderr()}`);
  return url;
}
