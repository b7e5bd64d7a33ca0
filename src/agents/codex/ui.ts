/**
 * Codex CLI as an AgentUi: its screen (screen.ts), its approval keys (`y` proceed, `p` don't ask
 * again, Escape to decline, as the options show them), Escape to interrupt, its input box. Facts
 * measured on 0.171.0 (docs/testing.md). Codex is started with `--no-daemon` (see program.ts).
 */
import type { AgentLaunch, AgentUi, DialogAnswer, InterruptPlan, Keystroke, ScreenReading } from '../../backends/agent-ui.js';
import { BackendError } from '../../backends/errors.js';
import type { ApprovalDecision, ApprovalOption } from '../../backends/session-backend.js';
import { codexInputBoxText, parseCodexScreen } from './screen.js';

export const CODEX = 'codex';

/** Keys sent to a prompt drawn less than this long ago may be lost. */
const DIALOG_SETTLE_MS = 300;
const INTERRUPT: InterruptPlan = { key: 'Escape', confirmWaitMs: 1_500 };

/**
 * `codex --no-daemon`: without it the TUI starts a background app-server that outlives the TUI and
 * its tmux session, and runs the tools under it. Skipping prompts: the bypass flag, its `--yolo`
 * alias, and the approval policy "never" given as a config override (`-c approval_policy=never`).
 */
export const CODEX_LAUNCH: AgentLaunch = {
  defaultCommand: 'codex --no-daemon',
  takesIgnition: true,
  skipPermissionsFlag: '--dangerously-bypass-approvals-and-sandbox',
  skipPermissionWords: ['--dangerously-bypass-approvals-and-sandbox', '--yolo', 'approval_policy=never', '--ask-for-approval=never'],
};
const MAX_EXACT_CHARS = 256;
const SHOWN_TAIL_CHARS = 24;

const squash = (s: string): string => s.replace(/\s+/gu, '');
const optionList = (offered: readonly ApprovalOption[]): string => offered.map((o) => `${o.number}. ${o.label}`).join('; ');

/** "Yes, proceed (y)" → yes; "Yes, and don't ask again … (p)" → always; "No, …" → no. */
function decisionOf(label: string): ApprovalDecision | undefined {
  if (/^no\b/iu.test(label)) return 'no';
  if (/^yes\b.*(?:don't ask again|for this session|always)/iu.test(label)) return 'always';
  if (/^yes\b/iu.test(label)) return 'yes';
  return undefined;
}

/** The key shown after an option ("(y)"), as a keystroke; a digit when it shows none. */
function keyFor(option: ApprovalOption): Keystroke {
  const shown = /\(([^()\s]+)\)$/u.exec(option.label)?.[1];
  if (shown === 'esc') return { key: 'Escape' };
  if (shown !== undefined && /^[a-z]$/u.test(shown)) return { literal: shown };
  return { literal: String(option.number) };
}

export function answerCodex(dialog: ScreenReading, decision: ApprovalDecision, option: number | undefined, where: string): DialogAnswer {
  const offered = dialog.options ?? [];
  const chosen = option !== undefined ? offered.find((o) => o.number === option) : offered.find((o) => decisionOf(o.label) === decision);
  if (!chosen) {
    if (option === undefined && decision === 'no') return { keys: [{ key: 'Escape' }], keySent: 'Escape' };
    throw new BackendError(
      option !== undefined
        ? `The prompt in ${where} has no option ${option}; it offers: ${optionList(offered)}. Nothing was sent.`
        : `The prompt in ${where} offers no ${decision === 'always' ? `"don't ask again"` : '"yes"'} option; it offers: ${optionList(offered)}. Pick one with option N. Nothing was sent.`,
      'option_unavailable',
    );
  }
  const key = keyFor(chosen);
  return { keys: [key], keySent: 'key' in key ? key.key : key.literal, chosen };
}

export function codexUi(): AgentUi {
  return {
    kind: CODEX,
    launch: CODEX_LAUNCH,
    programNames: ['codex'],
    parse: parseCodexScreen,
    answerKeys: answerCodex,
    interruptPlan: INTERRUPT,
    dialogSettleMs: DIALOG_SETTLE_MS,
    inputBoxText: codexInputBoxText,
    // A long paste is drawn as "[Pasted Content N chars]".
    inputShows: (box, text) => /\[Pasted Content \d+ chars\]/u.test(box) || squash(box).includes(squash(text).slice(-SHOWN_TAIL_CHARS)),
    mustShowExactly: (text, before) => before === '' && text.length <= MAX_EXACT_CHARS && !/[\x00-\x1f\x7f]/u.test(text),
    inputIs: (box, text) => squash(box) === squash(text),
    lostStart: (box, text) => squash(box).length < squash(text).length && squash(text).endsWith(squash(box)),
    clearInputKey: 'C-u',
  };
}
