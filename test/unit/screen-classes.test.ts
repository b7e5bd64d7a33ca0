/**
 * Table test over the real screens of test/real/class-scenarios.ts (captured by
 * `capture-screens.ts --classes` on every tested Claude Code version at 60x30, 120x40 and 200x50):
 * exited, overlays, quoted UI, background work, subagent prompts, tall dialogs, tool naming, API
 * trouble. Each must give its state, tool, subject, options and reason, on every version.
 */
import { claudeCodeHooks } from '../../src/agents/claude-code/hooks.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseOption, parseScreen, promptIdFor } from '../../src/agents/claude-code/screen.js';
import { hookPromptId } from '../../src/core/hook-state.js';
import { tools } from '../../src/tools/index.js';
// @ts-expect-error -- a plain .mjs script without type declarations
import { TESTED_CLAUDE_CODE_VERSIONS } from '../../scripts/ensure-claude-code.mjs';
import { CLASS_SCENARIOS } from '../real/class-scenarios.js';

const VERSIONS = TESTED_CLAUDE_CODE_VERSIONS as string[];
const SIZES = ['60x30', '120x40', '200x50'];
const dirOf = (version: string): string => join(import.meta.dirname, '..', 'fixtures', 'screens', `claude-code-${version}`);
const TITLES = new Map(tools.map((t) => [t.title, t.name]));
const read = (version: string, file: string): string[] => readFileSync(join(dirOf(version), file), 'utf8').replace(/\n$/, '').split('\n');
const parse = (version: string, file: string) => parseScreen(read(version, file), { mcpToolTitles: TITLES });

describe('real screens of every class, on every tested version', () => {
  it('has every scenario at every size for every tested version', () => {
    for (const v of VERSIONS) {
      expect(existsSync(dirOf(v)), `fixtures of ${v}`).toBe(true);
      const files = readdirSync(dirOf(v));
      for (const s of CLASS_SCENARIOS) for (const size of SIZES) expect(files, `${v}: ${s.name}.${size}.txt`).toContain(`${s.name}.${size}.txt`);
    }
    expect(VERSIONS.length).toBeGreaterThanOrEqual(3);
    expect(new Set(CLASS_SCENARIOS.map((s) => s.cls))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8]));
  });

  const cases = VERSIONS.flatMap((v) => CLASS_SCENARIOS.flatMap((s) => SIZES.map((size) => [`${v} ${s.name}.${size}`, v, s, size] as const)));
  it.each(cases)('%s', (_label, version, s, size) => {
    const a = parse(version, `${s.name}.${size}.txt`);
    const e = s.expect;
    expect(a.state).toBe(e.state);
    expect(a.lastLine).toBeTruthy();
    expect(a.toolName).toBe(e.toolName);
    expect(a.subagent).toBe(e.subagent);
    expect(a.blocked).toBe(e.blocked);
    expect(a.retrying !== undefined).toBe(e.retrying === true);
    if (e.retrying) expect(a.retrying).toMatch(/retrying in \d+s/iu);
    if (e.resume) expect(a.resumeCommand).toMatch(/^claude (?:\S+ )*--resume [0-9a-f-]{36}$/u);
    else expect(a.resumeCommand).toBeUndefined();
    if (e.state !== 'waiting_approval') {
      expect(a.options).toBeUndefined();
      return;
    }
    expect(a.promptId).toBe(promptIdFor(a.toolName, a.promptText!));
    for (const part of e.subject ?? []) expect(a.promptText).toContain(part);
    expect(a.options!.filter((o) => o.selected)).toHaveLength(1);
    (e.options ?? []).forEach((label, i) => expect(a.options![i]!.label.startsWith(label), `option ${i + 1}: ${a.options![i]!.label}`).toBe(true));
  });
});

describe('what the class screens mean in detail', () => {
  const newest = VERSIONS.at(-1)!;

  it('a subagent prompt: the Bash command, answerable like the main agent\'s, the same id as the hook', () => {
    for (const v of VERSIONS) {
      const a = parse(v, 'subagent-bash.120x40.txt');
      expect(a.promptText, v).toBe('touch from-subagent.txt');
      expect(a.promptId).toBe(hookPromptId(claudeCodeHooks, 'Bash', { command: 'touch from-subagent.txt', description: 'Create a file' }));
      expect(chooseOption(a.options!, 'yes')?.number).toBe(1);
      expect(chooseOption(a.options!, 'no')?.label).toMatch(/^No/u);
    }
  });

  it('a tall dialog keeps its tool and its options though its header scrolled off', () => {
    for (const v of VERSIONS) {
      for (const size of SIZES) {
        const write = parse(v, `tall-write.${size}.txt`);
        expect(write.promptText, `${v} ${size}`).toContain('long.txt');
        expect(chooseOption(write.options!, 'no')?.label).toMatch(/^No/u);
        const edit = parse(v, `tall-edit.${size}.txt`);
        expect(edit.promptText, `${v} ${size}`).toContain('big.txt');
      }
    }
  });

  it('WebSearch: the query is the subject, as the hook has it', () => {
    for (const v of VERSIONS) expect(parse(v, 'websearch.120x40.txt').promptId, v).toBe(hookPromptId(claudeCodeHooks, 'WebSearch', { query: 'tmux control mode' }));
  });

  it('the Submit tab of a two-question AskUserQuestion offers Submit and Cancel', () => {
    const a = parse(newest, 'ask-submit-tab.120x40.txt');
    expect(a.options!.map((o) => o.label)).toEqual(['Submit answers', 'Cancel']);
  });

  it('quoted UI in the transcript or the draft leaves the state idle, the box drawn', () => {
    for (const v of VERSIONS) {
      for (const size of SIZES) {
        for (const name of ['quote-answer', 'quote-draft', 'background-shell']) expect(parse(v, `${name}.${size}.txt`).inputReady, `${v} ${name}.${size}`).toBe(true);
      }
    }
  });

  it('an exited Claude Code is never "working" or "idle", whatever is left above the prompt', () => {
    const crash = read(newest, 'exited-crash.120x40.txt');
    expect(parseScreen(crash).state).toBe('gone');
    // The same screen while Claude Code still ran (no shell prompt, no kill report) is working.
    const running = crash.filter((l) => !/Killed|dev@box/u.test(l));
    expect(parseScreen([...running, '  ⏸ manual mode on · esc to interrupt']).state).toBe('working');
  });

  it('the resume command wrapped over two lines (a capture without joined lines) is read whole', () => {
    const joined = read(newest, 'exited-shell.200x50.txt');
    const at = joined.findIndex((l) => l.startsWith('claude --'));
    const wrapped = [...joined.slice(0, at), joined[at]!.slice(0, 60), joined[at]!.slice(60), ...joined.slice(at + 1)];
    const a = parseScreen(wrapped);
    expect(a.state).toBe('gone');
    expect(a.resumeCommand).toBe(joined[at]);
  });

  it('a screen it cannot place is unknown with its last line, not a guess', () => {
    const a = parseScreen(['Compiling 42 modules', 'Linking the bundle']);
    expect(a).toEqual({ state: 'unknown', lastLine: 'Linking the bundle' });
  });
});
