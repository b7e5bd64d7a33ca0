/**
 * The real Claude Code with the hooks that `agent-boss setup hooks --write` installs into the work
 * dir's `.claude/settings.json`: `agent-boss` is a shim on PATH that runs the built CLI, the pane has
 * BOSS_AGENT / BOSS_SPACE / BOSS_DATA_DIR. The operator is the built stdio server over the SDK client
 * (the same data dir and private tmux server).
 *
 * Checked: SessionStart registers the agent by itself; UserPromptSubmit, PreToolUse,
 * PermissionRequest (with the exact command) and Stop reach list_liveness with `source: "hook"`
 * (bounds below); a delivery receipt; an approval rule answering a Bash prompt with no keystroke; and
 * what no hook reports (Escape while streaming, a dialog answered at the terminal) within 2 s from the
 * screen. Latencies are measured by a poller that calls list_liveness every 50 ms; the figures are
 * printed (docs/hooks.md, "Measured on the real Claude Code").
 */
import { execa } from 'execa';
import { chmodSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeModel, textTurn, toolTurn, type FakeModel } from '../fixtures/fake-model.js';
import { claudeCodeSubmits, UNICODE_SAMPLES } from '../fixtures/unicode-text.js';
import { startClaudeCode, type ClaudeCodeSession } from '../helpers/claude-code.js';
import { textOf } from '../helpers/core.js';
import { CLI, stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';
import { escapeToIdle, idlePromptShown, submitPrompt } from './scenarios.js';

const SPACE = 'hooked';
const AGENT = 'hook-dev';
/**
 * Bounds. A hook event is measured twice: from the moment Claude Code had what makes it fire (the
 * Enter key, the end of the model's answer) until list_liveness shows it, which includes Claude Code
 * starting the hook process (Node's start-up dominates: ~300 ms on an idle 2-core machine, up to ~900 ms
 * when other test runs share the cores, so this is asserted at 2 s); and from the hook's own record
 * time (`hook_at`) until list_liveness shows it, asserted at 1 s. What only the screen shows: 2 s.
 * Measured figures: docs/hooks.md.
 */
const HOOK_FIRED_BOUND_MS = 2_000;
const HOOK_WRITTEN_BOUND_MS = 1_000;
const SCREEN_BOUND_MS = 2_000;
const POLL_MS = 50;

interface Row {
  agent: string;
  session_id?: string;
  state: string;
  source: 'hook' | 'screen';
  since: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  subject?: string;
  prompt_id?: string;
  hook_event?: string;
  hook_at?: string;
  screen_state: string;
  conflict?: string;
  activity?: string;
}
interface Sample {
  /** performance.now() when the list_liveness answer arrived. */
  t: number;
  /** Date.now() at the same moment (to compare with hook_at). */
  wall: number;
  row: Row | undefined;
}

/** Measured figures, printed at the end of the file (and recorded in docs/hooks.md). */
const measured: Record<string, number[]> = {};
const record = (what: string, ms: number) => (measured[what] ??= []).push(Math.round(ms));

describe('real Claude Code with agent-boss hooks installed by "setup hooks"', { timeout: 90_000 }, () => {
  let model: FakeModel;
  let tmux: TmuxTestServer;
  let cc: ClaudeCodeSession;
  let op: Awaited<ReturnType<typeof stdioClient>>;
  const dirs: { cleanup: () => void }[] = [];
  let workDir: string;
  let dataDir: string;
  let samples: Sample[] = [];
  let polling = true;
  /** list_liveness calls of the poller that failed (each test must see none). */
  const pollFailures: string[] = [];
  let poller: Promise<void> | undefined;

  const call = async (name: string, args: Record<string, unknown> = {}, allowError = false) => {
    const r = await op.call(name, args);
    if (!allowError) expect(r.isError, `${name} failed: ${textOf(r)}`).toBeFalsy();
    return r;
  };
  const row = async (): Promise<Row | undefined> =>
    ((await call('list_liveness', { space: SPACE })).structuredContent as { agents: Row[] }).agents.find((a) => a.agent === AGENT);

  /** The first sample at or after `from` (performance.now()) for which `pred` holds; waits for it (bounded). */
  async function firstSample(pred: (r: Row) => boolean, from: number, what: string, timeoutMs = 20_000): Promise<Sample> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = samples.find((s) => s.t >= from && s.row !== undefined && pred(s.row));
      if (hit) return hit;
      if (performance.now() > deadline) {
        const last = samples.at(-1)?.row;
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last row ${JSON.stringify(last)}; screen:\n${(await cc.capture()).join('\n')}`);
      }
      await sleep(POLL_MS);
    }
  }
  /** Asserts both hook bounds for a sample, `ref` being when Claude Code had what makes the event fire. */
  function expectHookLatency(name: string, s: Sample, ref: number, refWhat: string): void {
    const fired = s.t - ref;
    const written = s.wall - Date.parse(s.row!.hook_at!);
    record(`${name}: from ${refWhat} to list_liveness`, fired);
    record(`${name}: from the hook's record to list_liveness`, written);
    expect(fired, `${name} reached list_liveness ${Math.round(fired)} ms after ${refWhat}`).toBeLessThan(HOOK_FIRED_BOUND_MS);
    expect(written, `${name} reached list_liveness ${Math.round(written)} ms after the hook recorded it`).toBeLessThan(HOOK_WRITTEN_BOUND_MS);
  }
  const waitIdle = (from = performance.now()) => firstSample((r) => r.state === 'idle', from, 'idle');

  beforeAll(async () => {
    model = await startFakeModel();
    tmux = await createTmuxServer();
    const data = tempDir('boss-hooks-data-');
    const work = tempDir('boss-hooks-work-');
    const bin = tempDir('boss-hooks-bin-');
    dirs.push(data, work, bin);
    dataDir = data.dir;
    workDir = work.dir;
    // `agent-boss` on PATH, as after `npm install -g .`: a shim running the built CLI.
    const shim = join(bin.dir, 'agent-boss');
    writeFileSync(shim, `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(shim, 0o755);
    // The operator's stdio server creates the database (the hook never creates one).
    op = await stdioClient(['--data-dir', dataDir, '--tmux-socket', tmux.socketName, '--space', SPACE]);
    await call('list_liveness');
    // The hooks exactly as `setup hooks --write` installs them for this project.
    const setup = await execa(process.execPath, [CLI, 'setup', 'hooks', '--write', '--project', workDir, '--data-dir', dataDir], { reject: false });
    expect(setup.exitCode, setup.stderr).toBe(0);
    const settings = JSON.parse(readFileSync(join(workDir, '.claude', 'settings.json'), 'utf8')) as { hooks: Record<string, { hooks: { command: string }[] }[]> };
    // This node and this install's cli.js by absolute path, so the hooks run whatever PATH the session has.
    expect(settings.hooks.PermissionRequest?.[0]?.hooks[0]?.command).toBe(`${process.execPath} ${realpathSync(CLI)} hook --data-dir ${dataDir}`);
    cc = await startClaudeCode({
      modelUrl: model.url,
      tmux,
      workDir,
      // The hook's own time limit (250 ms by default, measured in bench/hook.ts) is widened: these
      // tests are about what the events mean, on a test machine that runs other suites alongside.
      env: { PATH: `${bin.dir}:${process.env.PATH ?? '/usr/bin:/bin'}`, BOSS_AGENT: AGENT, BOSS_SPACE: SPACE, BOSS_DATA_DIR: dataDir, BOSS_HOOK_TIMEOUT_MS: '2000' },
    });
    // Every test reads list_liveness as sampled by this poller.
    poller = (async () => {
      while (polling) {
        try {
          const r = await row();
          samples.push({ t: performance.now(), wall: Date.now(), row: r });
        } catch (err) {
          // Only the client closing at the end may fail a call; any other failure fails the test that saw it.
          if (!polling) break;
          pollFailures.push((err as Error).message);
        }
        await sleep(POLL_MS);
      }
    })();
  }, 120_000);

  afterAll(async () => {
    polling = false;
    await poller;
    const lines = Object.entries(measured).map(([k, v]) => `  ${k}: ${v.join(', ')} ms`);
    if (lines.length > 0) process.stderr.write(`hooks.test.ts measured latencies:\n${lines.join('\n')}\n`);
    await cc?.stop();
    await op?.close();
    await model?.close();
    await tmux?.kill();
    for (const d of dirs) d.cleanup();
  });

  afterEach(async () => {
    if (cc && !(await idlePromptShown(cc))) await escapeToIdle({ cc, model });
    samples = samples.slice(-20);
    // A list_liveness call that failed during the test is a failure of the product, not a gap in the samples.
    const failures = pollFailures.splice(0);
    expect(failures, `list_liveness failed ${failures.length} time(s) while polling`).toEqual([]);
  });

  it('SessionStart registers the agent: it is in list_liveness before any tool call or prompt', async () => {
    const s = await firstSample((r) => r.state === 'idle', 0, 'the auto-registered agent');
    expect(s.row).toMatchObject({ agent: AGENT, session_id: cc.session, source: 'hook', hook_event: 'SessionStart', state: 'idle' });
    // Nothing reached the model: no prompt, no register_session call.
    expect(model.requests).toHaveLength(0);
  });

  it('UserPromptSubmit, PreToolUse, PermissionRequest (exact command) and Stop reach list_liveness promptly with source "hook"', async () => {
    const file = join(workDir, 'approved.txt');
    const touch = `touch ${file}`;
    model.clearScript();
    model.script(
      // Each turn waits 2 s before answering, so every state stands long enough to be sampled.
      toolTurn('Bash', { command: 'sleep 3 && echo slept', description: 'Wait a little' }, { delayMs: 2_000 }),
      toolTurn('Bash', { command: touch, description: 'Create a file' }),
      textTurn('all done', { delayMs: 1_500 }),
    );
    const seq = model.lastSeq();
    await submitPrompt(cc, 'walk through the hook events');
    const enter = performance.now();

    // UserPromptSubmit: from the Enter key (Claude Code runs the hook before it sends the request).
    const submit = await firstSample((r) => r.hook_event === 'UserPromptSubmit', enter, 'UserPromptSubmit');
    expect(submit.row).toMatchObject({ state: 'working', source: 'hook' });
    expectHookLatency('UserPromptSubmit', submit, enter, 'Enter');

    // PreToolUse: from the end of the answer that called the tool (sleep runs without a dialog).
    const first = await model.waitForRequest((r) => r.endedAt !== undefined && r.turn !== undefined, { afterSeq: seq, what: 'the sleep tool call answered' });
    const pre = await firstSample((r) => r.hook_event === 'PreToolUse', first.endedAt!, 'PreToolUse');
    expect(pre.row).toMatchObject({ state: 'working', source: 'hook', activity: 'running Bash' });
    expectHookLatency('PreToolUse', pre, first.endedAt!, 'the tool call');

    // PermissionRequest: from the end of the answer that called `touch`, with the exact command.
    const second = await model.waitForRequest((r) => r.endedAt !== undefined && r.toolResults.length > 0, { afterSeq: first.seq, what: 'the touch tool call answered' });
    expect(second.toolResults[0]?.text).toContain('slept');
    const perm = await firstSample((r) => r.hook_event === 'PermissionRequest', second.endedAt!, 'PermissionRequest');
    expect(perm.row).toMatchObject({ state: 'waiting_approval', source: 'hook', tool_name: 'Bash', subject: touch });
    expect(perm.row!.tool_input).toMatchObject({ command: touch });
    expectHookLatency('PermissionRequest', perm, second.endedAt!, 'the tool call');

    // Answer with approve and the hook's prompt_id; then the last turn ends with Stop.
    await cc.waitForScreen((s) => /^\s*❯ 1\. /mu.test(s), 'the dialog');
    const approved = await call('approve', { agent: AGENT, decision: 'yes', prompt_id: perm.row!.prompt_id });
    expect(approved.structuredContent).toMatchObject({ decision: 'yes', cleared: true });
    const third = await model.waitForRequest((r) => r.toolResults.length > 0, { afterSeq: second.seq, what: 'the touch result' });
    expect(third.toolResults[0]?.isError).toBe(false);
    expect(existsSync(file)).toBe(true);
    const ended = await model.waitForRequest((r) => r.seq === third.seq && r.endedAt !== undefined, { afterSeq: third.seq - 1, what: 'the last answer' });
    const stop = await firstSample((r) => r.hook_event === 'Stop', ended.endedAt!, 'Stop');
    expect(stop.row).toMatchObject({ state: 'idle', source: 'hook' });
    expectHookLatency('Stop', stop, ended.endedAt!, 'the end of the answer');
    // The approve answer is recorded too.
    const decisions = (await call('list_approval_decisions', { space: SPACE, agent: AGENT })).structuredContent as { decisions: { decided_by: string; subject?: string }[] };
    expect(decisions.decisions.find((d) => d.subject === touch)).toMatchObject({ decided_by: 'approve' });
    await cc.waitForPrompt();
  });

  it('send_input with await_receipt answers delivered: true', async () => {
    await waitIdle();
    model.clearScript();
    model.script(textTurn('got the message'));
    const text = 'receipt please: the API is ready';
    const r = await call('send_input', { agent: AGENT, text, await_receipt: true });
    const out = r.structuredContent as { delivered?: boolean; receipt_ms?: number; submitted: boolean };
    expect(out, textOf(r)).toMatchObject({ submitted: true, delivered: true });
    record('delivery receipt (receipt_ms)', out.receipt_ms!);
    await model.requestContaining(text);
    await cc.waitForPrompt();
  });

  it.each([
    ['short', `receipt short: ${Object.values(UNICODE_SAMPLES).join(' ')}`],
    ['long', `receipt long: ${Object.values(UNICODE_SAMPLES).join(' ')} ${'a long message with words to fill it up. '.repeat(30)}${Object.values(UNICODE_SAMPLES).join(' ')}`],
  ])('a %s text that Claude Code composes and strips of zero-width characters still answers delivered: true', async (_, text) => {
    await waitIdle();
    model.clearScript();
    model.script(textTurn('got the message'));
    const r = await call('send_input', { agent: AGENT, text, await_receipt: true });
    expect(r.structuredContent, textOf(r)).toMatchObject({ submitted: true, delivered: true });
    const req = await model.requestContaining(text.slice(0, 20));
    expect(req.lastUserText).toContain(claudeCodeSubmits(text, /<pasted_content/.test(req.lastUserText)).slice(-60));
    await cc.waitForPrompt();
  });

  it('an approval rule answers a Bash prompt with no keystroke, and the decision is recorded', async () => {
    await waitIdle();
    const rule = await call('set_approval_rule', { space: SPACE, tool: 'Bash', pattern: `touch ${workDir}/*`, decision: 'allow' });
    const ruleId = (rule.structuredContent as { rule: { id: number } }).rule.id;
    expect(typeof ruleId, textOf(rule)).toBe('number');
    try {
      const file = join(workDir, 'by-rule.txt');
      model.clearScript();
      model.script(toolTurn('Bash', { command: `touch ${file}`, description: 'Create a file' }), textTurn('made it'));
      const seq = model.lastSeq();
      await submitPrompt(cc, 'make a file the rule allows');
      // No key is sent from here on: the hook answers the PermissionRequest.
      const req = await model.waitForRequest((r) => r.toolResults.length > 0, { afterSeq: seq, what: 'the tool result' });
      expect(req.toolResults[0]).toMatchObject({ isError: false });
      expect(existsSync(file)).toBe(true);
      const decisions = (await call('list_approval_decisions', { space: SPACE, agent: AGENT })).structuredContent as {
        decisions: { decided_by: string; decision: string; rule_id?: number; subject?: string; tool_name?: string }[];
      };
      expect(decisions.decisions[0]).toMatchObject({ decided_by: 'rule', decision: 'allow', rule_id: ruleId, tool_name: 'Bash', subject: `touch ${file}` });
      // Claude Code notes who allowed it.
      await cc.waitForScreen((s) => /Allowed by PermissionRequest hook/u.test(s), 'the hook decision on screen', 10_000);
      await cc.waitForPrompt();
    } finally {
      await call('delete_approval_rule', { id: ruleId });
    }
  });

  it('Escape while streaming (no hook fires) shows idle from the screen within 2 s', async () => {
    await waitIdle();
    model.clearScript();
    model.script(textTurn('A long streamed answer. '.repeat(200), { chunkDelayMs: 150, chunkChars: 5 }));
    const seq = model.lastSeq();
    await submitPrompt(cc, 'stream for a while');
    const req = await model.requestContaining('stream for a while', { afterSeq: seq });
    await firstSample((r) => r.state === 'working' && r.hook_event === 'UserPromptSubmit', req.at - 2_000, 'working');
    // Let the hook event age past the 1 s in which a fresh hook wins over the screen.
    await cc.waitForScreen((s) => s.includes('A long streamed'), 'the answer streaming');
    while (performance.now() - req.at < 1_500) await sleep(50);
    await cc.keys('Escape');
    const esc = performance.now();
    const idle = await firstSample((r) => r.state === 'idle', esc, 'idle after Escape');
    expect(idle.row).toMatchObject({ source: 'screen', screen_state: 'idle' });
    const ms = idle.t - esc;
    record('Escape while streaming → idle (screen)', ms);
    expect(ms, `idle after Escape showed ${Math.round(ms)} ms after the key`).toBeLessThan(SCREEN_BOUND_MS);
    // The hook still says working: the row shows the disagreement.
    expect(idle.row!.conflict, JSON.stringify(idle.row)).toBeTruthy();
    expect(model.requests.find((r) => r.seq === req.seq)?.aborted).toBe(true);
  });

  it('Enter on a dialog at the terminal (no hook until the command ends) shows working from the screen within 2 s', async () => {
    await escapeToIdle({ cc, model });
    await waitIdle();
    const file = join(workDir, 'at-terminal.txt');
    const command = `sleep 6 && touch ${file}`;
    model.clearScript();
    model.script(toolTurn('Bash', { command, description: 'Wait, then create a file' }), textTurn('created'));
    const seq = model.lastSeq();
    await submitPrompt(cc, 'answer this one at the terminal');
    await model.requestContaining('answer this one at the terminal', { afterSeq: seq });
    const perm = await firstSample((r) => r.hook_event === 'PermissionRequest' && r.state === 'waiting_approval', 0, 'the dialog');
    expect(perm.row!.tool_input).toMatchObject({ command });
    await cc.waitForScreen((s) => /^\s*❯ 1\. Yes/mu.test(s), 'the dialog with Yes selected');
    // Past the 1 s of a fresh hook, and past the moment a just-drawn dialog drops keys.
    while (Date.now() - Date.parse(perm.row!.hook_at!) < 1_500) await sleep(50);
    await cc.keys('Enter');
    const enter = performance.now();
    const working = await firstSample((r) => r.state === 'working', enter, 'working after Enter at the terminal');
    expect(working.row).toMatchObject({ source: 'screen', screen_state: 'working', hook_event: 'PermissionRequest' });
    const ms = working.t - enter;
    record('Enter on a dialog at the terminal → working (screen)', ms);
    expect(ms, `working after Enter showed ${Math.round(ms)} ms after the key`).toBeLessThan(SCREEN_BOUND_MS);
    // The command then finishes, and the hooks take over again.
    await model.waitForRequest((r) => r.toolResults.length > 0, { afterSeq: seq, what: 'the command result', timeoutMs: 30_000 });
    expect(existsSync(file)).toBe(true);
    const idle = await waitIdle();
    expect(idle.row).toMatchObject({ source: 'hook' });
    const decisions = (await call('list_approval_decisions', { space: SPACE, agent: AGENT })).structuredContent as { decisions: { decided_by: string; subject?: string }[] };
    expect(decisions.decisions.find((d) => d.subject === command)).toMatchObject({ decided_by: 'terminal' });
  });
});
