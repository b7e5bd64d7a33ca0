/**
 * The screens of Codex CLI and Gemini CLI, captured from the real programs at 120x40 and 80x30
 * (test/real/capture-program-screens.ts), read by their parsers; and the plain shell's screens.
 * Every captured file is in the table: a new capture without a row fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentUi } from '../../src/agents/index.js';
import { codexInputBoxText, parseCodexScreen } from '../../src/agents/codex/screen.js';
import { geminiInputBoxText, parseGeminiScreen } from '../../src/agents/gemini/screen.js';
import { parseShellScreen } from '../../src/agents/shell/ui.js';
import type { ScreenReading } from '../../src/backends/agent-ui.js';
import { BackendError } from '../../src/backends/errors.js';

const SCREENS = join(import.meta.dirname, '..', 'fixtures', 'screens');
const read = (dir: string, file: string): string[] => readFileSync(join(SCREENS, dir, file), 'utf8').replace(/\n$/u, '').split('\n');

interface Row {
  state: ScreenReading['state'];
  toolName?: string;
  promptText?: string;
  /** Expected input box text ('' = empty, undefined = no box). */
  box?: string | null;
  options?: string[];
}

const CODEX_DIR = 'codex-0.171.0';
const CODEX: Record<string, Row> = {
  'idle-start': { state: 'idle', box: '' },
  'idle-typed': { state: 'idle', box: 'a message typed but not sent' },
  working: { state: 'working' },
  'idle-after-turn': { state: 'idle', box: '' },
  'approval-command': {
    state: 'waiting_approval',
    toolName: 'Bash',
    promptText: 'touch escalated.txt',
    box: null,
    options: ['Yes, proceed (y)', "Yes, and don't ask again for commands that start with `touch escalated.txt` (p)", 'No, and tell Codex what to do differently (esc)'],
  },
  'working-command': { state: 'working' },
  'idle-interrupted': { state: 'idle', box: '' },
};

const GEMINI_DIR = 'gemini-0.61.0';
const GEMINI: Record<string, Row> = {
  'idle-start': { state: 'idle', box: '' },
  'idle-typed': { state: 'idle', box: 'a message typed but not sent' },
  'approval-command': {
    state: 'waiting_approval',
    toolName: 'run_shell_command',
    promptText: 'touch approved.txt',
    box: null,
    options: ['Allow once', 'Allow for this session', 'No, suggest changes (esc)'],
  },
  'approval-mcp-tool': {
    state: 'waiting_approval',
    toolName: 'mcp_boss_register_session',
    promptText: '{"agent":"dev","space":"real"}',
    box: null,
    options: ['Allow once', 'Allow tool for this session', 'Allow all server tools for this session', 'No, suggest changes (esc)'],
  },
  'idle-after-turn': { state: 'idle', box: '' },
  'working-command': { state: 'working' },
  'idle-interrupted': { state: 'idle', box: '' },
};

function table(dir: string, rows: Record<string, Row>, parse: (l: readonly string[]) => ScreenReading, box: (l: readonly string[]) => string | undefined) {
  const files = readdirSync(join(SCREENS, dir)).filter((f) => f.endsWith('.txt'));
  it('has a row for every captured screen, at both sizes', () => {
    const names = new Set(files.map((f) => f.replace(/\.\d+x\d+\.txt$/u, '')));
    expect([...names].sort()).toEqual(Object.keys(rows).sort());
    for (const name of names) expect(files.filter((f) => f.startsWith(`${name}.`)).length, name).toBe(2);
  });
  for (const file of files) {
    const name = file.replace(/\.\d+x\d+\.txt$/u, '');
    const want = rows[name];
    it(`${file}: ${want?.state}`, () => {
      const lines = read(dir, file);
      const got = parse(lines);
      expect(got.state).toBe(want!.state);
      if (want!.toolName !== undefined) expect(got.toolName).toBe(want!.toolName);
      if (want!.promptText !== undefined) expect(got.promptText).toBe(want!.promptText);
      if (want!.options) expect(got.options?.map((o) => o.label)).toEqual(want!.options);
      if (want!.state === 'waiting_approval') {
        expect(got.promptId).toMatch(/^[0-9a-f]{12}$/u);
        expect(got.options?.[0]?.selected).toBe(true);
      }
      if (want!.box !== undefined) expect(box(lines) ?? null).toBe(want!.box);
      if (want!.state === 'idle') expect(got.inputReady).toBe(true);
    });
  }
}

describe('Codex CLI screens', () => {
  table(CODEX_DIR, CODEX, parseCodexScreen, codexInputBoxText);

  it('reads a screen it was not taught as unknown, not as a confident state', () => {
    expect(parseCodexScreen(['  some full-screen view', '  with no input box', 'and no status line']).state).toBe('unknown');
  });

  it('reads a bare shell prompt as gone (Codex exited, or not started yet)', () => {
    expect(parseCodexScreen(['user@host:~/work$']).state).toBe('gone');
    expect(parseGeminiScreen(['user@host:~/work$']).state).toBe('gone');
  });

  it('answers with the key each option shows: y, p, Escape; a digit for an explicit option without one', () => {
    const ui = agentUi('codex');
    const dialog = ui.parse(read(CODEX_DIR, 'approval-command.80x30.txt'));
    expect(ui.answerKeys(dialog, 'yes', undefined, 'x')).toMatchObject({ keys: [{ literal: 'y' }], keySent: 'y', chosen: { number: 1 } });
    expect(ui.answerKeys(dialog, 'always', undefined, 'x')).toMatchObject({ keys: [{ literal: 'p' }], keySent: 'p', chosen: { number: 2 } });
    expect(ui.answerKeys(dialog, 'no', undefined, 'x')).toMatchObject({ keys: [{ key: 'Escape' }], keySent: 'Escape', chosen: { number: 3 } });
    expect(ui.answerKeys(dialog, 'yes', 2, 'x').keySent).toBe('p');
    expect(() => ui.answerKeys(dialog, 'yes', 7, 'session "s"')).toThrow(/has no option 7; it offers: 1\. Yes, proceed/u);
    expect(ui.interruptPlan.key).toBe('Escape');
  });
});

describe('Gemini CLI screens', () => {
  table(GEMINI_DIR, GEMINI, parseGeminiScreen, geminiInputBoxText);

  it('reads a screen it was not taught as unknown', () => {
    expect(parseGeminiScreen(['✦ some answer text', 'that scrolls with no input box']).state).toBe('unknown');
  });

  it('answers with the option digits: 1 once, 2 for this session, 3 no', () => {
    const ui = agentUi('gemini');
    const dialog = ui.parse(read(GEMINI_DIR, 'approval-command.120x40.txt'));
    expect(ui.answerKeys(dialog, 'yes', undefined, 'x')).toMatchObject({ keySent: '1', chosen: { number: 1 } });
    expect(ui.answerKeys(dialog, 'always', undefined, 'x')).toMatchObject({ keySent: '2', chosen: { number: 2 } });
    expect(ui.answerKeys(dialog, 'no', undefined, 'x')).toMatchObject({ keySent: '3', chosen: { number: 3 } });
  });

  it("answers an untrusted MCP tool's confirmation: 1 once, 2 this tool for the session (never 3, all the server's tools), 4 no", () => {
    const ui = agentUi('gemini');
    for (const size of ['120x40', '80x30']) {
      const dialog = ui.parse(read(GEMINI_DIR, `approval-mcp-tool.${size}.txt`));
      expect(ui.answerKeys(dialog, 'yes', undefined, 'x')).toMatchObject({ keySent: '1', chosen: { number: 1 } });
      expect(ui.answerKeys(dialog, 'always', undefined, 'x')).toMatchObject({ keySent: '2', chosen: { number: 2 } });
      expect(ui.answerKeys(dialog, 'no', undefined, 'x')).toMatchObject({ keySent: '4', chosen: { number: 4 } });
      expect(ui.answerKeys(dialog, 'yes', 3, 'x')).toMatchObject({ keySent: '3', chosen: { number: 3 } });
    }
  });

  it("reads an MCP tool's arguments wrapped under its header as one prompt text", () => {
    const lines = read(GEMINI_DIR, 'approval-mcp-tool.80x30.txt').map((l) =>
      l.includes('register_session (boss') ? '│ ?  register_session (boss MCP Server) {"agent":"dev",                         │\n│ "space":"real"}                                                              │' : l,
    );
    const got = parseGeminiScreen(lines.join('\n').split('\n'));
    expect(got).toMatchObject({ state: 'waiting_approval', toolName: 'mcp_boss_register_session', promptText: '{"agent":"dev", "space":"real"}' });
  });
});

describe('plain shell screens', () => {
  it.each([
    [['user@host:~/work$'], 'idle'],
    [['root@host:/# '], 'idle'],
    [['bash-5.2$ sleep 30'], 'working'],
    [['$ make', 'cc -o main main.c'], 'working'],
    [['Python 3.12.3', '>>> '], 'idle'],
    [['> '], 'idle'],
    [['In [1]: '], 'idle'],
    [[], 'working'],
  ] as const)('%j → %s', (lines, state) => {
    expect(parseShellScreen(lines).state).toBe(state);
  });

  it('interrupts with Ctrl-C and shows no dialogs', () => {
    const ui = agentUi('shell');
    expect(ui.interruptPlan.key).toBe('C-c');
    expect(ui.inputBoxText(['$ '])).toBeUndefined();
    expect(() => ui.answerKeys({ state: 'idle' }, 'yes', undefined, 'session "s"')).toThrow(BackendError);
  });
});
