/**
 * The hook dialects of Codex CLI and Gemini CLI (src/agents/<kind>/hooks.ts): each program's own
 * events read into the one hook state, approval rules answered as far as each program's hooks
 * allow, and `setup hooks --kind` writing each program's settings file. The events are the
 * programs' own inputs (fields as Codex 0.171.0 and Gemini 0.61.0 send them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codexHooks } from '../../src/agents/codex/hooks.js';
import { geminiHooks } from '../../src/agents/gemini/hooks.js';
import { agentHooksCatalog, DEFAULT_HOOK_KIND } from '../../src/agents/hooks.js';
import { agentKinds } from '../../src/agents/index.js';
import { promptIdFor } from '../../src/backends/prompt-id.js';
import { hookEventOf, type AgentHooks, type HookState } from '../../src/core/hook-state.js';
import { recordHookEvent, type HookIdentity } from '../../src/core/hooks.js';
import { runSetupHooks } from '../../src/hooks/setup-command.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteHookStore } from '../../src/store/hooks-store.js';
import { tempDir } from '../helpers/tmp.js';

/** Reads each payload in `program`'s dialect and folds the states, as the hook command records them. */
function run(program: AgentHooks, payloads: Record<string, unknown>[]): (HookState | undefined)[] {
  let state: HookState | undefined;
  return payloads.map((p, i) => {
    const parsed = hookEventOf(program, p);
    if ('problem' in parsed) throw new Error(parsed.problem);
    state = program.next(state, parsed.event, 1000 * (i + 1)) ?? state;
    return state;
  });
}

const codex = (event: string, extra: Record<string, unknown> = {}) => ({ session_id: 's-1', turn_id: 't-1', cwd: '/w', model: 'fake', permission_mode: 'default', hook_event_name: event, ...extra });
const gemini = (event: string, extra: Record<string, unknown> = {}) => ({ session_id: 'g-1', transcript_path: '/t.json', cwd: '/w', timestamp: '2026-12-06T07:00:00Z', hook_event_name: event, ...extra });
const bash = (command: string) => ({ tool_name: 'Bash', tool_input: { command, description: 'why' } });
const shell = (command: string) => ({ tool_name: 'run_shell_command', tool_input: { command, description: 'why' } });

describe('Codex hooks', () => {
  it('read its events into states, with the exact command and the prompt id of a PermissionRequest', () => {
    const states = run(codexHooks, [
      codex('SessionStart', { source: 'startup' }),
      codex('UserPromptSubmit', { prompt: 'run it' }),
      codex('PreToolUse', bash('touch x')),
      codex('PermissionRequest', bash('touch x')),
      codex('PostToolUse', { ...bash('touch x'), tool_response: 'ok' }),
      codex('Stop'),
      codex('Interrupt'),
      codex('SessionEnd'),
    ]);
    expect(states.map((s) => s?.state)).toEqual(['idle', 'working', 'working', 'waiting_approval', 'working', 'idle', 'idle', 'gone']);
    expect(states[3]).toMatchObject({ event: 'PermissionRequest', detail: { tool_name: 'Bash', subject: 'touch x', prompt_id: promptIdFor('Bash', 'touch x'), cc_session: 's-1' } });
    expect(states[6]!.detail.activity).toBe('interrupted');
  });

  it("reads the notify program's argument: a finished turn is idle, its thread the session", () => {
    const notify = { type: 'agent-turn-complete', 'thread-id': 'th-9', 'turn-id': 't-2', cwd: '/w', 'input-messages': ['hi'], 'last-assistant-message': 'done' };
    const [working, idle] = run(codexHooks, [codex('UserPromptSubmit', { prompt: 'hi' }), notify]);
    expect(working!.state).toBe('working');
    expect(idle).toMatchObject({ state: 'idle', event: 'agent-turn-complete', detail: { cc_session: 'th-9' } });
    expect(hookEventOf(codexHooks, { thread: 1 })).toEqual({ problem: 'input has no valid hook_event_name' });
  });

  it('answers a PermissionRequest in its decision format, allow and deny', () => {
    const ev = { event: 'PermissionRequest', toolName: 'Bash', toolInput: { command: 'ls' } };
    expect(codexHooks.asks(ev)).toBe(true);
    expect(codexHooks.asks({ event: 'PreToolUse', toolName: 'Bash' })).toBe(false);
    expect(JSON.parse(codexHooks.answer(ev, 'allow', 'rule #1')!)).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } });
    expect(JSON.parse(codexHooks.answer(ev, 'deny', 'rule #2')!)).toEqual({
      hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: 'Denied by rule #2.' } },
    });
    expect(codexHooks.subjectForm('Bash')).toBe('command');
    expect(codexHooks.subject('apply_patch', { b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});

describe('Gemini hooks', () => {
  it('read its events into states: a ToolPermission notification is the pending prompt of the BeforeTool before it', () => {
    const states = run(geminiHooks, [
      gemini('SessionStart', { source: 'startup' }),
      gemini('BeforeAgent', { prompt: 'run it' }),
      gemini('BeforeTool', shell('touch y')),
      gemini('Notification', { notification_type: 'ToolPermission', message: 'Tool Shell requires execution', details: { type: 'exec', title: 'Shell', command: 'touch y', rootCommand: 'touch' } }),
      gemini('AfterTool', { ...shell('touch y'), tool_response: { llmContent: '' } }),
      gemini('AfterAgent', { prompt: 'run it', prompt_response: 'done' }),
      gemini('SessionEnd', { reason: 'exit' }),
    ]);
    expect(states.map((s) => s?.state)).toEqual(['idle', 'working', 'working', 'waiting_approval', 'working', 'idle', 'gone']);
    expect(states[3]).toMatchObject({ event: 'Notification', detail: { tool_name: 'run_shell_command', subject: 'touch y', prompt_id: promptIdFor('run_shell_command', 'touch y') } });
    // The BeforeTool's own subject is the same command, so both name one prompt.
    expect(geminiHooks.subject('run_shell_command', { command: 'touch y' })).toBe('touch y');
  });

  it('a notification of another type changes nothing', () => {
    expect(geminiHooks.next(undefined, { event: 'Notification', notificationType: 'Other' }, 1)).toBeUndefined();
  });

  it('answers BeforeTool with a denial only: an allow does not skip its confirmation', () => {
    const ev = { event: 'BeforeTool', toolName: 'run_shell_command', toolInput: { command: 'rm -rf x' } };
    expect(geminiHooks.asks(ev)).toBe(true);
    expect(geminiHooks.asks({ event: 'Notification', notificationType: 'ToolPermission' })).toBe(false);
    expect(JSON.parse(geminiHooks.answer(ev, 'deny', 'rule #3')!)).toEqual({ decision: 'deny', reason: 'Denied by rule #3.' });
    expect(geminiHooks.answer(ev, 'allow', 'rule #4')).toBeUndefined();
    expect(geminiHooks.subjectForm('write_file')).toBe('path');
    expect(geminiHooks.subject('write_file', { file_path: '/w/a.txt', content: 'x' })).toBe('/w/a.txt');
  });
});

describe('approval rules through each program\'s hooks', () => {
  let dir: { dir: string; cleanup: () => void };
  let hooks: SqliteHookStore;
  const who: HookIdentity = { agent: 'dev', space: 'web', defaultSpace: 'web' };
  beforeEach(() => {
    dir = tempDir();
    hooks = new SqliteHookStore(openDatabase(join(dir.dir, 'boss.db')));
  });
  afterEach(() => {
    hooks.db.close();
    dir.cleanup();
  });
  const record = async (program: AgentHooks, payload: Record<string, unknown>) => {
    const parsed = hookEventOf(program, payload);
    if ('problem' in parsed) throw new Error(parsed.problem);
    return recordHookEvent(hooks, program, parsed.event, parsed.raw, who);
  };

  it('Codex: an allow rule answers its PermissionRequest, and registers the agent as kind codex', async () => {
    expect(await record(codexHooks, codex('SessionStart'))).toMatchObject({ recorded: true, registered: true });
    expect(hooks.db.prepare(`SELECT agent_kind FROM agents WHERE name = 'dev'`).get()).toEqual({ agent_kind: 'codex' });
    await hooks.setRule({ tool: 'Bash', pattern: 'npm test*', decision: 'allow' });
    const out = await record(codexHooks, codex('PermissionRequest', bash('npm test -- --watch')));
    expect(JSON.parse(out.output!)).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } });
    expect(out.state).toMatchObject({ state: 'working' });
    expect((await hooks.listDecisions({ agent: 'dev', space: 'web' }))[0]).toMatchObject({ decision: 'allow', decided_by: 'rule' });
  });

  it('Gemini: a deny rule blocks the tool at BeforeTool; an allow rule leaves the prompt to a human and logs nothing', async () => {
    await record(geminiHooks, gemini('SessionStart'));
    await hooks.setRule({ tool: 'run_shell_command', pattern: 'rm *', decision: 'deny' });
    await hooks.setRule({ tool: 'run_shell_command', pattern: 'touch *', decision: 'allow' });
    const denied = await record(geminiHooks, gemini('BeforeTool', shell('rm -rf build')));
    expect(JSON.parse(denied.output!)).toMatchObject({ decision: 'deny' });
    expect(denied.decision).toMatchObject({ decision: 'deny' });
    const allowed = await record(geminiHooks, gemini('BeforeTool', shell('touch z')));
    expect(allowed.output).toBeUndefined();
    expect(allowed.state).toMatchObject({ state: 'working', detail: { tool_name: 'run_shell_command' } });
    expect((await hooks.listDecisions({ agent: 'dev', space: 'web' })).map((d) => d.decision)).toEqual(['deny']);
  });
});

describe('the catalog of hook dialects', () => {
  it('has a dialect for each program with hooks, each a registered agent kind', () => {
    expect([...agentHooksCatalog.kinds()].sort()).toEqual(['claude-code', 'codex', 'gemini']);
    for (const kind of agentHooksCatalog.kinds()) expect(agentKinds()).toContain(kind);
    expect(agentHooksCatalog.hooks('shell')).toBeUndefined();
    expect(agentHooksCatalog.hooks(DEFAULT_HOOK_KIND)?.kind).toBe(DEFAULT_HOOK_KIND);
  });
});

describe('setup hooks --kind', () => {
  let dir: { dir: string; cleanup: () => void };
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());
  const setup = async (argv: string[], env: NodeJS.ProcessEnv) => {
    let out = '';
    let err = '';
    const code = await runSetupHooks(argv, {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env,
      cwd: dir.dir,
      programs: agentHooksCatalog,
      defaultKind: DEFAULT_HOOK_KIND,
    });
    return { code, out, err };
  };

  it('codex: writes CODEX_HOME/hooks.json with every event running "hook --kind codex", and says how to trust them', async () => {
    const home = join(dir.dir, 'codex-home');
    const r = await setup(['--kind', 'codex', '--write', '--user', '--bin', 'agent-boss', '--data-dir', '/d'], { HOME: dir.dir, CODEX_HOME: home });
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(join(home, 'hooks.json'), 'utf8'));
    expect(Object.keys(written.hooks)).toEqual([...codexHooks.settings.events]);
    expect(written.hooks.PermissionRequest).toEqual([{ matcher: '*', hooks: [{ type: 'command', command: "agent-boss hook --kind codex --data-dir /d", timeout: 5 }] }]);
    expect(r.err).toMatch(/\/hooks/);
    expect(r.err).toMatch(/trust/);
  });

  it('gemini: writes .gemini/settings.json of the project, timeouts in milliseconds', async () => {
    const r = await setup(['--kind', 'gemini', '--write', '--bin', 'agent-boss', '--data-dir', '/d'], { HOME: dir.dir });
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(join(dir.dir, '.gemini', 'settings.json'), 'utf8'));
    expect(Object.keys(written.hooks)).toEqual([...geminiHooks.settings.events]);
    expect(written.hooks.BeforeTool[0]).toEqual({ matcher: '*', hooks: [{ type: 'command', command: "agent-boss hook --kind gemini --data-dir /d", timeout: 5000 }] });
    expect(written.hooks.SessionStart[0].matcher).toBeUndefined();
  });

  it('an unknown kind is refused with the kinds that have hooks, and nothing is written', async () => {
    const r = await setup(['--kind', 'shell', '--write'], { HOME: dir.dir });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/kinds with hooks: claude-code, codex, gemini/);
    expect(existsSync(join(dir.dir, '.claude'))).toBe(false);
  });
});
