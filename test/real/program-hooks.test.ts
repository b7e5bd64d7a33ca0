/**
 * The real Codex CLI and Gemini CLI (pinned, offline against fakes the test owns) with agent-boss
 * set up the way a user does it, by the built CLI: `setup hooks --kind codex|gemini --write` (the
 * program's own hook events reach the hook state) and `setup codex|gemini --write` (the program's
 * own MCP client starts a stdio server bound to agent "dev" and calls register_session and
 * report_status). Checked: the tools' effects, the hook events each program sends, a permission
 * prompt read from its hook (source "hook", exact command) and approved with the hook's prompt id,
 * an approval rule answering through the program's hook (Codex: allow; Gemini: deny), Codex's
 * notify program recording the end of a turn, and Gemini's confirmation of a tool of an untrusted MCP
 * server read from its screen and approved.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callLine, routerLine, shellLine, textLine, writeFakeResponses } from '../fixtures/fake-gemini.js';
import { startFakeResponses, type FakeResponses, type RecordedResponsesRequest } from '../fixtures/fake-responses.js';
import { startCodex } from '../helpers/codex.js';
import { textOf } from '../helpers/core.js';
import { startGemini } from '../helpers/gemini.js';
import { CLI } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteHookStore } from '../../src/store/hooks-store.js';
import { AGENT, SPACE, startProgramBench, type ProgramBench } from './program-bench.js';

/** Runs the built CLI as a user would, with `env` as its whole environment. */
const cli = (args: string[], env: Record<string, string>, cwd: string): string =>
  execFileSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The row follows the hook's `event` and its screen shows the prompt too. */
const hooked = (r: object, event: string): boolean => {
  const x = r as { source?: string; hook_event?: string; screen_state?: string };
  return x.source === 'hook' && x.hook_event === event && x.screen_state === 'waiting_approval';
};

/** The hook events recorded for the agent, oldest first. */
async function hookEvents(dataDir: string): Promise<string[]> {
  const db = openDatabase(join(dataDir, 'boss.db'));
  try {
    return (await new SqliteHookStore(db).recentEvents(SPACE, AGENT, 200)).map((e) => e.event).reverse();
  } finally {
    db.close();
  }
}

/** Waits until the agent's report says `summary`, approving (as the operator) any prompt meanwhile. */
async function waitForReport(b: ProgramBench, summary: string): Promise<void> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const row = (await b.row()) as Awaited<ReturnType<ProgramBench['row']>> & { status?: string; summary?: string };
    if (row.summary === summary && row.status === 'active') return;
    // The program may ask before it calls an MCP tool: the operator allows it.
    if (row.state === 'waiting_approval') await b.call('approve', { agent: AGENT, decision: 'yes' }, true);
    if (Date.now() > deadline) throw new Error(`no report "${summary}"; last row ${JSON.stringify(row)}; screen:\n${(await b.tui.capture()).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('Codex CLI with agent-boss hooks and MCP server set up by the CLI', { timeout: 90_000 }, () => {
  let model: FakeResponses;
  let b: ProgramBench;
  beforeAll(async () => {
    model = await startFakeResponses();
    b = await startProgramBench('codex', (tmux, dataDir) =>
      startCodex({
        modelUrl: model.url,
        tmux,
        width: 120,
        height: 40,
        // The test vets its own hooks; a user trusts them once with /hooks (docs/hooks.md).
        // Codex's notify program (given as a config override): the event is its last argument.
        args: ['--dangerously-bypass-hook-trust', '-c', `notify=${JSON.stringify([process.execPath, CLI, 'hook', '--kind', 'codex', '--data-dir', dataDir])}`],
        setup: (home) => {
          const env = { HOME: home, CODEX_HOME: join(home, '.codex') };
          cli(['setup', 'hooks', '--kind', 'codex', '--write', '--user', '--data-dir', dataDir], env, home);
          cli(['setup', 'codex', '--agent', AGENT, '--space', SPACE, '--data-dir', dataDir, '--tmux-socket', tmux.socketName, '--name', 'boss', '--write'], env, home);
        },
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await model?.close();
  });

  it('calls register_session and report_status through its own MCP client, as agent dev', async () => {
    await b.waitForRow((r) => r.state === 'idle', 'idle');
    // Codex offers a server's MCP tools as a namespace (mcp__<server>) of functions; a call names the tool in it.
    const tool = (name: string) => (req: RecordedResponsesRequest) => {
      const spaces = ((req.body.tools ?? []) as { type?: string; name?: string; tools?: { name?: string }[] }[]).filter((t) => t.type === 'namespace' && t.name === 'mcp__boss');
      if (!spaces[0]?.tools?.some((t) => t.name === name)) throw new Error(`Codex offers no ${name} in mcp__boss: ${JSON.stringify(spaces)}`);
      return name;
    };
    model.script(
      { call: { namespace: 'mcp__boss', name: tool('register_session'), arguments: { agent: AGENT, space: SPACE, session_id: b.tui.session } } },
      { call: { namespace: 'mcp__boss', name: tool('report_status'), arguments: { agent: AGENT, space: SPACE, status: 'active', summary: 'codex reporting through MCP' } } },
      { text: 'Reported.' },
    );
    await b.call('send_input', { agent: AGENT, text: 'report your status' });
    await waitForReport(b, 'codex reporting through MCP');
    const outputs = model.requests.flatMap((r) => r.functionOutputs.map((o) => o.output)).join('\n');
    expect(outputs).toMatch(/"agent":"dev"/);
    expect(outputs).not.toMatch(/No tmux session/);
    await b.waitForRow((r) => r.state === 'idle', 'idle after the report');
  });

  it('its hooks report the turn; a PermissionRequest is read from the hook and approved with its prompt id', async () => {
    // The hooks, and the notify program after the turn.
    const events = await hookEvents(b.dataDir);
    expect(events, events.join(' ')).toEqual(expect.arrayContaining(['SessionStart', 'UserPromptSubmit', 'Stop', 'agent-turn-complete']));
    model.script({ text: 'Running it.', command: 'touch hooked.txt', escalate: true }, { text: 'Finished.' });
    await b.call('send_input', { agent: AGENT, text: 'create hooked.txt' });
    // The hook runs before Codex draws the dialog: the prompt is answered once the screen shows it too.
    const row = await b.waitForRow((r) => r.state === 'waiting_approval' && hooked(r, 'PermissionRequest'), 'the hook-announced prompt on screen');
    expect(row).toMatchObject({ tool_name: 'Bash', subject: 'touch hooked.txt', needs_approval: true });
    const r = await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: row.prompt_id });
    expect(r.structuredContent).toMatchObject({ cleared: true });
    await b.waitForRow((x) => x.state === 'idle', 'idle after the approval');
    expect(existsSync(join(b.tui.workDir, 'hooked.txt'))).toBe(true);
  });

  it('an allow rule answers its PermissionRequest through the hook: no prompt, the command runs, the decision is logged', async () => {
    const rule = await b.call('set_approval_rule', { tool: 'Bash', pattern: 'touch ruled.txt', decision: 'allow' });
    expect(textOf(rule)).toMatch(/allow/);
    model.script({ text: 'Again.', command: 'touch ruled.txt', escalate: true }, { text: 'Done.' });
    await b.call('send_input', { agent: AGENT, text: 'create ruled.txt' });
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(b.tui.workDir, 'ruled.txt'))) {
      expect((await b.row()).state, 'no prompt is shown').not.toBe('waiting_approval');
      if (Date.now() > deadline) throw new Error(`ruled.txt never appeared; screen:\n${(await b.tui.capture()).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const decisions = await b.call('list_approval_decisions', { agent: AGENT, space: SPACE });
    expect((decisions.structuredContent as { decisions: { decided_by: string; decision: string; subject?: string }[] }).decisions[0]).toMatchObject({
      decided_by: 'rule',
      decision: 'allow',
      subject: 'touch ruled.txt',
    });
    await b.waitForRow((x) => x.state === 'idle', 'idle after the ruled command');
  });
});

describe('Gemini CLI with agent-boss hooks and MCP server set up by the CLI', { timeout: 90_000 }, () => {
  let b: ProgramBench;
  const tmp = tempDir('boss-gemini-hooks-');
  beforeAll(async () => {
    const file = join(tmp.dir, 'responses.jsonl');
    b = await startProgramBench('gemini', (tmux, dataDir) => {
      writeFakeResponses(file, [
        routerLine(),
        callLine('mcp_boss_register_session', { agent: AGENT, space: SPACE }),
        callLine('mcp_boss_report_status', { agent: AGENT, space: SPACE, status: 'active', summary: 'gemini reporting through MCP' }),
        textLine('Reported.'),
        routerLine(),
        shellLine('touch hooked.txt'),
        textLine('Finished.'),
        routerLine(),
        shellLine('rm -f nothing.txt'),
        textLine('It was refused.'),
      ]);
      return startGemini({
        responsesFile: file,
        tmux,
        width: 120,
        height: 40,
        setup: (home, workDir) => {
          cli(['setup', 'hooks', '--kind', 'gemini', '--write', '--user', '--data-dir', dataDir], { HOME: home }, home);
          cli(['setup', 'gemini', '--agent', AGENT, '--space', SPACE, '--data-dir', dataDir, '--tmux-socket', tmux.socketName, '--name', 'boss', '--dir', workDir, '--write'], { HOME: home }, workDir);
          // Gemini confirms each MCP tool call unless the server is trusted; the user trusts its own coordination tools.
          const settings = join(workDir, '.gemini', 'settings.json');
          const json = JSON.parse(readFileSync(settings, 'utf8')) as { mcpServers: Record<string, Record<string, unknown>> };
          json.mcpServers.boss!.trust = true;
          writeFileSync(settings, JSON.stringify(json, null, 2));
        },
      });
    });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    tmp.cleanup();
  });

  it('calls register_session and report_status through its own MCP client, as agent dev', async () => {
    await b.waitForRow((r) => r.state === 'idle', 'idle');
    // The stdio server runs in the agent's pane: register_session finds its session by itself.
    await b.call('send_input', { agent: AGENT, text: 'report your status' });
    await waitForReport(b, 'gemini reporting through MCP');
    await b.waitForRow((r) => r.state === 'idle', 'idle after the report');
  });

  it('its hooks report the turn; a ToolPermission notification is the pending prompt, approved with its prompt id', async () => {
    const events = await hookEvents(b.dataDir);
    // Gemini 0.61.0 in its TUI fired no AfterAgent here: the end of a turn is read from the screen.
    expect(events, events.join(' ')).toEqual(expect.arrayContaining(['SessionStart', 'BeforeAgent', 'BeforeTool', 'AfterTool']));
    await b.call('send_input', { agent: AGENT, text: 'create hooked.txt' });
    const row = await b.waitForRow((r) => r.state === 'waiting_approval' && hooked(r, 'Notification'), 'the hook-announced prompt on screen');
    expect(row).toMatchObject({ tool_name: 'run_shell_command', subject: 'touch hooked.txt', needs_approval: true });
    const r = await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: row.prompt_id });
    expect(r.structuredContent).toMatchObject({ cleared: true });
    await b.waitForRow((x) => x.state === 'idle', 'idle after the approval');
    expect(existsSync(join(b.tui.workDir, 'hooked.txt'))).toBe(true);
  });

  it('a deny rule answers BeforeTool through the hook: the command is blocked with no prompt, the decision is logged', async () => {
    await b.call('set_approval_rule', { tool: 'run_shell_command', pattern: 'rm *', decision: 'deny' });
    await b.call('send_input', { agent: AGENT, text: 'remove nothing.txt' });
    await b.tui.waitForScreen((s) => s.includes('It was refused.'), 'the answer after the refusal');
    const decisions = await b.call('list_approval_decisions', { agent: AGENT, space: SPACE });
    expect((decisions.structuredContent as { decisions: { decided_by: string; decision: string; subject?: string }[] }).decisions[0]).toMatchObject({
      decided_by: 'rule',
      decision: 'deny',
      subject: 'rm -f nothing.txt',
    });
    await b.waitForRow((x) => x.state === 'idle', 'idle after the refusal');
  });
});

describe('Gemini CLI with an untrusted agent-boss MCP server', { timeout: 90_000 }, () => {
  let b: ProgramBench;
  const tmp = tempDir('boss-gemini-mcp-confirm-');
  beforeAll(async () => {
    const file = join(tmp.dir, 'responses.jsonl');
    b = await startProgramBench('gemini', (tmux, dataDir) => {
      writeFakeResponses(file, [
        routerLine(),
        callLine('mcp_boss_register_session', { agent: AGENT, space: SPACE }),
        callLine('mcp_boss_report_status', { agent: AGENT, space: SPACE, status: 'active', summary: 'reported after a confirmation' }),
        textLine('Reported.'),
      ]);
      return startGemini({
        responsesFile: file,
        tmux,
        width: 120,
        height: 40,
        // No `trust: true`: Gemini confirms each call of the server's tools.
        setup: (home, workDir) => {
          cli(['setup', 'gemini', '--agent', AGENT, '--space', SPACE, '--data-dir', dataDir, '--tmux-socket', tmux.socketName, '--name', 'boss', '--dir', workDir, '--write'], { HOME: home }, workDir);
        },
      });
    });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    tmp.cleanup();
  });

  it('each MCP tool call waits as waiting_approval naming the tool and its arguments; approve yes lets it run', async () => {
    await b.waitForRow((r) => r.state === 'idle', 'idle');
    await b.call('send_input', { agent: AGENT, text: 'report your status' });
    const first = await b.waitForRow((r) => r.state === 'waiting_approval', 'the confirmation of register_session');
    expect(first).toMatchObject({ tool_name: 'mcp_boss_register_session', prompt_text: '{"agent":"dev","space":"real"}', needs_approval: true });
    expect((await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: first.prompt_id })).structuredContent).toMatchObject({ cleared: true });
    const second = await b.waitForRow((r) => r.state === 'waiting_approval' && r.tool_name === 'mcp_boss_report_status', 'the confirmation of report_status');
    // Gemini cuts long arguments short in the box's header (with "…"): the text is what it shows.
    expect(second.prompt_text).toMatch(/^\{"agent":"dev","space":"real","status":"active","summary":"reported/u);
    // Not reported before the operator allows it.
    expect((await b.row()) as object).not.toMatchObject({ summary: 'reported after a confirmation' });
    expect((await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: second.prompt_id })).structuredContent).toMatchObject({ cleared: true });
    const done = (await b.waitForRow((r) => r.state === 'idle' && (r as { summary?: string }).summary === 'reported after a confirmation', 'idle with the report')) as object;
    expect(done).toMatchObject({ status: 'active', summary: 'reported after a confirmation' });
    await b.tui.waitForScreen((s) => s.includes('Reported.'), "the model's answer after the calls");
  });
});
