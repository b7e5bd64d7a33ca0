import { describe, expect, it } from 'vitest';
import { promptIdFor } from '../../src/backends/prompt-id.js';
import { promptIdFor as screenPromptIdFor } from '../../src/agents/claude-code/screen.js';
import { claudeCodeHooks, nextClaudeCodeState as nextHookState } from '../../src/agents/claude-code/hooks.js';
import * as hookState from '../../src/core/hook-state.js';
import { storedPayload, type HookEvent, type HookState } from '../../src/core/hook-state.js';

/** Claude Code's events, read in its dialect. */
const parseHookEvent = (text: string, truncated?: boolean) => hookState.parseHookEvent(claudeCodeHooks, text, truncated);
const hookSubject = (tool: string | undefined, input: unknown) => hookState.hookSubject(claudeCodeHooks, tool, input);
const hookPromptId = (tool: string | undefined, input: unknown) => hookState.hookPromptId(claudeCodeHooks, tool, input);

const T0 = 1_000_000;
const working: HookState = { state: 'working', event: 'PreToolUse', since: T0 - 500, at: T0 - 100, detail: { tool_name: 'Bash' } };
const idle: HookState = { state: 'idle', event: 'Stop', since: T0 - 900, at: T0 - 900, detail: {} };
const waiting: HookState = {
  state: 'waiting_approval',
  event: 'PermissionRequest',
  since: T0 - 300,
  at: T0 - 300,
  detail: { tool_name: 'Bash', tool_input: { command: 'npm test' }, subject: 'npm test', prompt_id: promptIdFor('Bash', 'npm test') },
};

describe('hook events → state (table)', () => {
  const cases: [name: string, prev: HookState | undefined, ev: HookEvent, expected: Partial<HookState> & { detail?: object } | undefined][] = [
    ['SessionStart → idle', undefined, { event: 'SessionStart', source: 'startup' }, { state: 'idle', since: T0, detail: { activity: 'session started (startup)' } }],
    ['UserPromptSubmit → working', idle, { event: 'UserPromptSubmit', prompt: 'hi' }, { state: 'working', since: T0 }],
    ['UserPromptSubmit starts a new since even after working (Escape fires no hook)', working, { event: 'UserPromptSubmit', prompt: 'hi' }, { state: 'working', since: T0 }],
    ['PreToolUse → working with the tool', idle, { event: 'PreToolUse', toolName: 'Read', toolInput: { file_path: '/a' } }, { state: 'working', detail: { tool_name: 'Read', tool_input: { file_path: '/a' }, activity: 'running Read' } }],
    ['PreToolUse while working keeps since', working, { event: 'PreToolUse', toolName: 'Bash' }, { state: 'working', since: T0 - 500 }],
    ['PostToolUse → working', waiting, { event: 'PostToolUse', toolName: 'Bash' }, { state: 'working', since: T0 }],
    ['PostToolUseFailure → working', working, { event: 'PostToolUseFailure', toolName: 'Bash' }, { state: 'working' }],
    [
      'PermissionRequest → waiting with exact tool, input, subject and id',
      working,
      { event: 'PermissionRequest', toolName: 'Bash', toolInput: { command: 'rm -rf build', description: 'clean' } },
      {
        state: 'waiting_approval',
        since: T0,
        detail: { tool_name: 'Bash', tool_input: { command: 'rm -rf build', description: 'clean' }, subject: 'rm -rf build', prompt_id: promptIdFor('Bash', 'rm -rf build') },
      },
    ],
    ['Notification permission_prompt keeps the pending prompt and its since', waiting, { event: 'Notification', notificationType: 'permission_prompt' }, { state: 'waiting_approval', since: T0 - 300, at: T0, detail: { tool_name: 'Bash', subject: 'npm test' } }],
    ['Notification permission_prompt without a request → waiting, tool unknown', working, { event: 'Notification', notificationType: 'permission_prompt' }, { state: 'waiting_approval', since: T0, detail: {} }],
    ['Notification idle_prompt → idle', working, { event: 'Notification', notificationType: 'idle_prompt' }, { state: 'idle' }],
    ['Notification of another type → no change', working, { event: 'Notification', notificationType: 'auth_success' }, undefined],
    ['Stop → idle', working, { event: 'Stop' }, { state: 'idle', since: T0 }],
    ['StopFailure → idle with the error', working, { event: 'StopFailure', error: 'rate_limit' }, { state: 'idle', detail: { error: 'rate_limit', blocked: 'rate_limit' } }],
    ['StopFailure of an overloaded API → blocked overloaded', working, { event: 'StopFailure', error: 'API Error: Repeated 529 Overloaded errors' }, { state: 'idle', detail: { blocked: 'overloaded' } }],
    ['StopFailure of a failed login → blocked auth', working, { event: 'StopFailure', error: 'authentication_failed' }, { state: 'idle', detail: { blocked: 'auth' } }],
    ['StopFailure of a server error → blocked server_error', working, { event: 'StopFailure', error: 'server_error' }, { state: 'idle', detail: { blocked: 'server_error' } }],
    ['a subagent\'s PermissionRequest (after the main Stop) → waiting, naming the subagent', idle, { event: 'PermissionRequest', toolName: 'Bash', toolInput: { command: 'touch x' }, agentType: 'general-purpose' }, { state: 'waiting_approval', detail: { tool_name: 'Bash', subagent: 'general-purpose' } }],
    ['SubagentStop while its prompt is pending (escaped) → idle', { state: 'waiting_approval', event: 'PermissionRequest', since: T0 - 500, at: T0 - 500, detail: { tool_name: 'Bash', subagent: 'general-purpose', subagents: 1 } }, { event: 'SubagentStop', agentType: 'general-purpose' }, { state: 'idle', detail: { subagents: 0 } }],
    ['SubagentStop while the main agent\'s prompt is pending → still waiting', { state: 'waiting_approval', event: 'PermissionRequest', since: T0 - 500, at: T0 - 500, detail: { tool_name: 'Bash', subagents: 1 } }, { event: 'SubagentStop', agentType: 'Explore' }, { state: 'waiting_approval', detail: { tool_name: 'Bash', subagents: 0 } }],
    ['a background task ending starts a turn by itself', idle, { event: 'UserPromptSubmit', prompt: '<task-notification>\n<task-id>b1</task-id>' }, { state: 'working', since: T0, detail: { activity: 'a background task finished' } }],
    ['SessionEnd → gone', idle, { event: 'SessionEnd', reason: 'prompt_input_exit' }, { state: 'gone', detail: { activity: 'session ended (prompt_input_exit)' } }],
    ['SubagentStart keeps the state, says a subagent runs', working, { event: 'SubagentStart', agentType: 'Explore' }, { state: 'working', since: T0 - 500, detail: { activity: 'subagent Explore running', subagents: 1 } }],
    ['SubagentStop says it finished', { ...working, detail: { subagents: 1 } }, { event: 'SubagentStop', agentType: 'Explore' }, { state: 'working', detail: { activity: 'subagent Explore finished', subagents: 0 } }],
    ['Stop with a subagent still running says so', { ...working, detail: { subagents: 1 } }, { event: 'Stop' }, { state: 'idle', detail: { activity: 'background subagent running', subagents: 1 } }],
    ['PreCompact → working, compacting', idle, { event: 'PreCompact', trigger: 'auto' }, { state: 'working', detail: { activity: 'compacting (auto)' } }],
    ['PostCompact after a manual compact → idle', working, { event: 'PostCompact', trigger: 'manual' }, { state: 'idle', detail: { activity: 'compacted' } }],
    ['PostCompact after an auto compact → working', working, { event: 'PostCompact', trigger: 'auto' }, { state: 'working', detail: { activity: 'compacted' } }],
    ['unknown event → no change', working, { event: 'SomethingNew' }, undefined],
  ];
  it.each(cases)('%s', (_name, prev, ev, expected) => {
    const next = nextHookState(prev, ev, T0);
    if (expected === undefined) {
      expect(next).toBeUndefined();
      return;
    }
    expect(next).toMatchObject({ at: T0, event: ev.event, ...expected });
  });

  it('a different pending prompt starts a new since', () => {
    const next = nextHookState(waiting, { event: 'PermissionRequest', toolName: 'Bash', toolInput: { command: 'npm run build' } }, T0);
    expect(next).toMatchObject({ state: 'waiting_approval', since: T0, detail: { subject: 'npm run build' } });
  });
});

describe('hook input parsing', () => {
  it('reads the fields it uses', () => {
    const r = parseHookEvent(JSON.stringify({ session_id: 'u-1', hook_event_name: 'PermissionRequest', tool_name: 'Bash', tool_input: { command: 'ls' }, cwd: '/w' }));
    expect(r).toMatchObject({ event: { event: 'PermissionRequest', ccSession: 'u-1', toolName: 'Bash', toolInput: { command: 'ls' } }, raw: { cwd: '/w' } });
  });
  it.each([
    ['not JSON', '{"hook_event_name": ', /not JSON/],
    ['an array', '[1]', /not a JSON object/],
    ['no event name', '{"session_id":"x"}', /no valid hook_event_name/],
    ['a bad event name', '{"hook_event_name":"a b"}', /no valid hook_event_name/],
  ])('refuses %s', (_n, text, problem) => {
    const r = parseHookEvent(text);
    expect('problem' in r && r.problem).toMatch(problem);
  });
  it('takes event and tool names from the start of an oversized input', () => {
    const r = parseHookEvent('{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Read","tool_response":"xxxx', true);
    expect(r).toMatchObject({ event: { event: 'PostToolUse', toolName: 'Read', truncated: true } });
  });
  it('stores payloads without tool_response and with a hash of the prompt', () => {
    const p = storedPayload({ hook_event_name: 'UserPromptSubmit', prompt: 'a  b\n', tool_response: 'x'.repeat(100_000), long: 'y'.repeat(10_000) });
    expect(p.tool_response).toBeUndefined();
    expect(p.prompt_chars).toBe(5);
    expect(p.prompt_norm_sha).toMatch(/^[0-9a-f]{64}$/);
    expect((p.long as string).length).toBeLessThan(5000);
  });
});

describe('prompt subjects and ids', () => {
  it.each([
    ['Bash', { command: 'npm test', description: 'Run tests' }, 'npm test'],
    ['Edit', { file_path: '/w/a.ts', old_string: 'a', new_string: 'b' }, '/w/a.ts'],
    ['Write', { file_path: '/w/b.ts', content: 'x' }, '/w/b.ts'],
    ['Read', { file_path: '/etc/hosts' }, '/etc/hosts'],
    ['WebFetch', { url: 'https://example.com/x', prompt: 'p' }, 'https://example.com/x'],
    ['mcp__boss__report_status', { summary: 's', status: 'active' }, '{"status":"active","summary":"s"}'],
  ])('%s → its subject', (tool, input, subject) => {
    expect(hookSubject(tool, input)).toBe(subject);
    expect(hookPromptId(tool, input)).toBe(promptIdFor(tool, subject));
  });
  it('the screen parser and the hook path share one id function', () => {
    expect(screenPromptIdFor).toBe(promptIdFor);
    expect(promptIdFor('Bash', '  npm \n test ')).toBe(promptIdFor('Bash', 'npm test'));
  });
});
