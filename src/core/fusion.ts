/**
 * One agent's state from two witnesses: its latest hook event (exact, early, but blind to an
 * interrupt, to a prompt answered at the terminal and to dialogs no hook announces) and its screen
 * (always current, but a guess from pixels). Pure: the inputs carry their own times. What the
 * program's events and tools mean comes from its hook dialect (AgentHooks).
 *
 * Rules, first match wins:
 *   1. No hook state (hooks not installed, or none fired yet)      → the screen.
 *   2. The screen says the session is missing                       → the screen (missing).
 *   3. Screen unknown (backend down, session not probed)            → the hook.
 *   4. The hook says gone and the screen shows no dialog            → gone, from the hook.
 *   5. A dialog on screen while the hook's last event is one a prompt follows (precedesPrompt)
 *                                                                   → the screen (the dialog is drawn
 *      before the event announcing it is recorded).
 *   6. The hook event is fresh (younger than `freshMs`)             → the hook: the screen may not
 *      have caught up yet (the dialog not drawn, the spinner not gone).
 *   7. Both agree on the state (and, for a prompt, on the tool)     → the hook, which knows the
 *      exact tool input; the screen adds the prompt's text.
 *   8. They disagree                                                → the screen, which shows what
 *      no hook reports: an interrupt (working → idle), a prompt answered at the terminal
 *      (waiting_approval → working / idle), a dialog no hook announced (→ waiting_approval), a turn
 *      the program started by itself (idle → working).
 * Whenever the two disagree, the row says so in `conflict`, whichever wins.
 */
import type { BlockedReason } from '../backends/blocked.js';
import type { ScreenStateName } from '../backends/session-backend.js';
import type { AgentHooks, HookState, SubjectForm } from '../backends/agent-hooks.js';

export type LivenessState = ScreenStateName;
/** hook: a hook event; screen: the terminal; call: the agent is calling a tool right now (see liveness.ts ownTurn); acp: the agent's Agent Client Protocol session said it (exact, nothing to fuse). */
export type StateSource = 'hook' | 'screen' | 'call' | 'acp';

/** What the screen probe showed, and since when this process has seen it (undefined: first sight). */
export interface ScreenView {
  state: ScreenStateName;
  toolName?: string;
  promptText?: string;
  promptId?: string;
  /** gone: the resume command shown; idle: the API error the turn ended on; working: the retry status; the asking subagent. */
  resumeCommand?: string;
  blocked?: BlockedReason;
  retrying?: string;
  subagent?: string;
  since?: number;
}

export interface FusedState {
  state: LivenessState;
  source: StateSource;
  /** When the state began, as known to its source (ms). */
  since: number;
  needs_approval: boolean;
  tool_name?: string;
  tool_input?: unknown;
  /** The command / file / URL / MCP arguments of a pending prompt (from the hook). */
  subject?: string;
  prompt_text?: string;
  prompt_id?: string;
  /** The prompt id the screen computed, when the row's prompt_id came from the hook. */
  screen_prompt_id?: string;
  error?: string;
  /** The agent is stuck on the model API: it gave up (idle) on this kind of error. */
  blocked?: BlockedReason;
  /** It is retrying the API (working): the status line saying so. */
  retrying?: string;
  /** The program exited: the command that resumes its conversation, as its screen shows it. */
  resume_command?: string;
  /** The pending prompt is a subagent's (its type). */
  subagent?: string;
  activity?: string;
  hook_state?: string;
  hook_event?: string;
  /** When the latest hook event arrived (ms). */
  hook_at?: number;
  screen_state: ScreenStateName;
  /** The hook and the screen disagree: what each says and which one the row follows. */
  conflict?: string;
}

/** How long a hook event outranks a screen that says otherwise. */
export const HOOK_FRESH_MS = 1000;

const secondsAgo = (now: number, t: number): string => `${Math.max(0, (now - t) / 1000).toFixed(1)} s ago`;

export function fuseState(program: AgentHooks | undefined, hook: HookState | undefined, screen: ScreenView, now: number, freshMs = HOOK_FRESH_MS): FusedState {
  const fromScreen = (conflict?: string): FusedState => ({
    state: screen.state,
    source: 'screen',
    since: screen.since ?? now,
    needs_approval: screen.state === 'waiting_approval',
    ...(screen.toolName !== undefined && { tool_name: screen.toolName }),
    ...(screen.promptText !== undefined && { prompt_text: screen.promptText }),
    ...(screen.promptId !== undefined && { prompt_id: screen.promptId }),
    ...screenFacts(screen, screen.state),
    ...(hook && { hook_state: hook.state, hook_event: hook.event, hook_at: hook.at }),
    screen_state: screen.state,
    ...(conflict !== undefined && { conflict }),
  });
  if (!hook || !program) return fromScreen();

  const d = hook.detail;
  const fromHook = (conflict?: string): FusedState => {
    const waiting = hook.state === 'waiting_approval';
    const screenPrompt = waiting && screen.state === 'waiting_approval';
    const toolName = waiting ? (d.tool_name ?? (screenPrompt ? screen.toolName : undefined)) : undefined;
    const promptId = waiting ? (d.prompt_id ?? (screenPrompt ? screen.promptId : undefined)) : undefined;
    return {
      state: hook.state,
      source: 'hook',
      since: hook.since,
      needs_approval: waiting,
      ...(toolName !== undefined && { tool_name: toolName }),
      ...(waiting && d.tool_input !== undefined && { tool_input: d.tool_input }),
      ...(waiting && d.subject !== undefined && { subject: d.subject }),
      ...(screenPrompt && screen.promptText !== undefined && { prompt_text: screen.promptText }),
      ...(promptId !== undefined && { prompt_id: promptId }),
      ...(screenPrompt && screen.promptId !== undefined && screen.promptId !== promptId && { screen_prompt_id: screen.promptId }),
      ...(d.error !== undefined && { error: d.error }),
      // What the screen adds to the hook's state when both show it (no hook fires while the API is retried).
      ...(screen.state === hook.state && screenFacts(screen, hook.state)),
      ...(hook.state === 'idle' && d.blocked !== undefined && { blocked: d.blocked }),
      ...(waiting && d.subagent !== undefined && { subagent: d.subagent }),
      ...(d.activity !== undefined && { activity: d.activity }),
      hook_state: hook.state,
      hook_event: hook.event,
      hook_at: hook.at,
      screen_state: screen.state,
      ...(conflict !== undefined && { conflict }),
    };
  };

  if (screen.state === 'missing') return fromScreen(hook.state === 'gone' ? undefined : `hook says ${hook.state} (${hook.event} ${secondsAgo(now, hook.at)}) but the session is gone`);
  if (screen.state === 'unknown') return fromHook();

  const toolsDiffer =
    hook.state === 'waiting_approval' && screen.state === 'waiting_approval' && screen.toolName !== undefined && program.differentTools(d.tool_name, screen.toolName);
  const agree = hook.state === screen.state && !toolsDiffer;
  const says = `hook says ${hook.state}${d.tool_name && hook.state === 'waiting_approval' ? ` (${d.tool_name})` : ''} (${hook.event} ${secondsAgo(now, hook.at)}), screen shows ${screen.state}${screen.toolName && screen.state === 'waiting_approval' ? ` (${screen.toolName})` : ''}`;

  if (hook.state === 'gone') {
    if (screen.state !== 'waiting_approval') return fromHook();
    return fromScreen(`${says}: following the screen (a dialog is open)`);
  }
  // A dialog is drawn before the hook event announcing it is recorded: a screen showing one
  // outranks a fresh event that a prompt follows.
  if (program.precedesPrompt(hook.event) && screen.state === 'waiting_approval') return fromScreen(`${says}: following the screen (a prompt follows ${hook.event}; the hook event announcing it has not arrived yet)`);
  if (now - hook.at < freshMs) return fromHook(agree ? undefined : `${says}: following the hook (the screen may lag the event)`);
  if (agree) return fromHook();
  return fromScreen(`${says}: following the screen (${whyScreen(hook.state, screen.state)})`);
}

/** The screen's facts that belong to `state`: the resume command, the blocked reason, the retry, the subagent. */
function screenFacts(screen: ScreenView, state: ScreenStateName): Partial<FusedState> {
  return {
    ...(state === 'gone' && screen.resumeCommand !== undefined && { resume_command: screen.resumeCommand }),
    ...(state === 'idle' && screen.blocked !== undefined && { blocked: screen.blocked }),
    ...(state === 'working' && screen.retrying !== undefined && { retrying: screen.retrying }),
    ...(state === 'waiting_approval' && screen.subagent !== undefined && { subagent: screen.subagent }),
  };
}

function whyScreen(hook: HookState['state'], screen: ScreenStateName): string {
  if (screen === 'gone') return 'the program exited without a session-end hook (a crash, or it was killed)';
  if (hook === 'waiting_approval' && screen !== 'waiting_approval') return 'the prompt was answered at the terminal or dismissed';
  if (hook !== 'waiting_approval' && screen === 'waiting_approval') return 'a dialog no hook announced is open';
  if (hook === 'working' && screen === 'idle') return 'interrupted (an interrupt fires no hook)';
  if (hook === 'idle' && screen === 'working') return 'a turn began that no hook announced';
  return 'the screen is current';
}

/** The longest prompt text the screen parser keeps: a text this long may go on beyond it. */
const SCREEN_TEXT_CAP = 2000;
const ELLIPSIS = /…|\.\.\./u;

/** Whether `text` matches `pieces` joined by "anything" (a shortened view), anchored where the view was not shortened. */
function globMatch(pieces: readonly string[], text: string, openStart: boolean, openEnd: boolean): boolean {
  let at = 0;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    const found = i === 0 && !openStart ? (text.startsWith(p) ? 0 : -1) : text.indexOf(p, at);
    if (found < 0) return false;
    at = found + p.length;
  }
  return openEnd || at === text.length;
}

/**
 * Whether a dialog's text on screen shows the subject a hook recorded for the prompt (the command,
 * the file, the URL, the tool input): approving with a hook's prompt id is allowed only then, since
 * a hook state goes stale (a hook dropped, an Escape fires none) while another dialog opens. The
 * screen may show the subject whole or shortened with an ellipsis, wrapped anywhere (whitespace is
 * ignored), a file by a path relative to the project followed by its content, a URL among other
 * fields, and a tool input as `key: value` lines. When unsure it answers false (nothing is sent).
 */
export function dialogShowsSubject(form: SubjectForm, subject: string | undefined, screenText: string | undefined): boolean {
  if (subject === undefined || screenText === undefined || screenText.trim() === '') return false;
  const spaced = (s: string) => s.replace(/\s+/gu, ' ').trim();
  const tight = (s: string) => s.replace(/\s+/gu, '');
  const shown = spaced(screenText);
  const openEnd = shown.length >= SCREEN_TEXT_CAP || /(?:…|\.\.\.)$/u.test(shown);
  const openStart = /^(?:…|\.\.\.)/u.test(shown);
  const pieces = (norm: (s: string) => string) => shown.split(ELLIPSIS).map(norm).filter((p) => p !== '');
  // The subject itself, whole or shortened (shell commands, a file read by its absolute path).
  if (globMatch(pieces(tight), tight(subject), openStart, openEnd)) return true;
  if (form === 'path') {
    // The path, or a tail of it after a "/", as the first word(s) of the dialog's text.
    const path = spaced(subject);
    const tails = [path, ...[...path.matchAll(/\//gu)].map((m) => path.slice(m.index! + 1))].filter((t) => t !== '');
    return tails.some((t) => shown === t || shown.startsWith(`${t} `));
  }
  if (form === 'word') return ` ${shown} `.includes(` ${spaced(subject)} `);
  // A tool input drawn as `key: value` lines: the same letters and digits, in order.
  if (form !== 'command') {
    const alnum = (s: string) => s.replace(/[^\p{L}\p{N}]+/gu, '');
    return globMatch(pieces(alnum), alnum(subject), openStart, openEnd);
  }
  return false;
}
