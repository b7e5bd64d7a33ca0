/**
 * Screens of the classes the parser once read wrong (issue: "state truth, round 2"), brought about
 * on the real Claude Code with the fake model: an exited Claude Code, the user's own overlays, text
 * quoting the UI, background work after the turn, a subagent's prompt, dialogs taller than the
 * window, tool naming, API trouble. capture-screens.ts stores them per version and size; the table
 * test (test/unit/screen-classes.test.ts) checks every one; the real-client tests drive some live.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deferredToolTurns, textTurn, toolTurn, type FakeModel } from '../fixtures/fake-model.js';
import type { ClaudeCodeOptions, ClaudeCodeSession } from '../helpers/claude-code.js';
import { clearInput, COLOUR_QUESTION, escapeToIdle, submitPrompt, typeIntoBox } from './scenarios.js';

export interface ClassContext {
  cc: ClaudeCodeSession;
  model: FakeModel;
}

/** What the parser must read from the screen. */
export interface ClassExpectation {
  state: 'idle' | 'working' | 'waiting_approval' | 'gone';
  toolName?: string;
  /** Text the prompt's subject must contain. */
  subject?: string[];
  /** Option labels the dialog must offer, in order (a prefix of each label). */
  options?: string[];
  /** The agent that asks, when not the main one (`· from the general-purpose agent`). */
  subagent?: string;
  /** The reason the agent is blocked (it gave up on the API). */
  blocked?: 'rate_limit' | 'overloaded' | 'server_error' | 'auth';
  /** It retries the API: the reason the row must carry (working). */
  retrying?: boolean;
  /** The resume command the screen shows. */
  resume?: boolean;
}

export interface ClassScenario {
  name: string;
  /** The class, 1–8. */
  cls: number;
  /** Needs a Claude Code of its own (started with these options, stopped after the capture). */
  own?: Pick<ClaudeCodeOptions, 'afterExit' | 'permissionMode' | 'height' | 'env'>;
  expect: ClassExpectation;
  drive(ctx: ClassContext): Promise<void>;
  /** Back to the idle prompt (shared sessions only). */
  reset?(ctx: ClassContext): Promise<void>;
}

/** The bottom of the screen (where a dialog is drawn), not the transcript that may quote one. */
const bottom = (s: string, lines = 10): string => s.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
const dialogShown = (cc: ClaudeCodeSession, what: string) => cc.waitForScreen((s) => /^\s*❯ 1\. /mu.test(bottom(s)) && /Esc to cancel/u.test(bottom(s)), what, 30_000);
const answered = (cc: ClaudeCodeSession, text: string) => cc.waitForScreen((s) => s.includes(text) && /\? for shortcuts/u.test(s), `the answer "${text}" and the idle prompt`);

/** Ends Claude Code with SIGKILL (a crash): its pid is the pane's child or the pane itself. */
export function killClaude(cc: ClaudeCodeSession): void {
  const pane = Number(execFileSync('tmux', ['-L', cc.tmux.socketName, 'display-message', '-p', '-t', `=${cc.session}:`, '#{pane_pid}'], { encoding: 'utf8' }).trim());
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pane)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
  for (const pid of children) process.kill(pid, 'SIGKILL');
}

/** An answer quoting a spinner line and a whole permission dialog in a code block. */
async function answerQuotingTheUi(cc: ClaudeCodeSession, model: FakeModel): Promise<void> {
  const quoted = [
    'Here is what the screen looked like:',
    '',
    '```',
    '✻ Whirring… (15s · ↓ 47 tokens · esc to interrupt)',
    '',
    'Bash command',
    '',
    '  rm -rf build',
    '',
    'Do you want to proceed?',
    '❯ 1. Yes',
    '  2. No',
    '',
    'Esc to cancel · Tab to amend',
    '```',
    '',
    'QUOTED-DONE',
  ].join('\n');
  model.script(textTurn(quoted));
  await submitPrompt(cc, 'show me the screen');
  await answered(cc, 'QUOTED-DONE');
}

/** Lines of a file taller than any test window. */
const TALL = Array.from({ length: 70 }, (_, i) => `line ${i + 1} of a long file`).join('\n');

export const MCP_GITHUB_TOOL = 'mcp__github__create_issue';

export const CLASS_SCENARIOS: ClassScenario[] = [
  // 1. Claude Code has exited.
  {
    name: 'exited-shell',
    cls: 1,
    own: { afterExit: 'shell' },
    expect: { state: 'gone', resume: true },
    drive: async ({ cc, model }) => {
      model.script(textTurn('Noted.'));
      await submitPrompt(cc, 'remember this');
      await answered(cc, 'Noted.');
      await submitPrompt(cc, '/exit');
      await cc.waitForScreen((s) => /dev@box:~\/webapp\$\s*$/u.test(s), 'the shell prompt after /exit');
    },
  },
  {
    name: 'exited-marker',
    cls: 1,
    own: { afterExit: 'marker' },
    expect: { state: 'gone' },
    drive: async ({ cc }) => {
      await submitPrompt(cc, '/exit');
      await cc.waitForScreen((s) => /\[claude exited 0\]/u.test(s), 'the exit marker');
    },
  },
  {
    name: 'exited-crash',
    cls: 1,
    own: { afterExit: 'shell' },
    expect: { state: 'gone' },
    drive: async ({ cc, model }) => {
      model.script(textTurn('Working on it. '.repeat(200), { chunkDelayMs: 200, chunkChars: 6 }));
      await submitPrompt(cc, 'start something long');
      await cc.waitForScreen((s) => /esc to interrupt/u.test(s), 'the turn running');
      killClaude(cc);
      // The shell prints its prompt where Claude Code's cursor was: over the old screen's last lines.
      await cc.waitForScreen((s) => /dev@box:~\/webapp\$/u.test(s.split('\n').slice(-2).join('\n')), 'the shell prompt after the crash');
    },
  },
  // 2. The user's own overlays.
  {
    name: 'overlay-help',
    cls: 2,
    expect: { state: 'idle' },
    drive: async ({ cc }) => {
      await cc.type('?');
      await cc.waitForScreen((s) => /for shell mode|shortcuts/u.test(s) && !/^❯[\s\u00a0]*\?/mu.test(s), 'the shortcuts help');
    },
    reset: escapeToIdle,
  },
  {
    name: 'overlay-transcript',
    cls: 2,
    expect: { state: 'idle' },
    drive: async ({ cc, model }) => {
      model.script(textTurn('An answer to look at in the transcript.'));
      await submitPrompt(cc, 'say something');
      await answered(cc, 'An answer to look at');
      await cc.keys('C-o');
      await cc.waitForScreen((s) => !/^─{20,}\n❯/mu.test(s), 'the transcript view (no input box)');
    },
    reset: escapeToIdle,
  },
  {
    name: 'overlay-model',
    cls: 2,
    expect: { state: 'idle' },
    drive: async ({ cc }) => {
      await submitPrompt(cc, '/model');
      await cc.waitForScreen((s) => /Select model/iu.test(s), 'the /model menu');
    },
    reset: escapeToIdle,
  },
  {
    name: 'overlay-slash',
    cls: 2,
    expect: { state: 'idle' },
    drive: async ({ cc }) => {
      await cc.type('/');
      await cc.waitForScreen((s) => /\/help|\/model|\/clear/u.test(s), 'the slash-command menu');
    },
    reset: async (ctx) => {
      await clearInput(ctx.cc);
      await escapeToIdle(ctx);
    },
  },
  {
    name: 'overlay-rewind',
    cls: 2,
    expect: { state: 'idle' },
    drive: async ({ cc, model }) => {
      model.script(textTurn('First answer.'));
      await submitPrompt(cc, 'first message');
      await answered(cc, 'First answer.');
      await sleep(500);
      await cc.keys('Escape');
      await sleep(150);
      await cc.keys('Escape');
      await cc.waitForScreen((s) => /Rewind|Restore/iu.test(s), 'the rewind menu');
    },
    reset: escapeToIdle,
  },
  {
    name: 'overlay-history',
    cls: 2,
    expect: { state: 'idle' },
    drive: async ({ cc }) => {
      await cc.keys('C-r');
      await cc.waitForScreen((s) => /search/iu.test(s), 'the history search');
    },
    reset: escapeToIdle,
  },
  // 3. Text quoting the UI.
  {
    name: 'quote-answer',
    cls: 3,
    own: {},
    expect: { state: 'idle' },
    drive: async ({ cc, model }) => {
      await answerQuotingTheUi(cc, model);
    },
  },
  {
    name: 'quote-draft',
    cls: 3,
    own: {},
    expect: { state: 'idle' },
    drive: async ({ cc, model }) => {
      await answerQuotingTheUi(cc, model);
      await typeIntoBox(cc, 'why does it say (esc to interrupt) there');
    },
  },
  // 4. Background work after the turn.
  {
    name: 'background-shell',
    cls: 4,
    own: {},
    expect: { state: 'idle' },
    drive: async ({ cc, model }) => {
      model.script(toolTurn('Bash', { command: 'sleep 120', description: 'Wait in the background', run_in_background: true }), textTurn('Started it in the background.'));
      await submitPrompt(cc, 'start a background wait');
      await cc.waitForScreen((s) => s.includes('Started it in the background') && /shell/u.test(s) && !/esc to interrupt/u.test(s), 'the turn done, one shell running');
    },
  },
  // 5. A subagent's prompt.
  {
    name: 'subagent-bash',
    cls: 5,
    own: {},
    expect: { state: 'waiting_approval', toolName: 'Bash', subject: ['touch from-subagent.txt'], subagent: 'general-purpose', options: ['Yes'] },
    drive: async ({ cc, model }) => {
      model.script(
        toolTurn('Agent', { description: 'Make a file', prompt: 'SUBAGENT-TASK: create the file', subagent_type: 'general-purpose' }),
        {
          ...toolTurn('Bash', { command: 'touch from-subagent.txt', description: 'Create a file' }),
          when: (r) => (r.body.tools?.length ?? 0) > 0 && JSON.stringify(r.body.messages ?? []).includes('SUBAGENT-TASK') && r.toolResults.length === 0,
        },
      );
      await submitPrompt(cc, 'delegate a file');
      await cc.waitForScreen((s) => /touch from-subagent/u.test(s) && /❯ 1\./u.test(bottom(s)), 'the subagent dialog', 40_000);
    },
  },
  // 6. Dialogs taller than the window.
  {
    name: 'tall-write',
    cls: 6,
    expect: { state: 'waiting_approval', toolName: 'Write', options: ['Yes'] },
    drive: async ({ cc, model }) => {
      model.script(toolTurn('Write', { file_path: join(cc.workDir, 'long.txt'), content: `${TALL}\n` }));
      await submitPrompt(cc, 'write a long file');
      await dialogShown(cc, 'the tall Write dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'tall-edit',
    cls: 6,
    expect: { state: 'waiting_approval', toolName: 'Edit', options: ['Yes'] },
    drive: async ({ cc, model }) => {
      writeFileSync(join(cc.workDir, 'big.txt'), `${TALL}\n`);
      model.script(
        toolTurn('Read', { file_path: join(cc.workDir, 'big.txt') }),
        toolTurn('Edit', { file_path: join(cc.workDir, 'big.txt'), old_string: TALL, new_string: TALL.replaceAll('line', 'LINE') }),
      );
      await submitPrompt(cc, 'edit the long file');
      await dialogShown(cc, 'the tall Edit dialog');
    },
    reset: escapeToIdle,
  },
  // 7. Tool naming.
  {
    name: 'websearch',
    cls: 7,
    expect: { state: 'waiting_approval', toolName: 'WebSearch', subject: ['tmux control mode'], options: ['Yes'] },
    drive: async ({ cc, model }) => {
      model.script(...deferredToolTurns('WebSearch', { query: 'tmux control mode' }));
      await submitPrompt(cc, 'search the web');
      await dialogShown(cc, 'the WebSearch dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'mcp-second-server',
    cls: 7,
    expect: { state: 'waiting_approval', toolName: MCP_GITHUB_TOOL, subject: ['acme/webapp'], options: ['Yes'] },
    drive: async ({ cc, model }) => {
      model.script(...deferredToolTurns(MCP_GITHUB_TOOL, { repo: 'acme/webapp', title: 'Button colour' }));
      await submitPrompt(cc, 'file an issue');
      await dialogShown(cc, 'the github MCP dialog');
    },
    reset: escapeToIdle,
  },
  {
    name: 'ask-submit-tab',
    cls: 7,
    expect: { state: 'waiting_approval', toolName: 'AskUserQuestion' },
    drive: async ({ cc, model }) => {
      const second = { question: 'Which size should it be?', header: 'Size', multiSelect: false, options: [{ label: 'Small', description: 'Fits a toolbar' }, { label: 'Large', description: 'Fills the row' }] };
      model.script(toolTurn('AskUserQuestion', { questions: [...COLOUR_QUESTION.questions, second] }));
      await submitPrompt(cc, 'ask me two things');
      await cc.waitForScreen((s) => /Enter to select/u.test(bottom(s)), 'the question');
      await sleep(500);
      await cc.keys('1');
      await cc.waitForScreen((s) => /Which size/u.test(s), 'the second question');
      await sleep(500);
      await cc.keys('1');
      await cc.waitForScreen((s) => /Submit answers|Review your answers/iu.test(s), 'the Submit tab');
    },
    reset: escapeToIdle,
  },
  // 8. API trouble.
  {
    name: 'api-retrying',
    cls: 8,
    own: {},
    expect: { state: 'working', retrying: true },
    drive: async ({ cc, model }) => {
      model.script(...Array.from({ length: 12 }, () => ({ error: { status: 500, type: 'api_error', message: 'Internal server error', retry: true } })));
      await submitPrompt(cc, 'try the api');
      await cc.waitForScreen((s) => /retrying in|attempt \d+\/\d+/iu.test(s), 'the retry status', 60_000);
    },
  },
  {
    name: 'api-overloaded',
    cls: 8,
    own: {},
    expect: { state: 'idle', blocked: 'overloaded' },
    drive: async ({ cc, model }) => {
      // Older versions (2.1.300) retry a 529 a few times before they give up ("Repeated 529 …").
      model.script(...Array.from({ length: 12 }, () => ({ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } })));
      await submitPrompt(cc, 'try the api');
      await cc.waitForScreen((s) => /API Error/iu.test(s) && /\? for shortcuts/u.test(s), 'the overloaded error', 90_000);
    },
  },
  {
    name: 'api-rate-limit',
    cls: 8,
    own: {},
    expect: { state: 'idle', blocked: 'rate_limit' },
    drive: async ({ cc, model }) => {
      model.script({ error: { status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } });
      await submitPrompt(cc, 'try the api');
      await cc.waitForScreen((s) => /API Error|rate limit/iu.test(s) && /\? for shortcuts/u.test(s), 'the rate-limit error');
    },
  },
  {
    name: 'api-server-error',
    cls: 8,
    own: {},
    expect: { state: 'idle', blocked: 'server_error' },
    drive: async ({ cc, model }) => {
      model.script({ error: { status: 500, type: 'api_error', message: 'Internal server error' } });
      await submitPrompt(cc, 'try the api');
      await cc.waitForScreen((s) => /API Error/iu.test(s) && /\? for shortcuts/u.test(s), 'the server error');
    },
  },
  {
    name: 'api-auth',
    cls: 8,
    own: {},
    expect: { state: 'idle', blocked: 'auth' },
    drive: async ({ cc, model }) => {
      model.script({ error: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' } });
      await submitPrompt(cc, 'try the api');
      await cc.waitForScreen((s) => /API Error|api key|login/iu.test(s) && /\? for shortcuts/u.test(s), 'the auth error');
    },
  },
];
