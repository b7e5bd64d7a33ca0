/**
 * Codex CLI as an AgentUi: its screen (screen.ts), its approval keys (`y` proceed, `p` don't ask
 * again, Escape to decline, as the options show them), Escape to interrupt, its input box. Facts
 * measured on 0.171.0 (docs/testing.md). Codex is started with `--no-daemon` (see program.ts).
 */
import { answerNumbered, wrappedInputChecks, type AgentLaunch, type AgentUi, type DialogAnswer, type InterruptPlan, type Keystroke, type ScreenReading } from '../../backends/agent-ui.js';
import type { ApprovalDecision, ApprovalOption } from '../../backends/session-backend.js';
import { codexInputBoxText, parseCodexScreen } from './screen.js';

export const CODEX = 'codex';

/** Keys sent to a prompt drawn less than this long ago may be lost. */
const DIALOG_SETTLE_MS = 300;
const INTERRUPT: InterruptPlan = { key: 'Escape', confirmWaitMs: 1_500 };

/**
 * `codex --no-daemon`: without it the TUI starts a background app-server that outlives the TUI and
 * its tmux session, and runs the tools under it. Skipping prompts (0.171.0's --help): the bypass
 * flag and its `--yolo` alias, the approval policy "never" (`-a never`, `--ask-for-approval never`,
 * or a config override `-c approval_policy=never`), and `--approve-for-me` (approvals go to an
 * automatic review instead of the user).
 */
export const CODEX_LAUNCH: AgentLaunch = {
  defaultCommand: 'codex --no-daemon',
  takesIgnition: true,
  skipPermissionsFlag: '--dangerously-bypass-approvals-and-sandbox',
  skipPermissionWords: ['--dangerously-bypass-approvals-and-sandbox', 'approval_policy=never'],
  skipPermissionFlags: { flags: ['--yolo', '--approve-for-me'], options: [{ names: ['-a', '--ask-for-approval'], values: ['never'] }] },
};

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
  return answerNumbered({ decisionOf, keyFor, wording: { yes: '"yes"', always: `"don't ask again"` } }, dialog, decision, option, where);
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
    ...wrappedInputChecks(/\[Pasted Content \d+ chars\]/u),
    clearInputKey: 'C-u',
  };
}
