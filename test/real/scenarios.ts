/**
 * How to bring the real Claude Code into each screen state the coordinator must recognise, with the
 * fake model scripting the turns. Shared by the real-client tests (which check list_liveness on the
 * live screen) and by capture-screens.ts (which stores the screens as fixtures for the pure parser's
 * table tests in test/unit/screen.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { inputBoxText } from '../../src/agents/claude-code/screen.js';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deferredToolTurns, textTurn, toolTurn, type FakeModel } from '../fixtures/fake-model.js';
import { idlePrompt, type ClaudeCodeSession } from '../helpers/claude-code.js';

export interface ScenarioContext {
  cc: ClaudeCodeSession;
  model: FakeModel;
}

export interface Scenario {
  /** Fixture name, e.g. "bash-one-line". */
  name: string;
  /** Which kind of Claude Code start it needs. */
  start: 'manual' | 'plan' | 'untrusted';
  state: 'idle' | 'working' | 'waiting_approval';
  /** The tool list_liveness must name (waiting_approval only). */
  toolName?: string;
  /** Text the prompt's subject must contain (what makes two prompts different). */
  subject?: string[];
  /** Brings the screen into the state; resolves once it is shown. */
  drive(ctx: ScenarioContext): Promise<void>;
  /** Back to the idle prompt (after the screen was read). */
  reset(ctx: ScenarioContext): Promise<void>;
}

/** Types a prompt and submits it once the text shows in the input box. */
export async function submitPrompt(cc: ClaudeCodeSession, text: string): Promise<void> {
  await typeIntoBox(cc, text);
  await cc.keys('Enter');
}

/**
 * Types text into the input box and waits until it shows there. Claude Code 2.1 sometimes drops
 * the first key typed right after a turn ends; then the box is emptied and the text typed again.
 */
export async function typeIntoBox(cc: ClaudeCodeSession, text: string): Promise<void> {
  await cc.type(text);
  const what = `the typed prompt ${JSON.stringify(text)}`;
  try {
    await cc.waitForScreen((s) => (inputBoxText(s.split('\n')) ?? '').includes(text.slice(0, 40)), what, 5_000);
  } catch (err) {
    // Keys typed while the input box is being redrawn can be lost; say so and type once more.
    const box = inputBoxText((err as Error).message.split('\n')) ?? '(no input box)';
    process.stderr.write(`typeIntoBox: the box shows ${JSON.stringify(box)} instead of ${JSON.stringify(text)}; typing it again\n`);
    await clearInput(cc);
    await cc.type(text);
    await cc.waitForScreen((s) => (inputBoxText(s.split('\n')) ?? '').includes(text.slice(0, 40)), what);
  }
}

const dialogShown = (cc: ClaudeCodeSession, what: string) =>
  cc.waitForScreen((s) => /^\s*❯ 1\. /mu.test(s), what);

/** An AskUserQuestion input with two choices, 1. Red and 2. Blue. */
export const COLOUR_QUESTION = {
  questions: [
    {
      question: 'Which colour should the button be?',
      header: 'Colour',
      multiSelect: false,
      options: [
        { label: 'Red', description: 'A bold, warm colour' },
        { label: 'Blue', description: 'A calm, cool colour' },
      ],
    },
  ],
};

/** Escape until the idle prompt is back (a dialog declines on Escape). */
export async function escapeToIdle({ cc, model }: ScenarioContext): Promise<void> {
  model.clearScript();
  // A just-drawn screen (a menu, a dialog) can drop a key on a loaded machine, and a screen in the
  // middle of redrawing can look idle for a moment: Escape again until the idle prompt is there.
  for (let i = 0; ; i++) {
    await sleep(400);
    const screen = (await cc.capture()).join('\n');
    if (idlePrompt(screen)) return;
    // Escape only what Escape answers (a dialog, a menu, a working turn): on an idle 2.1 input box
    // a second Escape opens the rewind menu, a screen this loop would then have to leave again.
    if (!inputBoxIdle(screen)) await cc.keys('Escape');
    try {
      await cc.waitForScreen(inputBoxIdle, 'the idle input box after Escape', 5_000);
      // Clear whatever Escape put back into the input box.
      await clearInput(cc);
      await cc.waitForPrompt(i === 2 ? undefined : 5_000);
      return;
    } catch (err) {
      if (i === 2) throw err;
    }
  }
}

/** The input box (rule, `❯`) is shown and nothing is working; the box may hold text. */
export const inputBoxIdle = (s: string): boolean => /^─{20,}\n❯/mu.test(s) && !/esc to interrupt/u.test(s) && !/^\s*❯ 1\. /mu.test(s);

/** The empty input box with its idle footer is on screen now. */
export async function idlePromptShown(cc: ClaudeCodeSession): Promise<boolean> {
  return idlePrompt((await cc.capture()).join('\n'));
}

/** Empties the input box (Ctrl+U deletes to the start of the line; repeated for multi-line). */
export async function clearInput(cc: ClaudeCodeSession): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const screen = (await cc.capture()).join('\n');
    if (/^❯\u00a0?\s*$/mu.test(screen)) return;
    await cc.keys('C-u');
    await sleep(100);
  }
}

const idleAgain = async ({ cc }: ScenarioContext) => {
  await cc.waitForScreen((s) => /\? for shortcuts/u.test(s), 'the idle prompt');
};

const waitWorking = (cc: ClaudeCodeSession, what: string, also: (s: string) => boolean = () => true) =>
  cc.waitForScreen((s) => /esc to interrupt/u.test(s) && also(s), what);

export const SCENARIOS: Scenario[] = [
  {
    name: 'idle-start',
    start: 'manual',
    state: 'idle',
    drive: async ({ cc }) => {
      await cc.waitForPrompt();
    },
    reset: async () => {},
  },
  {
    name: 'idle-after-answer',
    start: 'manual',
    state: 'idle',
    drive: async ({ cc, model }) => {
      model.script(textTurn('Here is the answer: forty-two.'));
      await submitPrompt(cc, 'what is the answer?');
      await cc.waitForScreen((s) => s.includes('forty-two') && /\? for shortcuts/u.test(s), 'the answer and the idle prompt');
    },
    reset: async () => {},
  },
  {
    name: 'idle-typed-not-sent',
    start: 'manual',
    state: 'idle',
    drive: async ({ cc }) => {
      await typeIntoBox(cc, 'a draft that is not sent yet');
    },
    reset: async ({ cc }) => clearInput(cc),
  },
  {
    name: 'working-streaming',
    start: 'manual',
    state: 'working',
    drive: async ({ cc, model }) => {
      model.script(textTurn('Streaming a long answer slowly. '.repeat(60), { chunkDelayMs: 200, chunkChars: 6 }));
      await submitPrompt(cc, 'stream something');
      await waitWorking(cc, 'streaming', (s) => s.includes('Streaming a long'));
    },
    reset: escapeToIdle,
  },
  {
    name: 'idle-after-escape',
    start: 'manual',
    state: 'idle',
    drive: async (ctx) => {
      ctx.model.script(textTurn('This will be interrupted. '.repeat(60), { chunkDelayMs: 200, chunkChars: 6 }));
      await submitPrompt(ctx.cc, 'start and be stopped');
      await waitWorking(ctx.cc, 'streaming', (s) => s.includes('This will be'));
      await escapeToIdle(ctx);
    },
    reset: async () => {},
  },
  {
    name: 'working-thinking',
    start: 'manual',
    state: 'working',
    drive: async ({ cc, model }) => {
      model.script({ blocks: [{ type: 'thinking', thinking: 'Let me think about this carefully. '.repeat(80) }, { type: 'text', text: 'Done thinking.' }], chunkDelayMs: 200, chunkChars: 8 });
      await submitPrompt(cc, 'think hard');
      await waitWorking(cc, 'thinking', (s) => /thinking/u.test(s));
    },
    reset: escapeToIdle,
  },
  {
    name: 'working-bash',
    start: 'manual',
    state: 'working',
    drive: async ({ cc, model }) => {
      model.script(toolTurn('Bash', { command: 'sleep 20 && echo waited', description: 'Wait twenty seconds' }));
      await submitPrompt(cc, 'wait a while');
      await waitWorking(cc, 'sleep running', (s) => s.includes('sleep 20') && !/Do you want/u.test(s));
    },
    reset: escapeToIdle,
  },
  {
    name: 'working-queued',
    start: 'manual',
    state: 'working',
    drive: async ({ cc, model }) => {
      model.script(textTurn('A slow answer while a message waits. '.repeat(60), { chunkDelayMs: 200, chunkChars: 6 }));
      await submitPrompt(cc, 'answer slowly');
      await waitWorking(cc, 'streaming', (s) => s.includes('A slow answer'));
      await submitPrompt(cc, 'queued follow-up');
      await sleep(500);
      await waitWorking(cc, 'still working with the queued message');
    },
    reset: async (ctx) => {
      await escapeToIdle(ctx);
    },
  },
  {
    name: 'bash-one-line',
    start: 'manual',
    state: 'waiting_approval',
    toolName: 'Bash',
    subject: ['touch one-line.txt'],
    drive: async ({ cc, model }) => {
      model.script(toolTurn('Bash', { command: 'touch one-line.txt', description: 'Create a file' }));
      await submitPrompt(cc, 'make a file');
      await dialogShown(cc, 'the Bash dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'bash-multi-line',
    start: 'manual',
    state: 'waiting_approval',
    toolName: 'Bash',
    subject: ['mkdir -p out', 'echo second > out/two.txt'],
    drive: async ({ cc, model }) => {
      model.script(toolTurn('Bash', { command: 'mkdir -p out\necho first > out/one.txt\necho second > out/two.txt', description: 'Write two files' }));
      await submitPrompt(cc, 'write two files');
      await dialogShown(cc, 'the multi-line Bash dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'edit',
    start: 'manual',
    state: 'waiting_approval',
    toolName: 'Edit',
    subject: ['notes.txt'],
    drive: async ({ cc, model }) => {
      writeFileSync(join(cc.workDir, 'notes.txt'), 'alpha\nbeta\ngamma\n');
      model.script(toolTurn('Read', { file_path: join(cc.workDir, 'notes.txt') }), toolTurn('Edit', { file_path: join(cc.workDir, 'notes.txt'), old_string: 'beta', new_string: 'BETA' }));
      await submitPrompt(cc, 'edit the notes');
      await dialogShown(cc, 'the Edit dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'write',
    start: 'manual',
    state: 'waiting_approval',
    toolName: 'Write',
    subject: ['fresh.txt'],
    drive: async ({ cc, model }) => {
      model.script(toolTurn('Write', { file_path: join(cc.workDir, 'fresh.txt'), content: 'hello from the fake model\n' }));
      await submitPrompt(cc, 'create a file');
      await dialogShown(cc, 'the Write dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'read-outside',
    start: 'manual',
    state: 'waiting_approval',
    toolName: 'Read',
    subject: ['/etc/hostname'],
    drive: async ({ cc, model }) => {
      model.script(toolTurn('Read', { file_path: '/etc/hostname' }));
      await submitPrompt(cc, 'read a system file');
      await dialogShown(cc, 'the Read dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'webfetch',
    start: 'manual',
    state: 'waiting_approval',
    toolName: 'WebFetch',
    subject: ['example.com'],
    drive: async ({ cc, model }) => {
      model.script(...deferredToolTurns('WebFetch', { url: 'https://example.com/page', prompt: 'Summarise the page' }));
      await submitPrompt(cc, 'fetch a page');
      await dialogShown(cc, 'the WebFetch dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'ask-user-question',
    start: 'manual',
    state: 'waiting_approval',
    toolName: 'AskUserQuestion',
    subject: ['Which colour should the button be?'],
    drive: async ({ cc, model }) => {
      model.script(toolTurn('AskUserQuestion', COLOUR_QUESTION));
      await submitPrompt(cc, 'ask me something');
      await cc.waitForScreen((s) => /Enter to select/u.test(s), 'the AskUserQuestion dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'mcp-tool',
    start: 'manual',
    state: 'waiting_approval',
    toolName: 'mcp__boss__report_status',
    subject: ['capturing screens'],
    drive: async ({ cc, model }) => {
      model.script(...deferredToolTurns('mcp__boss__report_status', { status: 'active', summary: 'capturing screens' }));
      await submitPrompt(cc, 'report your status');
      await dialogShown(cc, 'the MCP tool dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'menu-model',
    start: 'manual',
    state: 'idle',
    drive: async ({ cc }) => {
      await submitPrompt(cc, '/model');
      await cc.waitForScreen((s) => /Select model/iu.test(s), 'the /model menu');
    },
    reset: escapeToIdle,
  },
  {
    name: 'menu-mcp',
    start: 'manual',
    state: 'idle',
    drive: async ({ cc }) => {
      await submitPrompt(cc, '/mcp');
      await cc.waitForScreen((s) => /MCP|No MCP servers/iu.test(s) && !/\? for shortcuts/u.test(s), 'the /mcp menu');
    },
    reset: escapeToIdle,
  },
  {
    name: 'exit-plan-mode',
    start: 'plan',
    state: 'waiting_approval',
    toolName: 'ExitPlanMode',
    drive: async ({ cc, model }) => {
      model.script(...deferredToolTurns('ExitPlanMode', { plan: '1. Add a button\n2. Test it' }));
      await submitPrompt(cc, 'plan the change');
      await cc.waitForScreen((s) => /exit plan mode/iu.test(s) && /❯ 1\./u.test(s), 'the ExitPlanMode dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'trust',
    start: 'untrusted',
    state: 'waiting_approval',
    toolName: 'Trust',
    drive: async ({ cc }) => {
      await cc.waitForScreen((s) => /trust this folder/iu.test(s), 'the folder-trust dialog');
    },
    reset: async () => {},
  },
];

export { idleAgain };
