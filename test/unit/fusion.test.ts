import { describe, expect, it } from 'vitest';
import { claudeCodeHooks } from '../../src/agents/claude-code/hooks.js';
import * as fusion from '../../src/core/fusion.js';
import { HOOK_FRESH_MS, type ScreenView } from '../../src/core/fusion.js';
import type { HookState } from '../../src/core/hook-state.js';

/** The fusion of a Claude Code agent's hook state and screen. */
const fuseState = (h: HookState | undefined, s: ScreenView, now: number, freshMs?: number) => fusion.fuseState(claudeCodeHooks, h, s, now, freshMs);
/** Whether the dialog shows the subject of a Claude Code tool's prompt. */
const dialogShowsSubject = (tool: string | undefined, subject: string | undefined, text: string | undefined) => fusion.dialogShowsSubject(claudeCodeHooks.subjectForm(tool), subject, text);

const NOW = 5_000_000;
const hook = (state: HookState['state'], ageMs: number, detail: HookState['detail'] = {}, event = 'PreToolUse'): HookState => ({
  state,
  event,
  since: NOW - ageMs - 1000,
  at: NOW - ageMs,
  detail,
});
const screen = (state: ScreenView['state'], extra: Partial<ScreenView> = {}): ScreenView => ({ state, since: NOW - 200, ...extra });
const FRESH = HOOK_FRESH_MS / 2;
const STALE = HOOK_FRESH_MS * 3;
const bash = { tool_name: 'Bash', tool_input: { command: 'npm test' }, subject: 'npm test', prompt_id: 'hookid000001' };

describe('fusion of hook state and screen (table)', () => {
  const cases: [name: string, h: HookState | undefined, s: ScreenView, expected: { state: string; source: 'hook' | 'screen'; conflict?: RegExp | 'none' }][] = [
    ['no hooks: the screen', undefined, screen('working'), { state: 'working', source: 'screen', conflict: 'none' }],
    ['no hooks, a dialog: the screen', undefined, screen('waiting_approval', { toolName: 'Bash' }), { state: 'waiting_approval', source: 'screen' }],
    ['fresh hook agreeing: the hook', hook('working', FRESH), screen('working'), { state: 'working', source: 'hook', conflict: 'none' }],
    ['fresh hook, screen not caught up: the hook, disagreement shown', hook('waiting_approval', FRESH, bash, 'PermissionRequest'), screen('working'), { state: 'waiting_approval', source: 'hook', conflict: /screen may lag/ }],
    ['a dialog drawn before its PermissionRequest arrived: the screen', hook('working', FRESH, { tool_name: 'Bash' }, 'PreToolUse'), screen('waiting_approval', { toolName: 'Bash' }), { state: 'waiting_approval', source: 'screen', conflict: /a prompt follows PreToolUse; the hook event announcing it has not arrived/ }],
    ['stale hook agreeing: the hook', hook('idle', STALE, {}, 'Stop'), screen('idle'), { state: 'idle', source: 'hook', conflict: 'none' }],
    ['Escape (working → idle, no hook): the screen', hook('working', STALE), screen('idle'), { state: 'idle', source: 'screen', conflict: /an interrupt fires no hook/ }],
    ['prompt answered at the terminal: the screen', hook('waiting_approval', STALE, bash, 'PermissionRequest'), screen('working'), { state: 'working', source: 'screen', conflict: /answered at the terminal/ }],
    ['prompt declined at the terminal (idle): the screen', hook('waiting_approval', STALE, bash, 'PermissionRequest'), screen('idle'), { state: 'idle', source: 'screen', conflict: /answered at the terminal/ }],
    ['a dialog no hook announced: the screen', hook('idle', STALE, {}, 'Stop'), screen('waiting_approval', { toolName: 'Trust' }), { state: 'waiting_approval', source: 'screen', conflict: /no hook announced/ }],
    ['a turn no hook announced: the screen', hook('idle', STALE, {}, 'Stop'), screen('working'), { state: 'working', source: 'screen', conflict: /no hook announced/ }],
    ['same prompt on both: the hook', hook('waiting_approval', STALE, bash, 'PermissionRequest'), screen('waiting_approval', { toolName: 'Bash', promptId: 'screenid0001' }), { state: 'waiting_approval', source: 'hook', conflict: 'none' }],
    ['another dialog than the hook said: the screen', hook('waiting_approval', STALE, bash, 'PermissionRequest'), screen('waiting_approval', { toolName: 'Edit' }), { state: 'waiting_approval', source: 'screen', conflict: /following the screen/ }],
    ['an MCP dialog (screen shows the title, not the name): the hook', hook('waiting_approval', STALE, { tool_name: 'mcp__boss__report_status', prompt_id: 'm1' }, 'PermissionRequest'), screen('waiting_approval', { toolName: 'boss — Report status' }), { state: 'waiting_approval', source: 'hook' }],
    ['session missing: the screen', hook('working', FRESH), screen('missing'), { state: 'missing', source: 'screen', conflict: /session is gone/ }],
    ['backend unknown: the hook', hook('working', STALE), screen('unknown'), { state: 'working', source: 'hook', conflict: 'none' }],
    ['SessionEnd, shell on screen: gone, from the hook', hook('gone', STALE, {}, 'SessionEnd'), screen('gone'), { state: 'gone', source: 'hook', conflict: 'none' }],
    ['SessionEnd, a bare shell the screen cannot tell: gone, from the hook', hook('gone', STALE, {}, 'SessionEnd'), screen('idle'), { state: 'gone', source: 'hook', conflict: 'none' }],
    ['a crash (no SessionEnd), shell on screen: gone, from the screen', hook('working', STALE, {}, 'UserPromptSubmit'), screen('gone'), { state: 'gone', source: 'screen', conflict: /exited without a session-end hook/ }],
    ['SessionEnd, terminal gone too: missing', hook('gone', STALE, {}, 'SessionEnd'), screen('missing'), { state: 'missing', source: 'screen', conflict: 'none' }],
  ];
  it.each(cases)('%s', (_name, h, s, expected) => {
    const f = fuseState(h, s, NOW);
    expect(f.state).toBe(expected.state);
    expect(f.source).toBe(expected.source);
    expect(f.screen_state).toBe(s.state);
    expect(f.since).toBe(expected.source === 'hook' ? h!.since : s.since);
    if (expected.conflict === 'none') expect(f.conflict).toBeUndefined();
    else if (expected.conflict) expect(f.conflict).toMatch(expected.conflict);
    if (h) expect(f).toMatchObject({ hook_state: h.state, hook_event: h.event, hook_at: h.at });
  });

  it('a hook-sourced prompt carries the exact tool input, its subject, its id and the screen id', () => {
    const f = fuseState(hook('waiting_approval', STALE, bash, 'PermissionRequest'), screen('waiting_approval', { toolName: 'Bash', promptId: 'screenid0001', promptText: 'Do you want to proceed? npm test' }), NOW);
    expect(f).toMatchObject({
      needs_approval: true,
      tool_name: 'Bash',
      tool_input: { command: 'npm test' },
      subject: 'npm test',
      prompt_id: 'hookid000001',
      screen_prompt_id: 'screenid0001',
      prompt_text: 'Do you want to proceed? npm test',
    });
  });

  it('a screen-sourced row keeps the screen prompt and no hook tool input', () => {
    const f = fuseState(hook('idle', STALE, {}, 'Stop'), screen('waiting_approval', { toolName: 'Trust', promptId: 'trust1' }), NOW);
    expect(f).toMatchObject({ needs_approval: true, tool_name: 'Trust', prompt_id: 'trust1' });
    expect(f.tool_input).toBeUndefined();
  });

  it('a fresh hook becomes stale after the fresh window and the screen takes over', () => {
    const h = hook('working', 0);
    expect(fuseState(h, screen('idle'), NOW + HOOK_FRESH_MS - 1).source).toBe('hook');
    expect(fuseState(h, screen('idle'), NOW + HOOK_FRESH_MS).source).toBe('screen');
  });
});

describe('dialogShowsSubject (approve with a hook prompt id)', () => {
  it('accepts the dialogs the screens of 2.1.328 draw for the subject the hook recorded', () => {
    expect(dialogShowsSubject('Bash', 'touch one-line.txt', 'touch one-line.txt')).toBe(true);
    expect(dialogShowsSubject('Bash', 'mkdir -p out\necho first > out/one.txt', 'mkdir -p out echo first > out/one.txt')).toBe(true);
    expect(dialogShowsSubject('Bash', 'echo averyverylongword', 'echo averyve rylongword')).toBe(true); // wrapped mid-word
    expect(dialogShowsSubject('Bash', 'npm test -- --grep slow && npm run lint', 'npm test -- --grep slow && npm…')).toBe(true);
    expect(dialogShowsSubject('Edit', '/home/u/webapp/notes.txt', 'notes.txt 1 alpha 2 -beta 2 +BETA 3 gamma')).toBe(true);
    expect(dialogShowsSubject('Read', '/etc/hostname', '/etc/hostname')).toBe(true);
    expect(dialogShowsSubject('WebFetch', 'https://example.com/page', 'url: https://example.com/page prompt: Summarise the page')).toBe(true);
    expect(dialogShowsSubject('mcp__boss__report_status', '{"status":"active","summary":"capturing screens"}', 'status: "active" summary: "capturing screens"')).toBe(true);
  });

  it('refuses a dialog about something else, or more than the hook recorded', () => {
    expect(dialogShowsSubject('Bash', 'echo SAFE', 'rm -rf ~/project')).toBe(false);
    expect(dialogShowsSubject('Bash', 'echo SAFE', 'echo SAFE && rm -rf ~/project')).toBe(false);
    expect(dialogShowsSubject('Bash', 'echo SAFE', 'echo SAFE; rm -rf ~')).toBe(false);
    expect(dialogShowsSubject('Bash', 'echo SAFE', undefined)).toBe(false);
    expect(dialogShowsSubject('Edit', '/home/u/webapp/notes.txt', 'notes.txt.bak 1 alpha')).toBe(false);
    expect(dialogShowsSubject('Write', '/home/u/webapp/a.txt', 'b.txt 1 hello')).toBe(false);
    expect(dialogShowsSubject('WebFetch', 'https://example.com', 'url: https://example.com.evil.test/x prompt: p')).toBe(false);
    expect(dialogShowsSubject('mcp__x__y', '{"path":"a"}', 'path: "b"')).toBe(false);
  });
});

describe('fusion: why the agent is slow, stuck, gone or asked by a subagent', () => {
  it('a retry on screen while the hooks say working (no hook fires while the API is retried): working, with the retry', () => {
    const f = fuseState(hook('working', STALE, {}, 'UserPromptSubmit'), screen('working', { retrying: '529 Overloaded · retrying in 3s · attempt 3/10' }), NOW);
    expect(f).toMatchObject({ state: 'working', source: 'hook', retrying: '529 Overloaded · retrying in 3s · attempt 3/10' });
    expect(f.conflict).toBeUndefined();
  });

  it('StopFailure: idle and blocked with the reason of its error, the screen agreeing or not showing it', () => {
    const failed = hook('idle', STALE, { error: 'rate_limit', blocked: 'rate_limit' }, 'StopFailure');
    expect(fuseState(failed, screen('idle'), NOW)).toMatchObject({ state: 'idle', source: 'hook', blocked: 'rate_limit', error: 'rate_limit' });
    expect(fuseState(failed, screen('idle', { blocked: 'rate_limit' }), NOW).blocked).toBe('rate_limit');
  });

  it('an API error on screen, no hooks: idle, blocked with the screen\'s reason', () => {
    expect(fuseState(undefined, screen('idle', { blocked: 'overloaded' }), NOW)).toMatchObject({ state: 'idle', source: 'screen', blocked: 'overloaded' });
  });

  it('a blocked reason does not outlive its state: a new turn is not blocked', () => {
    const f = fuseState(hook('working', STALE, {}, 'UserPromptSubmit'), screen('working'), NOW);
    expect(f.blocked).toBeUndefined();
    expect(fuseState(undefined, screen('working', { blocked: 'auth' }), NOW).blocked).toBeUndefined();
  });

  it('gone: the resume command from the screen, with the hook or without', () => {
    const resume = 'claude --resume 1c785c45-6dae-4713-b103-b8a2db02b692';
    expect(fuseState(hook('gone', STALE, {}, 'SessionEnd'), screen('gone', { resumeCommand: resume }), NOW)).toMatchObject({ state: 'gone', source: 'hook', resume_command: resume });
    expect(fuseState(undefined, screen('gone', { resumeCommand: resume }), NOW)).toMatchObject({ state: 'gone', source: 'screen', resume_command: resume });
  });

  it("a subagent's prompt: the hook's tool and subagent; the screen's subagent without hooks", () => {
    const asked = hook('waiting_approval', STALE, { ...bash, subagent: 'general-purpose' }, 'PermissionRequest');
    expect(fuseState(asked, screen('waiting_approval', { toolName: 'Bash', subagent: 'general-purpose' }), NOW)).toMatchObject({ state: 'waiting_approval', source: 'hook', tool_name: 'Bash', subagent: 'general-purpose' });
    expect(fuseState(undefined, screen('waiting_approval', { toolName: 'Bash', subagent: 'general-purpose' }), NOW)).toMatchObject({ tool_name: 'Bash', subagent: 'general-purpose' });
  });
});
