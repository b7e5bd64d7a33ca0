/**
 * Headless Claude Code over the Agent Client Protocol (claude-agent-acp, pinned, offline against the
 * fake Messages API), driven through the hub's MCP tools with backend "acp": spawn with the ignite
 * prompt, the agent-boss MCP server it is given (bound to it), exact states in list_liveness (source "acp"), a Bash permission request approved once,
 * refused, and an "always" the request does not offer, approval rules, a second prompt queued behind a running
 * turn and sent exactly once, an interrupt in the middle of a streaming answer, a hub restart while a
 * permission request is pending, and a runner that ended resumed with session/load.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferredToolTurns, startFakeModel, textTurn, toolTurn, type FakeModel, type RecordedRequest } from '../fixtures/fake-model.js';
import { claudeAcpEnv, startAcpHub, type AcpHub } from '../helpers/acp.js';
import { waitForExit } from '../helpers/process-exit.js';

const AGENT = 'headless';

/**
 * A turn of the conversation: Claude Code also asks the model for a title and, after a turn, for a
 * suggestion of the user's next message; those must not take the scripted turns.
 */
const asked = (text: string) => ({ when: (r: RecordedRequest) => (r.body.tools?.length ?? 0) > 0 && r.lastUserText.includes(text) });
const afterTool = { when: (r: RecordedRequest) => r.toolResults.length > 0 };

describe('claude-agent-acp as a headless agent (backend acp)', { timeout: 90_000 }, () => {
  let model: FakeModel;
  let hub: AcpHub;
  beforeAll(async () => {
    model = await startFakeModel();
    hub = await startAcpHub({ env: claudeAcpEnv(model.url) });
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
    await model?.close();
  }, 60_000);

  it('spawns with the ignite prompt as its first turn and is idle from the protocol', async () => {
    model.script(textTurn('Ready for work.', { when: (r) => (r.body.tools?.length ?? 0) > 0 && !r.lastUserText.includes('SUGGESTION MODE') }));
    const res = await hub.ok('spawn_agent', { agent: AGENT, work_dir: hub.work, backend: 'acp', agent_kind: 'claude-code' });
    expect(res).toMatchObject({ backend: 'acp', agent_kind: 'claude-code', ready: true, ignited: true });
    const row = await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('Ready for work.'), 'idle after the ignite turn');
    expect(row).toMatchObject({ backend: 'acp', source: 'acp', exists: true, needs_approval: false });
    expect(hub.runnerPids()).toHaveLength(1);
  });

  it('uses the agent-boss MCP server it was given, bound to itself: its report reaches the hub', async () => {
    const tool = 'mcp__agent-boss__report_status';
    const [search, call] = deferredToolTurns(tool, { status: 'active', summary: 'reporting over ACP' });
    model.script({ ...search!, ...asked('report your status') }, { ...call!, when: (r) => r.toolResults.length > 0 && JSON.stringify(r.body.messages).includes('report your status') && !JSON.stringify(r.body.messages).includes('reporting over ACP') }, textTurn('Reported.', { when: (r) => r.toolResults.length > 0 && JSON.stringify(r.body.messages).includes('reporting over ACP') }));
    await hub.ok('send_input', { agent: AGENT, text: 'report your status' });
    // Calling an MCP tool asks for permission in the default mode: the request names it.
    const row = await hub.waitForRow(AGENT, (r) => r.state === 'waiting_approval', 'the permission request of the MCP call');
    expect(row).toMatchObject({ tool_name: tool, source: 'acp' });
    await hub.ok('approve', { agent: AGENT, decision: 'yes' });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('Reported.'), 'idle after the report');
    const agent = (await hub.ok('list_liveness', {})).agents as { agent: string; status: string; summary: string }[];
    expect(agent.find((a) => a.agent === AGENT)).toMatchObject({ status: 'active', summary: 'reporting over ACP' });
  });

  const askBash = async (file: string, reply: string) => {
    model.script(toolTurn('Bash', { command: `touch ${file}`, description: `make ${file}` }, asked(`please make ${file}`)), textTurn(reply, afterTool));
    await hub.ok('send_input', { agent: AGENT, text: `please make ${file}` });
    const row = await hub.waitForRow(AGENT, (r) => r.state === 'waiting_approval', `the permission request for ${file}`);
    expect(row).toMatchObject({ source: 'acp', needs_approval: true, tool_name: 'Bash', prompt_text: `touch ${file}` });
    expect(row.tool_input).toMatchObject({ command: `touch ${file}` });
    return row;
  };

  it('a Bash permission request approved once runs the command, and the answer is in capture_output', async () => {
    const row = await askBash('once.txt', 'Made once.txt.');
    const res = await hub.ok('approve', { agent: AGENT, decision: 'yes', prompt_id: row.prompt_id });
    expect(res).toMatchObject({ decision: 'yes', cleared: true, tool_name: 'Bash', chosen: { number: 1, label: 'Yes' } });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('Made once.txt.'), 'idle after the tool');
    expect(existsSync(join(hub.work, 'once.txt'))).toBe(true);
    const lines = (await hub.ok('capture_output', { agent: AGENT, lines: 20 })).lines as string[];
    expect(lines).toContain('❯ please make once.txt');
    expect(lines.some((l) => l.startsWith('⏺ touch once.txt [completed]'))).toBe(true);
    expect(lines.at(-1)).toBe('Made once.txt.');
  });

  it('"always" is refused with the options the request offers, nothing answered; "no" refuses the command', async () => {
    await askBash('refused.txt', 'Understood, not made.');
    const always = await hub.call('approve', { agent: AGENT, decision: 'always' });
    expect(always.isError).toBe(true);
    expect(JSON.stringify(always.content)).toContain('1. Yes (allow_once), 2. No (reject_once)');
    await hub.waitForRow(AGENT, (r) => r.state === 'waiting_approval', 'still waiting');
    const res = await hub.ok('approve', { agent: AGENT, decision: 'no' });
    expect(res).toMatchObject({ decision: 'no', cleared: true, chosen: { number: 2, label: 'No' } });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle', 'idle after the refusal');
    expect(existsSync(join(hub.work, 'refused.txt'))).toBe(false);
    const refusal = model.requests.findLast((r) => r.toolResults.length > 0);
    expect(refusal?.toolResults[0]?.isError).toBe(true);
  });

  it('approval rules answer its permission requests (allow runs the command, deny refuses it), logged as decided by the rule', async () => {
    const allow = await hub.ok('set_approval_rule', { space: 'default', tool: 'Bash', pattern: 'touch ruled-*', decision: 'allow' });
    await hub.ok('set_approval_rule', { space: 'default', tool: 'Bash', pattern: 'rm *', decision: 'deny' });
    model.script(toolTurn('Bash', { command: 'touch ruled-1.txt', description: 'by rule' }, asked('make ruled-1')), textTurn('Ruled file made.', afterTool));
    await hub.ok('send_input', { agent: AGENT, text: 'make ruled-1' });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('Ruled file made.'), 'idle without asking');
    expect(existsSync(join(hub.work, 'ruled-1.txt'))).toBe(true);
    model.script(toolTurn('Bash', { command: 'rm once.txt', description: 'remove' }, asked('remove once')), textTurn('Not removed.', afterTool));
    await hub.ok('send_input', { agent: AGENT, text: 'remove once' });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('Not removed.'), 'idle after the denial');
    expect(existsSync(join(hub.work, 'once.txt'))).toBe(true);
    const decisions = (await hub.ok('list_approval_decisions', { space: 'default', agent: AGENT })).decisions as { decided_by: string; decision: string; subject: string; rule_id?: number }[];
    expect(decisions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ decided_by: 'rule', decision: 'allow', subject: 'touch ruled-1.txt', rule_id: (allow.rule as { id: number }).id }),
        expect.objectContaining({ decided_by: 'rule', decision: 'deny', subject: 'rm once.txt' }),
      ]),
    );
    const lines = (await hub.ok('capture_output', { agent: AGENT, lines: 20 })).lines as string[];
    expect(lines.some((l) => l.includes('touch ruled-1.txt: Yes (allowed by approval rule'))).toBe(true);
  });

  it('a second prompt sent while a turn runs is queued and sent once, after the first', async () => {
    const from = model.lastSeq();
    model.script(textTurn('first answer, slowly streamed', { chunkDelayMs: 150, chunkChars: 3, ...asked('first question') }), textTurn('second answer', asked('second question')));
    await hub.ok('send_input', { agent: AGENT, text: 'first question' });
    await model.waitForRequest(asked('first question').when, { afterSeq: from, timeoutMs: 30_000 });
    await hub.waitForRow(AGENT, (r) => r.state === 'working', 'working on the first');
    await hub.ok('send_input', { agent: AGENT, text: 'second question' });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('second answer'), 'both answered', 60_000);
    // The conversation's requests (Claude Code's own title requests offer no tools).
    const turns = model.requests.filter((r) => r.seq > from && (r.body.tools?.length ?? 0) > 0);
    expect(turns.filter((r) => r.lastUserText.includes('second question'))).toHaveLength(1);
    const first = turns.find((r) => r.lastUserText.includes('first question'))!;
    const second = turns.find((r) => r.lastUserText.includes('second question'))!;
    expect(second.seq).toBeGreaterThan(first.seq);
    // The second went out only once the first had been answered in full.
    expect(second.at).toBeGreaterThan(first.endedAt ?? Infinity);
  });

  it('interrupt in the middle of a streaming answer cancels the turn: idle at once, the stream aborted', async () => {
    const from = model.lastSeq();
    model.script(textTurn('a very long answer '.repeat(40), { chunkDelayMs: 100, chunkChars: 4, ...asked('talk for a long time') }));
    await hub.ok('send_input', { agent: AGENT, text: 'talk for a long time' });
    await model.waitForRequest(asked('talk for a long time').when, { afterSeq: from, timeoutMs: 30_000 });
    await hub.waitForRow(AGENT, (r) => r.state === 'working' && (r.last_line ?? '').includes('a very'), 'streaming');
    const res = await hub.ok('interrupt', { agent: AGENT });
    expect(res).toMatchObject({ stopped: true });
    const row = await hub.waitForRow(AGENT, (r) => r.state === 'idle', 'idle after the interrupt', 5_000);
    expect(row.source).toBe('acp');
    // Claude Code closes the model's stream when it ends the turn.
    // The conversation's request (Claude Code's title request holds the same text and is never cut).
    const streamed = await model.waitForRequest(asked('talk for a long time').when, { afterSeq: from });
    for (const deadline = Date.now() + 5_000; !streamed.aborted && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    expect(streamed.aborted).toBe(true);
    const lines = (await hub.ok('capture_output', { agent: AGENT, lines: 5 })).lines as string[];
    expect(lines.at(-1)).toBe('· turn ended: cancelled');
    const again = await hub.ok('interrupt', { agent: AGENT });
    expect(again).toMatchObject({ nothing_to_interrupt: true });
  });

  it('a hub restart while a permission request is pending loses nothing: the new hub shows it and approves it', async () => {
    const before = await askBash('restart.txt', 'Made restart.txt after the restart.');
    const runners = hub.runnerPids();
    await hub.restartHub();
    const row = await hub.waitForRow(AGENT, (r) => r.state === 'waiting_approval', 'the same request after the restart');
    expect(row).toMatchObject({ prompt_id: before.prompt_id, prompt_text: 'touch restart.txt', source: 'acp' });
    expect(hub.runnerPids()).toEqual(runners);
    await hub.ok('approve', { agent: AGENT, decision: 'yes', prompt_id: before.prompt_id });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('after the restart'), 'idle after the approval');
    expect(existsSync(join(hub.work, 'restart.txt'))).toBe(true);
  });

  it('a runner that ended (a shutdown) reads gone with the reason; send_input resumes the conversation with session/load', async () => {
    const [pid] = hub.runnerPids();
    process.kill(pid!, 'SIGTERM');
    await waitForExit(pid!, 10_000);
    const gone = await hub.waitForRow(AGENT, (r) => r.state === 'gone', 'gone');
    expect(gone).toMatchObject({ exists: false, source: 'acp' });
    expect(gone.last_line).toContain('session/load');
    const from = model.lastSeq();
    model.script(textTurn('Back again.', asked('are you back')));
    await hub.ok('send_input', { agent: AGENT, text: 'are you back?' });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('Back again.'), 'idle after the resumed turn', 60_000);
    // The model got the earlier conversation with the new prompt: the session was loaded, not new.
    const req = await model.waitForRequest(asked('are you back').when, { afterSeq: from });
    expect(JSON.stringify(req.body.messages)).toContain('please make once.txt');
    expect(hub.runnerPids()).toHaveLength(1);
    expect(hub.runnerPids()[0]).not.toBe(pid);
  });

  it('stop_agent ends the runner and its agent program', async () => {
    const pids = hub.runnerPids();
    expect(pids).toHaveLength(1);
    const res = await hub.ok('stop_agent', { agent: AGENT });
    expect(res).toMatchObject({ ended: true });
    expect(hub.runnerPids()).toHaveLength(0);
    const row = await hub.waitForRow(AGENT, (r) => r.state === 'missing', 'missing after stop');
    expect(row.exists).toBe(false);
  });
});
