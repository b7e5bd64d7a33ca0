/**
 * Claude Code as an AgentUi: how to read its screen (screen.ts), answer its dialogs, interrupt it
 * and see typed text arrive in its input box. Facts measured on 2.1.328 (docs/testing.md).
 */
import type { AgentLaunch, AgentUi, DialogAnswer, InterruptPlan, KeyName, ScreenReading } from '../../backends/agent-ui.js';
import { BackendError } from '../../backends/errors.js';
import type { ApprovalDecision, ApprovalOption } from '../../backends/session-backend.js';
import { capturedForm } from '../../backends/typed-text.js';
import { CLAUDE_CODE_RESUME } from './resume.js';
import { chooseOption, inputBoxText, parseScreen, type ParseOptions } from './screen.js';

import { CLAUDE_CODE } from './kind.js';

export { CLAUDE_CODE };
export { CLAUDE_CODE_RESUME };

/**
 * A dialog must have been on screen this long before a key is sent to it: Claude Code 2.1 lost
 * keys sent within ~0.3 s of a dialog appearing (twice in a few dozen tries), never later.
 */
export const DIALOG_SETTLE_MS = 400;
/**
 * After the first Escape, how long to wait for the agent to stop before sending a second one (older
 * Claude Code versions asked for a confirming Escape; 2.1 stops on the first). A second Escape on an
 * idle 2.1 input box opens its rewind menu, so it is sent only if the agent still works by then.
 */
const INTERRUPT_CONFIRM_WAIT_MS = 1_500;
/**
 * One-line text up to this many characters must show in the input box exactly (whitespace aside)
 * before Enter; longer text may be drawn as a "[Pasted text #N]" placeholder or cut.
 */
const MAX_EXACT_CHARS = 256;
/** How much of the end of the text must be seen in the input box. */
const SHOWN_TAIL_CHARS = 24;

/**
 * Text as the box can show it, to compare typed text with a capture of the box: the box wraps and
 * indents lines and turns tabs into spaces; Claude Code composes the text (NFC) and drops
 * zero-width characters as it takes it in; tmux cannot capture a wide emoji grapheme whole
 * (typed-text.ts).
 */
const squash = capturedForm;

/** Short one-line text, which the input box shows whole. */
const isShortLine = (text: string): boolean => text.length <= MAX_EXACT_CHARS && !/[\x00-\x1f\x7f]/.test(text);

/**
 * The input box shows the text: its end (compared as squash folds both), or the placeholder
 * Claude Code draws for a long paste.
 */
export function showsText(box: string, text: string): boolean {
  if (/\[Pasted text #\d+/u.test(box)) return true;
  const tail = squash(text).slice(-SHOWN_TAIL_CHARS);
  return tail === '' || squash(box).includes(tail);
}

const optionList = (offered: readonly ApprovalOption[]): string => offered.map((o) => `${o.number}. ${o.label}`).join('; ');

/** The option that answers the decision (or the explicit option number); undefined = Escape. */
function pickOption(where: string, dialog: ScreenReading, decision: ApprovalDecision, number: number | undefined): ApprovalOption | undefined {
  const offered = dialog.options ?? [];
  const list = optionList(offered);
  if (number !== undefined) {
    const chosen = offered.find((o) => o.number === number);
    if (!chosen) throw new BackendError(`The prompt in ${where} has no option ${number}; it offers: ${list}. Nothing was sent.`, 'option_unavailable');
    return chosen;
  }
  if (dialog.toolName === 'AskUserQuestion' && decision !== 'no') {
    throw new BackendError(
      `${capital(where)} is asking a question, not for permission: pick a choice with option N (${list}), or decision "no" to decline. Nothing was sent.`,
      'option_unavailable',
    );
  }
  const option = chooseOption(offered, decision);
  if (!option && decision !== 'no') {
    throw new BackendError(
      decision === 'always'
        ? `The prompt in ${where} offers no "don't ask again" option; it offers: ${list}. Answer yes or no, or pick one with option N. Nothing was sent.`
        : `The prompt in ${where} offers no "yes" option; it offers: ${list}. Pick one with option N. Nothing was sent.`,
      'option_unavailable',
    );
  }
  return option;
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Numbered options: the digit, typed as a key press (a dialog reads a digit key, and may ignore a
 * pasted "1"). Unnumbered ones (folder trust): arrows from the selected option, then Enter. No
 * option (decline without a "No" choice): Escape.
 */
export function answerKeys(dialog: ScreenReading, decision: ApprovalDecision, option: number | undefined, where: string): DialogAnswer {
  const chosen = pickOption(where, dialog, decision, option);
  if (!chosen) return { keys: [{ key: 'Escape' }], keySent: 'Escape' };
  if (dialog.numbered !== false) return { keys: [{ literal: String(chosen.number) }], keySent: String(chosen.number), chosen };
  const from = dialog.options?.find((o) => o.selected)?.number ?? 1;
  const arrow: KeyName = chosen.number > from ? 'Down' : 'Up';
  const names: KeyName[] = [...Array<KeyName>(Math.abs(chosen.number - from)).fill(arrow), 'Enter'];
  return { keys: names.map((key) => ({ key })), keySent: names.join(' '), chosen };
}

const INTERRUPT: InterruptPlan = { key: 'Escape', confirmWaitMs: INTERRUPT_CONFIRM_WAIT_MS };

/** `claude`; its flags that run tools without asking, and the permission mode that does. */
export const CLAUDE_CODE_LAUNCH: AgentLaunch = {
  defaultCommand: 'claude',
  takesIgnition: true,
  skipPermissionsFlag: '--dangerously-skip-permissions',
  skipPermissionWords: ['--dangerously-skip-permissions', '--allow-dangerously-skip-permissions', 'bypassPermissions'],
  mcpCheck: '/mcp in its session lists its MCP servers and why one failed; `claude mcp list` in its work directory checks each one',
  resume: CLAUDE_CODE_RESUME,
};

/** Claude Code's UI; `mcpToolTitles` names this server's own MCP tools from their dialog titles. */
export function claudeCodeUi(options: ParseOptions = {}): AgentUi {
  return {
    kind: CLAUDE_CODE,
    launch: CLAUDE_CODE_LAUNCH,
    programNames: ['claude'],
    parse: (lines) => parseScreen(lines, options),
    answerKeys,
    interruptPlan: INTERRUPT,
    dialogSettleMs: DIALOG_SETTLE_MS,
    inputBoxText,
    inputShows: showsText,
    // Claude Code 2.1 sometimes drops the first input right after a turn ends (a typed first
    // letter, or a whole paste): short one-line text into an empty box is checked whole.
    mustShowExactly: (text, before) => before === '' && isShortLine(text),
    inputIs: (box, text) => squash(box) === squash(text),
    // Only a lost paste or a lost start is repaired; a box that draws the text otherwise (cut to
    // its width) is judged by the end of the text.
    lostStart: (box, text) => squash(box).length < squash(text).length && squash(text).endsWith(squash(box)),
    clearInputKey: 'C-u',
  };
}
