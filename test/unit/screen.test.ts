import { describe, expect, it } from 'vitest';
import { claudeCodeHooks } from '../../src/agents/claude-code/hooks.js';
import type { ApprovalOption } from '../../src/backends/session-backend.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseOption, inputBoxText, parseScreen, promptIdFor, type ScreenAnalysis } from '../../src/agents/claude-code/screen.js';
import { hookPromptId } from '../../src/core/hook-state.js';
import { tools } from '../../src/tools/index.js';
import { SCENARIOS } from '../real/scenarios.js';

/** Frame lines the way Claude Code's older UI does: `╭─╮`, `│ text │`, `╰─╯`, padded to a width. */
function box(content: readonly string[], width = 80): string[] {
  const inner = width - 4;
  return [
    `╭${'─'.repeat(width - 2)}╮`,
    ...content.map((line) => `│ ${line}${' '.repeat(Math.max(0, inner - [...line].length))} │`),
    `╰${'─'.repeat(width - 2)}╯`,
  ];
}

const RULE = '─'.repeat(120);
const DASH = '╌'.repeat(120);

/** Split a template literal into screen lines (first and last newline dropped). */
function screen(text: string): string[] {
  return text.replace(/^\n/, '').replace(/\n$/, '').split('\n');
}

const bashOptions = [
  { number: 1, label: 'Yes', selected: true },
  { number: 2, label: "Yes, and don't ask again for npm test commands in /home/dev/project", selected: false },
  { number: 3, label: 'No, and tell Claude what to do differently (esc)', selected: false },
];

const transcript = [
  '╭───────────────────────────────────────────────────╮',
  '│ ✻ Welcome to Claude Code!                         │',
  '│                                                   │',
  '│   /help for help, /status for your current setup  │',
  '│                                                   │',
  '│   cwd: /home/dev/project                          │',
  '╰───────────────────────────────────────────────────╯',
  '',
  '> run the tests please',
  '',
  "⏺ I'll run the test suite.",
  '',
];

const boxedInputIdle = [
  ...box(['> '], 100),
  '  ? for shortcuts',
];

const borderlessIdle = [
  '⏺ Done. All 42 tests pass.',
  '',
  RULE,
  '> ',
  RULE,
  '  ? for shortcuts                                                       Context left until auto-compact: 12%',
];

/** The fixed questions of permission and trust dialogs. */
const DIALOG_QUESTION = /\b(?:Do you want|Would you like|Do you trust|Is this a project)\b[^?]*\?/u;

interface Case {
  name: string;
  lines: string[];
  expect: Partial<ScreenAnalysis>;
  /** Substrings promptText must contain. */
  promptHas?: string[];
  optionLabels?: string[];
}

const cases: Case[] = [
  // ---- Dialogs, boxed layout ----
  {
    name: 'boxed Bash dialog',
    lines: [
      ...transcript,
      ...box([
        'Bash command',
        '',
        '  npm test',
        '  Run the test suite',
        '',
        'Do you want to proceed?',
        '❯ 1. Yes',
        "  2. Yes, and don't ask again for npm test commands in /home/dev/project",
        '  3. No, and tell Claude what to do differently (esc)',
      ], 90),
      '',
      '',
    ],
    expect: { state: 'waiting_approval', toolName: 'Bash', options: bashOptions },
    promptHas: ['npm test', 'Run the test suite'],
  },
  {
    name: 'boxed Edit dialog with an inner diff box',
    lines: [
      ...transcript,
      '╭──────────────────────────────────────────────────────────────────────────────╮',
      '│ Edit file                                                                    │',
      '│ ╭──────────────────────────────────────────────────────────────────────────╮ │',
      '│ │ src/server/index.ts                                                      │ │',
      '│ │                                                                          │ │',
      '│ │  12   const port = 3000;                                                 │ │',
      '│ │  13 - app.listen(port);                                                  │ │',
      '│ │  13 + app.listen(port, "127.0.0.1");                                     │ │',
      '│ ╰──────────────────────────────────────────────────────────────────────────╯ │',
      '│ Do you want to make this edit to index.ts?                                   │',
      '│ ❯ 1. Yes                                                                     │',
      "│   2. Yes, and don't ask again this session (shift+tab)                       │",
      '│   3. No, and tell Claude what to do differently (esc)                        │',
      '╰──────────────────────────────────────────────────────────────────────────────╯',
    ],
    expect: { state: 'waiting_approval', toolName: 'Edit' },
    promptHas: ['src/server/index.ts'],
    optionLabels: [
      'Yes',
      "Yes, and don't ask again this session (shift+tab)",
      'No, and tell Claude what to do differently (esc)',
    ],
  },
  {
    name: 'boxed Create file dialog',
    lines: [
      ...box([
        'Create file',
        '╭────────────────────────────────────────────────────────────────────────╮',
        '│ docs/notes.md                                                          │',
        '│                                                                        │',
        '│  1 # Notes                                                             │',
        '│  2 Remember the milk.                                                  │',
        '╰────────────────────────────────────────────────────────────────────────╯',
        'Do you want to create notes.md?',
        '❯ 1. Yes',
        "  2. Yes, and don't ask again this session (shift+tab)",
        '  3. No, and tell Claude what to do differently (esc)',
      ], 80),
    ],
    expect: { state: 'waiting_approval', toolName: 'Write' },
    promptHas: ['docs/notes.md'],
  },
  {
    name: 'boxed WebFetch dialog',
    lines: [
      ...transcript,
      ...box([
        'Fetch',
        '',
        '  https://nodejs.org/api/fs.html',
        '  Claude wants to fetch content from nodejs.org',
        '',
        'Do you want to allow Claude to fetch this content?',
        '❯ 1. Yes',
        "  2. Yes, and don't ask again for nodejs.org",
        '  3. No, and tell Claude what to do differently (esc)',
      ]),
    ],
    expect: { state: 'waiting_approval', toolName: 'WebFetch' },
    promptHas: ['https://nodejs.org/api/fs.html'],
    optionLabels: ['Yes', "Yes, and don't ask again for nodejs.org", 'No, and tell Claude what to do differently (esc)'],
  },
  {
    name: 'boxed MCP tool dialog ("server - tool (MCP)")',
    lines: [
      ...box([
        'Tool use',
        '',
        '  github - create_issue(owner: "acme", repo: "api", title: "Crash on start") (MCP)',
        '',
        'Do you want to proceed?',
        '❯ 1. Yes',
        "  2. Yes, and don't ask again for github - create_issue commands in /home/dev/api",
        '  3. No, and tell Claude what to do differently (esc)',
      ], 110),
    ],
    expect: { state: 'waiting_approval', toolName: 'mcp__github__create_issue' },
    promptHas: ['create_issue(owner: "acme"'],
  },
  {
    name: 'boxed trust dialog with a footer below the box',
    lines: [
      ...box([
        '',
        'Do you trust the files in this folder?',
        '',
        '/home/dev/new-project',
        '',
        'Claude Code may read files in this folder. Reading untrusted files may lead',
        'Claude Code to behave in unexpected ways.',
        '',
        'With your permission Claude Code may execute files in this folder. Executing',
        'untrusted files is dangerous.',
        '',
        'https://docs.anthropic.com/s/claude-code-security',
        '',
        '❯ 1. Yes, proceed',
        '  2. No, exit',
        '',
      ], 84),
      '   Enter to confirm · Esc to exit',
    ],
    expect: {
      state: 'waiting_approval',
      toolName: 'Trust',
      promptText: '/home/dev/new-project',
      options: [
        { number: 1, label: 'Yes, proceed', selected: true },
        { number: 2, label: 'No, exit', selected: false },
      ],
    },
  },
  {
    name: 'boxed dialog with a label wrapped by the UI inside the box',
    lines: [
      ...box([
        'Bash command',
        '',
        '  rm -rf node_modules/.cache',
        '',
        'Do you want to proceed?',
        '❯ 1. Yes',
        "  2. Yes, and don't ask again for rm commands in",
        '     /home/dev/a/very/long/path/that/does/not/fit',
        '  3. No, and tell Claude what to do differently (esc)',
      ], 60),
    ],
    expect: { state: 'waiting_approval', toolName: 'Bash' },
    optionLabels: [
      'Yes',
      "Yes, and don't ask again for rm commands in /home/dev/a/very/long/path/that/does/not/fit",
      'No, and tell Claude what to do differently (esc)',
    ],
  },
  // ---- Dialogs, borderless layout ----
  {
    name: 'borderless Bash dialog',
    lines: screen(`
⏺ Let me check the git status.

${RULE}
 Bash command

   git status --short
   Show changed files

 Do you want to proceed?
 ❯ 1. Yes
   2. Yes, and don't ask again for git status commands in /home/dev/project
   3. No, and tell Claude what to do differently (esc)


`),
    expect: { state: 'waiting_approval', toolName: 'Bash', lastLine: '3. No, and tell Claude what to do differently (esc)' },
    promptHas: ['git status --short'],
    optionLabels: [
      'Yes',
      "Yes, and don't ask again for git status commands in /home/dev/project",
      'No, and tell Claude what to do differently (esc)',
    ],
  },
  {
    name: 'borderless Edit dialog with dashed diff and footer hints',
    lines: screen(`
${RULE}
 Edit file
 src/app.ts
${DASH}
  4   import { serve } from './serve.js';
  5 - const PORT = 80;
  5 + const PORT = 8080;
${DASH}
 Do you want to make this edit to app.ts?
 ❯ 1. Yes
   2. Yes, allow all edits during this session (shift+tab)
   3. No, and tell Claude what to do differently (esc)

 Esc to cancel · Tab to amend · ctrl+e to explain
`),
    expect: { state: 'waiting_approval', toolName: 'Edit' },
    promptHas: ['src/app.ts', '5 + const PORT = 8080;'],
    optionLabels: [
      'Yes',
      'Yes, allow all edits during this session (shift+tab)',
      'No, and tell Claude what to do differently (esc)',
    ],
  },
  {
    name: 'borderless Write (Create file) dialog',
    lines: screen(`
${RULE}
 Create file
 test/fixtures/data.json
${DASH}
  1 {"ok": true}
${DASH}
 Do you want to create data.json?
 ❯ 1. Yes
   2. Yes, allow all edits during this session (shift+tab)
   3. No, and tell Claude what to do differently (esc)
`),
    expect: { state: 'waiting_approval', toolName: 'Write' },
    promptHas: ['test/fixtures/data.json'],
  },
  {
    name: 'borderless MCP dialog with mcp__ name',
    lines: screen(`
${RULE}
 mcp__linear__create_ticket

   title: "Flaky login test"

 Do you want to proceed?
 ❯ 1. Yes
   2. Yes, and don't ask again for mcp__linear__create_ticket commands in /srv/app
   3. No, and tell Claude what to do differently (esc)
`),
    expect: { state: 'waiting_approval', toolName: 'mcp__linear__create_ticket' },
    promptHas: ['Flaky login test'],
  },
  {
    name: 'borderless "Tool use" header with "server - tool (MCP)" body',
    lines: screen(`
${RULE}
 Tool use

   my-db - run_query(sql: "select 1") (MCP)

 Do you want to proceed?
 ❯ 1. Yes
   2. No, and tell Claude what to do differently (esc)
`),
    expect: { state: 'waiting_approval', toolName: 'mcp__my-db__run_query' },
    optionLabels: ['Yes', 'No, and tell Claude what to do differently (esc)'],
  },
  {
    name: 'borderless trust dialog (question first, path below)',
    lines: screen(`
${RULE}
 Do you trust the files in this folder?

 /tmp/checkout-42

 Claude Code may read, write, or execute files contained in this directory. This can pose security risks, so only use files from trusted sources.

 ❯ 1. Yes, proceed
   2. No, exit

 Enter to confirm · Esc to exit
`),
    expect: { state: 'waiting_approval', toolName: 'Trust' },
    promptHas: ['/tmp/checkout-42'],
    optionLabels: ['Yes, proceed', 'No, exit'],
  },
  {
    name: 'borderless trust dialog, newer wording (path above the question)',
    lines: screen(`
${RULE}
 Accessing workspace:

 /home/dev/project

 Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source project, or work from your team). If not, take a moment to review what's in this folder first.

 Claude Code'll be able to read, edit, and execute files here.

 Security guide

 ❯ 1. Yes, I trust this folder
   2. No, exit

 Enter to confirm · Esc to cancel
`),
    expect: {
      state: 'waiting_approval',
      toolName: 'Trust',
      promptText: '/home/dev/project',
    },
    optionLabels: ['Yes, I trust this folder', 'No, exit'],
  },
  {
    name: 'boxed plan-mode dialog ("Ready to code?")',
    lines: [
      ...box([
        'Ready to code?',
        '',
        "Here is Claude's plan:",
        '╭──────────────────────────────────────────────────────────────────────╮',
        '│ 1. Add the migration                                                 │',
        '│ 2. Update the store                                                  │',
        '╰──────────────────────────────────────────────────────────────────────╯',
        '',
        'Would you like to proceed?',
        '',
        '❯ 1. Yes, and auto-accept edits',
        '  2. Yes, and manually approve edits',
        '  3. No, keep planning',
      ]),
    ],
    expect: { state: 'waiting_approval', toolName: 'ExitPlanMode' },
    promptHas: ["Here is Claude's plan:", '1. Add the migration', '2. Update the store'],
    optionLabels: ['Yes, and auto-accept edits', 'Yes, and manually approve edits', 'No, keep planning'],
  },
  {
    name: 'dialog whose frame scrolled off the top of the screen (long command)',
    lines: [
      ...Array.from({ length: 30 }, (_, i) => `│   echo line-${i} >> build.log${' '.repeat(40)}│`),
      `│ Do you want to proceed?${' '.repeat(45)}│`,
      `│ ❯ 1. Yes${' '.repeat(60)}│`,
      `│   2. No, and tell Claude what to do differently (esc)${' '.repeat(15)}│`,
      `╰${'─'.repeat(70)}╯`,
    ],
    expect: { state: 'waiting_approval', promptText: 'Do you want to proceed?' },
    optionLabels: ['Yes', 'No, and tell Claude what to do differently (esc)'],
  },
  {
    name: 'dialog with unicode in the command and the path',
    lines: screen(`
${RULE}
 Bash command

   mv "résumé 📄.txt" /home/zoë/文档/

 Do you want to proceed?
 ❯ 1. Yes
   2. Yes, and don't ask again for mv commands in /home/zoë/文档
   3. No, and tell Claude what to do differently (esc)
`),
    expect: { state: 'waiting_approval', toolName: 'Bash' },
    promptHas: ['mv "résumé 📄.txt" /home/zoë/文档/'],
  },
  {
    name: 'dialog with the second option selected (arrow moved)',
    lines: screen(`
${RULE}
 Bash command

   make deploy

 Do you want to proceed?
   1. Yes
 ❯ 2. Yes, and don't ask again for make commands in /srv
   3. No, and tell Claude what to do differently (esc)
`),
    expect: {
      state: 'waiting_approval',
      options: [
        { number: 1, label: 'Yes', selected: false },
        { number: 2, label: "Yes, and don't ask again for make commands in /srv", selected: true },
        { number: 3, label: 'No, and tell Claude what to do differently (esc)', selected: false },
      ],
    },
  },
  // ---- Working ----
  {
    name: 'working: boxed input box visible below the spinner',
    lines: [
      ...transcript,
      '✻ Thinking… (12s · ↑ 1.2k tokens · esc to interrupt)',
      '',
      ...boxedInputIdle,
    ],
    expect: { state: 'working', lastLine: '? for shortcuts' },
  },
  {
    name: 'working: borderless input box with text typed ahead',
    lines: screen(`
⏺ Reading src/index.ts

✽ Pondering… (3s · esc to interrupt)

${RULE}
> also update the README
${RULE}
  ? for shortcuts
`),
    expect: { state: 'working' },
  },
  {
    name: 'working: ESC TO INTERRUPT in capitals, todo list under the spinner',
    lines: screen(`
· Compiling… (1m 12s · ESC TO INTERRUPT · ctrl+t to hide todos)
  ⎿  ☒ Write the parser
     ☐ Write the tests
     ☐ Run the linter

${RULE}
>
${RULE}
`),
    expect: { state: 'working' },
  },
  {
    name: 'working: spinner glyph and verb without the hint',
    lines: screen(`
⏺ Bash(npm run build)
  ⎿  Running…
✢ Building…
`),
    expect: { state: 'working' },
  },
  {
    name: 'unknown: output still scrolling, no prompt (never a confident guess)',
    lines: screen(`
 ✓ test/unit/a.test.ts (12 tests) 40ms
 ✓ test/unit/b.test.ts (3 tests) 12ms
 ❯ test/unit/c.test.ts 0/8
Downloading artifacts 45%
`),
    expect: { state: 'unknown', lastLine: 'Downloading artifacts 45%' },
  },
  {
    name: 'working: "Press Esc again" status while interrupting',
    lines: screen(`
✻ Working… (esc to interrupt)
Press Esc again to interrupt
${RULE}
>
${RULE}
`),
    expect: { state: 'working' },
  },
  {
    name: 'working: a spinner line below an old, answered dialog',
    lines: screen(`
${RULE}
 Bash command

   npm test

 Do you want to proceed?
 ❯ 1. Yes
   2. No, and tell Claude what to do differently (esc)
✻ Running… (esc to interrupt)
`),
    expect: { state: 'working' },
  },
  // ---- Idle ----
  {
    name: 'idle: boxed input box',
    lines: [...transcript, "⏺ All tests pass.", '', ...boxedInputIdle],
    expect: { state: 'idle', lastLine: '? for shortcuts' },
  },
  {
    name: 'idle: borderless input box with footer',
    lines: borderlessIdle,
    expect: { state: 'idle' },
  },
  {
    name: 'idle: borderless input box with ❯ prompt and trailing spaces',
    lines: [...screen(`
⏺ Done.

${RULE}
❯ 
${RULE}
`), '   ', '', ''],
    expect: { state: 'idle' },
  },
  {
    name: 'idle: boxed input box with a typed, unsent multi-line message',
    lines: [
      ...transcript,
      ...box(['> first line of a long request', '  second line with ünïcödé ✓'], 100),
      '  ⏵⏵ accept edits on (shift+tab to cycle)',
    ],
    expect: { state: 'idle' },
  },
  {
    name: 'idle: an old dialog scrolled far above a newer idle prompt',
    lines: [
      ...box([
        'Bash command',
        '',
        '  npm test',
        '',
        'Do you want to proceed?',
        '❯ 1. Yes',
        "  2. Yes, and don't ask again for npm test commands in /home/dev/project",
        '  3. No, and tell Claude what to do differently (esc)',
      ]),
      '',
      '⏺ Bash(npm test)',
      '  ⎿  42 passed',
      '',
      ...borderlessIdle,
    ],
    expect: { state: 'idle' },
  },
  {
    name: 'gone: bash prompt $',
    lines: screen(`
dev@box:~/project$ ls
README.md  package.json  src
dev@box:~/project$ 
`),
    expect: { state: 'gone', lastLine: 'dev@box:~/project$' },
  },
  {
    name: 'gone: root prompt #',
    lines: ['root@container:/app# '],
    expect: { state: 'gone' },
  },
  {
    name: 'gone: zsh prompt %',
    lines: ['Last login: Mon Jan  6 09:12:44 on ttys001', 'dev@mac project % '],
    expect: { state: 'gone' },
  },
  {
    name: 'idle: starship/pure prompt ❯',
    lines: ['', '~/project on  main [!] via  v20.11.0', '❯ '],
    expect: { state: 'idle' },
  },
  {
    name: 'gone: agent exited back to the shell (old frame still visible)',
    lines: [
      ...transcript,
      '✻ Thinking… (2s · esc to interrupt)',
      ...boxedInputIdle,
      '',
      'Total cost:            $0.0123',
      'Total duration (API):  4.2s',
      'dev@box:~/project$ ',
    ],
    expect: { state: 'gone', lastLine: 'dev@box:~/project$' },
  },
  {
    name: 'idle: a wrapped-and-joined very long line, then the input box',
    lines: [
      `⏺ ${'The quick brown fox jumps over the lazy dog. '.repeat(40)}`,
      '',
      RULE,
      '> ',
      RULE,
      '  ? for shortcuts',
    ],
    expect: { state: 'idle' },
  },
  // ---- Starting ----
  { name: 'empty pane', lines: [], expect: { state: 'working', starting: true } },
  { name: 'blank pane of spaces', lines: ['', '   ', '\t', ''], expect: { state: 'working', starting: true } },
  // ---- Not dialogs ----
  {
    name: 'numbered list in the transcript above the idle prompt is not a dialog',
    lines: screen(`
⏺ Which approach do you prefer?
  1. Rewrite the module
  2. Patch the bug
${RULE}
> 1. rewrite it
  2. and add tests
${RULE}
  ? for shortcuts
`),
    expect: { state: 'idle' },
  },
];

// ---- Screens captured from test/fixtures/fake-agent.mjs in a 200x50 tmux pane (capture-pane -p -J),
// so the parser and the fake agent used by integration tests agree. `${R}` stands for its 200-wide rule.
const R = '─'.repeat(200);

/** Pad to the pane's 50 rows, as capture-pane prints them. */
function pane(text: string): string[] {
  const rows = screen(text);
  return [...rows, ...Array.from({ length: Math.max(0, 50 - rows.length) }, () => '')];
}

const fakeAgentCases: Case[] = [
  {
    name: 'fake agent: idle',
    lines: pane(`
Fake Claude Code · api-dev


${R}
> 
${R}
  ? for shortcuts
`),
    expect: { state: 'idle', lastLine: '? for shortcuts' },
  },
  {
    name: 'fake agent: idle with a pasted two-line message not yet sent',
    lines: pane(`
Fake Claude Code · api-dev

⏺ fix the login bug
⏺ Done.

${R}
> first line
  second line
${R}
  ? for shortcuts
`),
    expect: { state: 'idle' },
  },
  {
    name: 'fake agent: working, with text typed ahead in the input box',
    lines: pane(`
Fake Claude Code · api-dev

⏺ fix the login bug

✻ Working… (esc to interrupt)

${R}
> and then the tests
${R}
  ? for shortcuts
`),
    expect: { state: 'working' },
  },
  {
    name: 'fake agent: working after one Escape',
    lines: pane(`
Fake Claude Code · api-dev

⏺ fix the login bug

✻ Working… (esc to interrupt)
  Press Esc again to interrupt

${R}
> and then the tests
${R}
  ? for shortcuts
`),
    expect: { state: 'working' },
  },
  {
    name: 'fake agent: permission dialog',
    lines: pane(`
Fake Claude Code · api-dev

⏺ fix the login bug
⏺ Done.
⏺ deploy it PERMIT

${R}
 Bash command

   echo "deploy it PERMIT"

 Do you want to proceed?
 ❯ 1. Yes
   2. Yes, and don't ask again for this command
   3. No, and tell Claude what to do differently (esc)
`),
    expect: {
      state: 'waiting_approval',
      toolName: 'Bash',
      promptText: 'echo "deploy it PERMIT"',
      options: [
        { number: 1, label: 'Yes', selected: true },
        { number: 2, label: "Yes, and don't ask again for this command", selected: false },
        { number: 3, label: 'No, and tell Claude what to do differently (esc)', selected: false },
      ],
    },
  },
  {
    name: 'fake agent: /exit back to the shell',
    lines: pane(`
Fake Claude Code · api-dev

⏺ fix the login bug
⏺ Done.
⏺ deploy it PERMIT
⏺ Answered option 1
⏺ Done.

${R}
> /exit
${R}
  ? for shortcuts
dev@box:~/p$ 
`),
    expect: { state: 'gone', lastLine: 'dev@box:~/p$' },
  },
];

describe('parseScreen', () => {
  it.each([...cases, ...fakeAgentCases])('$name', (c) => {
    const result = parseScreen(c.lines);
    expect(result).toMatchObject(c.expect);
    if (c.expect.state !== 'waiting_approval') {
      expect(result.toolName).toBeUndefined();
      expect(result.options).toBeUndefined();
      return;
    }
    expect(result.promptText).toBeTruthy();
    expect(result.promptText).not.toMatch(/\s{2}|^\s|\s$/);
    expect(result.promptId).toBe(promptIdFor(result.toolName, result.promptText!));
    for (const part of c.promptHas ?? []) expect(result.promptText).toContain(part);
    // The dialog's question is no part of what the prompt is about (unless nothing else is shown).
    if (c.promptHas) expect(result.promptText).not.toMatch(DIALOG_QUESTION);
    if (c.optionLabels) expect(result.options?.map((o) => o.label)).toEqual(c.optionLabels);
    expect(result.options!.length).toBeGreaterThanOrEqual(2);
  });

  it('accepts a single string with newlines as one screen', () => {
    const joined = [RULE, ' Bash command', '   ls', ' Do you want to proceed?', ' ❯ 1. Yes', '   2. No'].join('\n');
    expect(parseScreen([joined]).state).toBe('waiting_approval');
  });

  it('reports the last non-empty line without borders', () => {
    expect(parseScreen([...boxedInputIdle.slice(0, 3)]).lastLine).toBe('>');
  });
});

describe('promptIdFor', () => {
  it('is 12 hex chars, stable, and ignores whitespace differences', () => {
    const id = promptIdFor('Bash', 'Do you want to proceed? npm test');
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(promptIdFor('Bash', 'Do you want to proceed? npm test')).toBe(id);
    expect(promptIdFor('Bash', '  Do you want to proceed?   npm test ')).toBe(id);
  });

  it('differs for different text or tool', () => {
    const id = promptIdFor('Bash', 'Do you want to proceed? npm test');
    expect(promptIdFor('Bash', 'Do you want to proceed? rm -rf /')).not.toBe(id);
    expect(promptIdFor('Edit', 'Do you want to proceed? npm test')).not.toBe(id);
    expect(promptIdFor(undefined, 'Do you want to proceed? npm test')).not.toBe(id);
  });

  it('is the same for the same dialog in both layouts, different for another command', () => {
    const boxed = parseScreen(
      box(['Bash command', '', '  npm test', '', 'Do you want to proceed?', '❯ 1. Yes', '  2. No, and tell Claude (esc)']),
    );
    const borderless = parseScreen([RULE, ' Bash command', '', '   npm test', '', ' Do you want to proceed?', ' ❯ 1. Yes', '   2. No, and tell Claude (esc)']);
    const other = parseScreen([RULE, ' Bash command', '', '   npm run lint', '', ' Do you want to proceed?', ' ❯ 1. Yes', '   2. No']);
    expect(boxed.promptId).toBeDefined();
    expect(boxed.promptId).toBe(borderless.promptId);
    expect(other.promptId).not.toBe(boxed.promptId);
  });
});

describe('chooseOption', () => {
  const three: ApprovalOption[] = bashOptions;
  const allowAll: ApprovalOption[] = [
    { number: 1, label: 'Yes', selected: true },
    { number: 2, label: 'Yes, allow all edits during this session (shift+tab)', selected: false },
    { number: 3, label: 'No, and tell Claude what to do differently (esc)', selected: false },
  ];
  const two: ApprovalOption[] = [
    { number: 1, label: 'Yes', selected: true },
    { number: 2, label: 'No, and tell Claude what to do differently (esc)', selected: false },
  ];
  const trust: ApprovalOption[] = [
    { number: 1, label: 'Yes, proceed', selected: true },
    { number: 2, label: 'No, exit', selected: false },
  ];
  const noNo: ApprovalOption[] = [
    { number: 1, label: 'Yes', selected: true },
    { number: 2, label: 'Yes, always allow access to example.com', selected: false },
  ];

  it.each([
    ['3 options', three, 'yes', 1],
    ['3 options', three, 'always', 2],
    ['3 options', three, 'no', 3],
    ['allow all edits', allowAll, 'always', 2],
    ['2 options', two, 'yes', 1],
    ['2 options', two, 'always', undefined],
    ['2 options', two, 'no', 2],
    ['trust', trust, 'yes', 1],
    ['trust', trust, 'no', 2],
    ['no "No" option', noNo, 'no', undefined],
    ['"always allow"', noNo, 'always', 2],
    ['curly apostrophe', [{ number: 1, label: 'Yes', selected: true }, { number: 2, label: 'Yes, and don’t ask again', selected: false }], 'always', 2],
  ] as const)('%s: %s → %s', (_name, options, decision, expected) => {
    expect(chooseOption(options, decision)?.number).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Real screens of Claude Code 2.1.328 (captured by test/real/capture-screens.ts at 120x40 and
// 80x30), with the state and tool every one of them must give.

const REAL_DIR = join(import.meta.dirname, '..', 'fixtures', 'screens', 'claude-code-2.1.328');
const realScreen = (name: string): string[] => readFileSync(join(REAL_DIR, name), 'utf8').replace(/\n$/, '').split('\n');
const TITLES = new Map(tools.map((t) => [t.title, t.name]));
const real = (name: string) => parseScreen(realScreen(name), { mcpToolTitles: TITLES });

describe('real Claude Code 2.1.328 screens', () => {
  const files = readdirSync(REAL_DIR).filter((f) => f.endsWith('.txt'));

  it('has a fixture of every scenario at both sizes', () => {
    for (const s of SCENARIOS) {
      for (const size of ['120x40', '80x30']) expect(files, `${s.name}.${size}.txt`).toContain(`${s.name}.${size}.txt`);
    }
  });

  // The options each dialog shows, as on the screen (a label wrapped over two lines is one label;
  // the 80-column MCP dialog cuts its second option with "…").
  const yesAlwaysNo = (always: string) => ['Yes', always, 'No'];
  const acceptEdits = 'Yes, and switch to accept edits (auto-approve file edits and common file commands) for this session (shift+tab)';
  const autoMode = 'Yes, and switch to auto mode · auto mode handles these prompts for you';
  const OPTION_LABELS: Record<string, string[]> = {
    'ask-user-question': ['Red', 'Blue', 'Type something.', 'Chat about this'],
    'bash-multi-line': ['Yes', "Yes, and don't ask again for mkdir -p out, echo first, and echo second commands in ~/code/agent-demo/webapp", autoMode, 'No'],
    'bash-one-line': ['Yes', 'Yes, and always allow access to ~/code/agent-demo/webapp from this project', autoMode, 'No'],
    edit: yesAlwaysNo(acceptEdits),
    write: yesAlwaysNo(acceptEdits),
    'exit-plan-mode': ['Yes, and switch to default (ask each time) for this session', 'No'],
    'mcp-tool.120x40': yesAlwaysNo("Yes, and don't ask again for boss — Report status commands in ~/code/agent-demo/webapp"),
    'mcp-tool.80x30': yesAlwaysNo("Yes, and don't ask again for boss — Report status commands in /tm…"),
    'read-outside': yesAlwaysNo('Yes, allow reading from /etc during this session'),
    trust: ['No, exit', 'Yes, I trust this folder'],
    webfetch: ['Yes', "Yes, and don't ask again for example.com", 'No, and tell Claude what to do differently (esc)'],
  };

  it.each(SCENARIOS.flatMap((s) => ['120x40', '80x30'].map((size) => [`${s.name}.${size}`, s] as const)))('%s', (file, s) => {
    const a = real(`${file}.txt`);
    expect(a.state).toBe(s.state);
    expect(a.toolName).toBe(s.toolName);
    if (s.state !== 'waiting_approval') return;
    expect(a.promptId).toBe(promptIdFor(a.toolName, a.promptText!));
    for (const part of s.subject ?? []) expect(a.promptText).toContain(part);
    const labels = OPTION_LABELS[file] ?? OPTION_LABELS[s.name];
    expect(labels, `OPTION_LABELS has no entry for ${file}`).toBeDefined();
    expect(a.options!.map((o) => o.label)).toEqual(labels);
    expect(a.options!.map((o) => o.number)).toEqual(labels!.map((_, i) => i + 1));
    expect(a.options!.filter((o) => o.selected)).toHaveLength(1);
  });

  it('gives the same prompt id at both sizes', () => {
    for (const s of SCENARIOS.filter((x) => x.state === 'waiting_approval' && x.start !== 'untrusted')) {
      expect(real(`${s.name}.80x30.txt`).promptId, s.name).toBe(real(`${s.name}.120x40.txt`).promptId);
    }
  });

  it('gives two commands with the same description different prompt ids', () => {
    const touch = realScreen('bash-one-line.120x40.txt');
    const rm = touch.map((l) => l.replace('touch one-line.txt', 'rm -f one-line.txt'));
    expect(rm).not.toEqual(touch);
    expect(parseScreen(rm).promptId).not.toBe(parseScreen(touch).promptId);
    expect(parseScreen(rm).promptText).toContain('rm -f one-line.txt');
  });

  // What each dialog is about, exactly: no question ("Do you want to proceed?"), no Bash
  // description ("Create a file"), no "Claude wants to fetch content from …", no MCP title line.
  it.each([
    ['bash-one-line', 'Bash', 'touch one-line.txt'],
    ['bash-multi-line', 'Bash', 'mkdir -p out echo first > out/one.txt echo second > out/two.txt'],
    ['edit', 'Edit', 'notes.txt 1 alpha 2 -beta 2 +BETA 3 gamma'],
    ['write', 'Write', 'fresh.txt 1 hello from the fake model'],
    ['read-outside', 'Read', '/etc/hostname'],
    ['webfetch', 'WebFetch', 'url: https://example.com/page prompt: Summarise the page'],
    ['mcp-tool', 'mcp__boss__report_status', 'status: "active" summary: "capturing screens"'],
    ['trust', 'Trust', '~/code/agent-demo/webapp'],
    ['exit-plan-mode', 'ExitPlanMode', 'Exit plan mode?'],
    ['ask-user-question', 'AskUserQuestion', 'Which colour should the button be? 1. Red A bold, warm colour 2. Blue A calm, cool colour 3. Type something. 4. Chat about this'],
  ] as const)('%s: the prompt text is its subject only', (name, toolName, promptText) => {
    for (const size of ['120x40', '80x30']) {
      const a = real(`${name}.${size}.txt`);
      expect(a.toolName, `${name}.${size}`).toBe(toolName);
      expect(a.promptText, `${name}.${size}`).toBe(promptText);
      expect(a.promptId).toBe(promptIdFor(toolName, promptText));
    }
  });

  it('gives a Bash prompt the id of its command, whatever its description (as the hook does)', () => {
    const touch = realScreen('bash-one-line.120x40.txt');
    const described = touch.map((l) => (l === ' Create a file' ? ' Make an empty file for the test' : l));
    expect(described).not.toEqual(touch);
    expect(parseScreen(described).promptId).toBe(parseScreen(touch).promptId);
    expect(real('bash-one-line.80x30.txt').promptId).toBe(hookPromptId(claudeCodeHooks, 'Bash', { command: 'touch one-line.txt', description: 'Create a file' }));
    expect(real('bash-multi-line.80x30.txt').promptId).toBe(
      hookPromptId(claudeCodeHooks, 'Bash', { command: 'mkdir -p out\necho first > out/one.txt\necho second > out/two.txt', description: 'Write two files' }),
    );
    expect(real('read-outside.80x30.txt').promptId).toBe(hookPromptId(claudeCodeHooks, 'Read', { file_path: '/etc/hostname' }));
  });

  it('gives two edits of the same file different prompt ids', () => {
    const edit = realScreen('edit.120x40.txt');
    const other = edit.map((l) => l.replace('2 +BETA', '2 +Beta'));
    expect(parseScreen(other).promptId).not.toBe(parseScreen(edit).promptId);
  });

  it('does not let the rotating tip change the id', () => {
    const bash = realScreen('bash-one-line.120x40.txt');
    const otherTip = bash.map((l) => (l.startsWith(' Tip:') ? ' Tip: Use /memory to view and manage Claude memory' : l));
    expect(otherTip).not.toEqual(bash);
    expect(parseScreen(otherTip).promptId).toBe(parseScreen(bash).promptId);
  });

  it('names the MCP tool by its title: ours by name, others by server and title', () => {
    expect(real('mcp-tool.120x40.txt').toolName).toBe('mcp__boss__report_status');
    // Without the titles of its tools, a server's tool is named by its title in snake case.
    expect(parseScreen(realScreen('mcp-tool.120x40.txt')).toolName).toBe('mcp__boss__report_status');
    const github = realScreen('mcp-tool.120x40.txt').map((l) => l.replace('boss — Report status Tool: (MCP)', 'github — Create issue Tool: (MCP)'));
    expect(parseScreen(github, { mcpToolTitles: TITLES }).toolName).toBe('mcp__github__create_issue');
    const plain = realScreen('mcp-tool.120x40.txt').map((l) => l.replace('boss — Report status Tool: (MCP)', 'github — create_issue (MCP)'));
    expect(parseScreen(plain).toolName).toBe('mcp__github__create_issue');
  });

  it('reads the folder-trust options without numbers, in screen order', () => {
    const a = real('trust.80x30.txt');
    expect(a.numbered).toBe(false);
    expect(a.options).toEqual([
      { number: 1, label: 'No, exit', selected: true },
      { number: 2, label: 'Yes, I trust this folder', selected: false },
    ]);
    expect(chooseOption(a.options!, 'yes')?.number).toBe(2);
    expect(chooseOption(a.options!, 'no')?.number).toBe(1);
    expect(chooseOption(a.options!, 'always')).toBeUndefined();
  });

  it('reads a question: choices with their descriptions, plus the free-text choices', () => {
    const a = real('ask-user-question.80x30.txt');
    expect(a.options).toEqual([
      { number: 1, label: 'Red', selected: true, description: 'A bold, warm colour' },
      { number: 2, label: 'Blue', selected: false, description: 'A calm, cool colour' },
      { number: 3, label: 'Type something.', selected: false },
      { number: 4, label: 'Chat about this', selected: false },
    ]);
    expect(a.promptText).toContain('Which colour should the button be?');
  });

  it.each([
    ['bash-one-line', 2, 4],
    ['bash-multi-line', 2, 4],
    ['edit', 2, 3],
    ['write', 2, 3],
    ['read-outside', 2, 3],
    ['webfetch', 2, 3],
    ['mcp-tool', 2, 3],
    ['exit-plan-mode', undefined, 2],
  ] as const)('%s: "always" is option %s, "no" option %s', (name, always, no) => {
    for (const size of ['120x40', '80x30']) {
      const a = real(`${name}.${size}.txt`);
      expect(chooseOption(a.options!, 'yes')?.number).toBe(1);
      expect(chooseOption(a.options!, 'always')?.number).toBe(always);
      expect(chooseOption(a.options!, 'no')?.number).toBe(no);
    }
  });

  it('never takes "switch to auto mode" for "always"', () => {
    const a = real('bash-one-line.80x30.txt');
    expect(a.options![2]!.label).toMatch(/auto mode/);
    expect(chooseOption(a.options!, 'always')?.label).not.toMatch(/auto mode/);
  });

  it('reads the text of the input box', () => {
    expect(inputBoxText(realScreen('idle-start.120x40.txt'))).toBe('');
    expect(inputBoxText(realScreen('idle-typed-not-sent.80x30.txt'))).toBe('a draft that is not sent yet');
    expect(inputBoxText(realScreen('bash-one-line.120x40.txt'))).toBeUndefined();
  });
});

describe('inputReady: the input box is drawn', () => {
  it('is set on idle screens with the input box, and on no other', () => {
    for (const name of ['idle-start.120x40.txt', 'idle-after-answer.80x30.txt', 'idle-typed-not-sent.80x30.txt']) {
      expect(parseScreen(realScreen(name)).inputReady, name).toBe(true);
    }
    for (const name of ['working-streaming.120x40.txt', 'bash-one-line.80x30.txt', 'trust.120x40.txt', 'menu-model.80x30.txt']) {
      expect(parseScreen(realScreen(name)).inputReady, name).toBeUndefined();
    }
    // A shell prompt is no input box: the program is gone.
    const shell = parseScreen(['user@host:~/project$ ']);
    expect(shell.state).toBe('gone');
    expect(shell.inputReady).toBeUndefined();
  });
});
