/**
 * approve on the real Claude Code: the fake model's next request carries the tool result, and for
 * Bash the file really appears. One Claude Code start per describe block; every test leaves it idle.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deferredToolTurns, toolTurn, textTurn } from '../fixtures/fake-model.js';
import { textOf } from '../helpers/core.js';
import { benchPerBlock, startBench, type Bench, AGENT } from './harness.js';
import { clearInput, COLOUR_QUESTION, submitPrompt } from './scenarios.js';

type ApproveOut = { decision: string; tool_name?: string; prompt_id?: string; chosen?: { number: number; label: string }; cleared: boolean };

describe('approve on real Claude Code (manual mode)', { timeout: 60_000 }, () => {
  let b: Bench;
  benchPerBlock((bench) => (b = bench), { resetToIdle: true });

  /** Scripts a tool call, submits a prompt and waits until list_liveness shows the dialog. */
  async function ask(prompt: string, ...turns: Parameters<Bench['model']['script']>) {
    // A declined dialog ends the turn without another request: drop what it left queued.
    b.model.clearScript();
    b.model.script(...turns, textTurn(`done with ${prompt}`));
    const seq = b.model.lastSeq();
    await submitPrompt(b.cc, prompt);
    await b.model.requestContaining(prompt, { afterSeq: seq });
    // A dialog is drawn in steps (an Edit's diff after its header): take its id once it holds
    // still, as an operator reads a dialog once it is drawn (a changed id is refused, by design).
    let row = await b.waitForRow((r) => r.state === 'waiting_approval', `a dialog for "${prompt}"`);
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const again = await b.waitForRow((r) => r.state === 'waiting_approval', `the dialog for "${prompt}" still shown`);
      if (again.prompt_id === row.prompt_id) return again;
      row = again;
    }
    return row;
  }
  async function approve(args: Record<string, unknown>) {
    const seq = b.model.lastSeq();
    const r = await b.call('approve', { agent: AGENT, ...args });
    return { out: r.structuredContent as ApproveOut, text: textOf(r), seq };
  }
  /** The request that answers a tool call (it carries a tool_result). */
  const resultAfter = (seq: number) => b.model.waitForRequest((r) => r.toolResults.length > 0, { afterSeq: seq, what: 'with a tool result' });
  const idle = () => b.waitForRow((r) => r.state === 'idle', 'idle again');

  it('yes on Bash runs the command: the file appears and the model gets the result', async () => {
    const row = await ask('make file yes', toolTurn('Bash', { command: 'touch yes.txt', description: 'Create a file' }));
    expect(row.tool_name).toBe('Bash');
    expect(row.prompt_text).toContain('touch yes.txt');
    const { out, seq } = await approve({ decision: 'yes', prompt_id: row.prompt_id });
    expect(out).toMatchObject({ decision: 'yes', tool_name: 'Bash', prompt_id: row.prompt_id, cleared: true, chosen: { number: 1, label: 'Yes' } });
    const req = await resultAfter(seq);
    expect(req.toolResults[0]).toMatchObject({ isError: false });
    expect(existsSync(join(b.cc.workDir, 'yes.txt'))).toBe(true);
    await idle();
  });

  it('no on Bash refuses: no file, the model gets the rejection', async () => {
    const row = await ask('make file no', toolTurn('Bash', { command: 'touch no.txt', description: 'Create a file' }));
    const { out } = await approve({ decision: 'no', prompt_id: row.prompt_id });
    expect(out).toMatchObject({ decision: 'no', cleared: true, chosen: { number: 4, label: 'No' } });
    await idle();
    expect(existsSync(join(b.cc.workDir, 'no.txt'))).toBe(false);
    // "No" without a reason ends the turn; the rejection reaches the model with the next prompt.
    b.model.clearScript();
    b.model.script(textTurn('understood'));
    const seq = b.model.lastSeq();
    await submitPrompt(b.cc, 'after the refusal');
    const req = await b.model.requestContaining('after the refusal', { afterSeq: seq });
    const rejected = (req.body.messages ?? []).flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((c) => c.type === 'tool_result' && c.is_error === true);
    expect(rejected.length).toBeGreaterThan(0);
    await idle();
  });

  it('a stale prompt_id sends nothing', async () => {
    const first = await ask('stale one', toolTurn('Bash', { command: 'touch stale-a.txt', description: 'Create a file' }));
    const stale = first.prompt_id!;
    await approve({ decision: 'no', prompt_id: stale });
    await idle();
    const second = await ask('stale two', toolTurn('Bash', { command: 'touch stale-b.txt', description: 'Create a file' }));
    expect(second.prompt_id).not.toBe(stale);
    const seq = b.model.lastSeq();
    const r = await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: stale }, true);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/not the one expected.*nothing was sent/is);
    // Still waiting on the same dialog, nothing reached the model, no file.
    expect(await b.row()).toMatchObject({ state: 'waiting_approval', prompt_id: second.prompt_id });
    expect(b.model.lastSeq()).toBe(seq);
    expect(existsSync(join(b.cc.workDir, 'stale-b.txt'))).toBe(false);
    await approve({ decision: 'no', prompt_id: second.prompt_id });
    await idle();
  });

  it('always on a multi-line Bash command takes its "don\'t ask again for … commands" option', async () => {
    const command = 'mkdir -p always\necho one > always/one.txt';
    const row = await ask('always bash', toolTurn('Bash', { command, description: 'Write a file' }));
    const { out, seq } = await approve({ decision: 'always', prompt_id: row.prompt_id });
    expect(out.chosen?.number).toBe(2);
    expect(out.chosen?.label).toMatch(/don't ask again for mkdir -p always,? and echo one commands/);
    expect(out.cleared).toBe(true);
    await resultAfter(seq);
    expect(readFileSync(join(b.cc.workDir, 'always', 'one.txt'), 'utf8')).toBe('one\n');
    await idle();
  });

  it('always on a one-line Bash command takes "always allow access to <dir>"', async () => {
    const row = await ask('always touch', toolTurn('Bash', { command: 'touch always.txt', description: 'Create a file' }));
    const { out, seq } = await approve({ decision: 'always', prompt_id: row.prompt_id });
    expect(out.chosen?.number).toBe(2);
    expect(out.chosen?.label).toMatch(/always allow access to/);
    await resultAfter(seq);
    expect(existsSync(join(b.cc.workDir, 'always.txt'))).toBe(true);
    await idle();
  });

  it('yes on Edit changes the file; no leaves it', async () => {
    const file = join(b.cc.workDir, 'edit-me.txt');
    writeFileSync(file, 'alpha\nbeta\n');
    let row = await ask('edit yes', toolTurn('Read', { file_path: file }), toolTurn('Edit', { file_path: file, old_string: 'beta', new_string: 'BETA' }));
    expect(row.tool_name).toBe('Edit');
    const yes = await approve({ decision: 'yes', prompt_id: row.prompt_id });
    expect(yes.out.cleared).toBe(true);
    await resultAfter(yes.seq);
    expect(readFileSync(file, 'utf8')).toBe('alpha\nBETA\n');
    await idle();
    row = await ask('edit no', toolTurn('Edit', { file_path: file, old_string: 'alpha', new_string: 'ALPHA' }));
    const no = await approve({ decision: 'no', prompt_id: row.prompt_id });
    expect(no.out.chosen?.label).toBe('No');
    await idle();
    expect(readFileSync(file, 'utf8')).toBe('alpha\nBETA\n');
  });

  it('yes on Write creates the file', async () => {
    const file = join(b.cc.workDir, 'written.txt');
    const row = await ask('write yes', toolTurn('Write', { file_path: file, content: 'written by the fake model\n' }));
    expect(row.tool_name).toBe('Write');
    const { out, seq } = await approve({ decision: 'yes', prompt_id: row.prompt_id });
    expect(out.cleared).toBe(true);
    await resultAfter(seq);
    expect(readFileSync(file, 'utf8')).toBe('written by the fake model\n');
    await idle();
  });

  it('always on Write switches to accept-edits, so the next edit is not asked', async () => {
    const file = join(b.cc.workDir, 'written-always.txt');
    const row = await ask('write always', toolTurn('Write', { file_path: file, content: 'one\n' }));
    const { out, seq } = await approve({ decision: 'always', prompt_id: row.prompt_id });
    expect(out.chosen?.label).toMatch(/accept edits/);
    await resultAfter(seq);
    await idle();
    b.model.clearScript();
    b.model.script(toolTurn('Write', { file_path: join(b.cc.workDir, 'written-always-2.txt'), content: 'two\n' }), textTurn('ok'));
    const s2 = b.model.lastSeq();
    await submitPrompt(b.cc, 'write again');
    await resultAfter(s2);
    expect(readFileSync(join(b.cc.workDir, 'written-always-2.txt'), 'utf8')).toBe('two\n');
    await idle();
    // Back to manual mode for the tests after this one (accept edits → plan → … → manual).
    for (let i = 0; i < 4; i++) {
      const screen = (await b.cc.capture()).join('\n');
      if (/manual mode on/u.test(screen)) break;
      await b.cc.keys('BTab');
      await new Promise((r) => setTimeout(r, 400));
    }
    await b.cc.waitForScreen((s) => /manual mode on/u.test(s), 'manual mode again');
  });

  it('yes, then always on an MCP tool: the model gets the tool result', async () => {
    let row = await ask('mcp yes', ...deferredToolTurns('mcp__boss__list_liveness', {}));
    expect(row.tool_name).toBe('mcp__boss__list_liveness');
    const yes = await approve({ decision: 'yes', prompt_id: row.prompt_id });
    expect(yes.out).toMatchObject({ tool_name: 'mcp__boss__list_liveness', cleared: true });
    const req = await resultAfter(yes.seq);
    expect(req.toolResults[0]?.isError).toBe(false);
    expect(req.toolResults[0]?.text).toContain('"agents"');
    await idle();

    row = await ask('mcp always', ...deferredToolTurns('mcp__boss__list_liveness', { all_spaces: true }));
    const always = await approve({ decision: 'always', prompt_id: row.prompt_id });
    expect(always.out.chosen?.label).toMatch(/don't ask again for boss — List agent liveness commands/);
    await resultAfter(always.seq);
    await idle();

    // "Don't ask again" holds: the same tool now runs without a dialog.
    b.model.clearScript();
    b.model.script(...deferredToolTurns('mcp__boss__list_liveness', {}), textTurn('ran unasked'));
    const s3 = b.model.lastSeq();
    await submitPrompt(b.cc, 'mcp third time');
    const third = await b.model.waitForRequest((r) => r.toolResults.some((t) => t.text.includes('"agents"')), { afterSeq: s3 });
    expect(third.toolResults[0]?.isError).toBe(false);
    await idle();
  });

  it('no on an MCP tool: the model gets no result', async () => {
    const row = await ask('mcp no', ...deferredToolTurns('mcp__boss__report_status', { status: 'active', summary: 'never sent' }));
    expect(row.tool_name).toBe('mcp__boss__report_status');
    const { out } = await approve({ decision: 'no', prompt_id: row.prompt_id });
    expect(out.cleared).toBe(true);
    await idle();
  });

  it('answers a question with option N and names the choice', async () => {
    const row = await ask('ask a question', toolTurn('AskUserQuestion', COLOUR_QUESTION));
    expect(row.tool_name).toBe('AskUserQuestion');
    const bare = await b.call('approve', { agent: AGENT }, true);
    expect(bare.isError).toBe(true);
    expect(textOf(bare)).toMatch(/option N.*1\. Red.*2\. Blue/s);
    const always = await b.call('approve', { agent: AGENT, decision: 'always' }, true);
    expect(always.isError).toBe(true);
    const { out, seq } = await approve({ option: 2, prompt_id: row.prompt_id });
    expect(out.chosen).toEqual({ number: 2, label: 'Blue' });
    expect(out.cleared).toBe(true);
    const req = await resultAfter(seq);
    expect(req.toolResults[0]?.text).toContain('Blue');
    await idle();
  });

  it('nothing pending: approve sends nothing', async () => {
    await clearInput(b.cc);
    const seq = b.model.lastSeq();
    const r = await b.call('approve', { agent: AGENT }, true);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/No pending approval/);
    expect(b.model.lastSeq()).toBe(seq);
  });
});

describe('approve on the folder-trust and plan dialogs', { timeout: 60_000 }, () => {
  it('yes trusts the folder and the prompt appears', async () => {
    const b = await startBench({ trusted: false, width: 80, height: 30 });
    try {
      const row = await b.waitForRow((r) => r.state === 'waiting_approval', 'the trust dialog');
      expect(row.tool_name).toBe('Trust');
      const always = await b.call('approve', { agent: AGENT, decision: 'always' }, true);
      expect(always.isError).toBe(true);
      expect(textOf(always)).toMatch(/No, exit.*Yes, I trust this folder/s);
      const r = await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: row.prompt_id });
      expect(r.structuredContent).toMatchObject({ chosen: { number: 2, label: 'Yes, I trust this folder' }, cleared: true });
      await b.cc.waitForPrompt();
      expect((await b.row()).state).toBe('idle');
    } finally {
      await b.close();
    }
  });

  it('no on the trust dialog exits Claude Code', async () => {
    const b = await startBench({ trusted: false });
    try {
      await b.waitForRow((r) => r.state === 'waiting_approval', 'the trust dialog');
      const r = await b.call('approve', { agent: AGENT, decision: 'no' });
      expect(r.structuredContent).toMatchObject({ chosen: { number: 1, label: 'No, exit' }, cleared: true });
      await b.waitForRow((row) => row.state !== 'waiting_approval', 'the dialog gone');
    } finally {
      await b.close();
    }
  });

  it('ExitPlanMode: always lists the options; yes leaves plan mode', async () => {
    const b = await startBench({ permissionMode: 'plan' });
    try {
      b.model.script(...deferredToolTurns('ExitPlanMode', { plan: 'Do it' }), textTurn('planned'));
      await submitPrompt(b.cc, 'make a plan');
      const row = await b.waitForRow((r) => r.state === 'waiting_approval', 'the plan dialog');
      expect(row.tool_name).toBe('ExitPlanMode');
      const always = await b.call('approve', { agent: AGENT, decision: 'always' }, true);
      expect(always.isError).toBe(true);
      expect(textOf(always)).toMatch(/no "don't ask again" option.*1\. Yes, and switch to default.*2\. No/s);
      const seq = b.model.lastSeq();
      const r = await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: row.prompt_id });
      expect(r.structuredContent).toMatchObject({ tool_name: 'ExitPlanMode', cleared: true, chosen: { number: 1 } });
      await b.model.waitForRequest((q) => q.toolResults.length > 0, { afterSeq: seq });
      await b.cc.waitForScreen((s) => !/plan mode on/u.test(s), 'plan mode off');
    } finally {
      await b.close();
    }
  });
});
