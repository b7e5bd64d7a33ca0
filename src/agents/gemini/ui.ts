/**
 * Gemini CLI as an AgentUi: its screen (screen.ts), its confirmation keys (the option's digit:
 * `1` allow once, `2` allow for this session, `3` no), Escape to interrupt, its input box. Facts
 * measured on 0.61.0 (docs/testing.md).
 */
import type { AgentLaunch, AgentUi, DialogAnswer, InterruptPlan, ScreenReading } from '../../backends/agent-ui.js';
import { BackendError } from '../../backends/errors.js';
import type { ApprovalDecision, ApprovalOption } from '../../backends/session-backend.js';
import { geminiInputBoxText, parseGeminiScreen } from './screen.js';

export const GEMINI = 'gemini';

const DIALOG_SETTLE_MS = 300;
const SUBMIT_AFTER_PASTE_MS = 600;
const INTERRUPT: InterruptPlan = { key: 'Escape', confirmWaitMs: 1_500 };

/** `gemini`; YOLO mode (`--yolo`, `--approval-mode yolo`) runs every tool without asking. */
export const GEMINI_LAUNCH: AgentLaunch = {
  defaultCommand: 'gemini',
  takesIgnition: true,
  skipPermissionsFlag: '--yolo',
  skipPermissionWords: ['yolo'],
};
const MAX_EXACT_CHARS = 256;
const SHOWN_TAIL_CHARS = 24;

const squash = (s: string): string => s.replace(/\s+/gu, '');
const optionList = (offered: readonly ApprovalOption[]): string => offered.map((o) => `${o.number}. ${o.label}`).join('; ');

/** "Allow once" → yes; "Allow for this session" / "Allow always" → always; "No, …" → no. */
function decisionOf(label: string): ApprovalDecision | undefined {
  if (/^no\b/iu.test(label)) return 'no';
  if (/^(?:allow|yes)\b.*(?:session|always)/iu.test(label)) return 'always';
  if (/^(?:allow|yes)\b/iu.test(label)) return 'yes';
  return undefined;
}

export function answerGemini(dialog: ScreenReading, decision: ApprovalDecision, option: number | undefined, where: string): DialogAnswer {
  const offered = dialog.options ?? [];
  const chosen = option !== undefined ? offered.find((o) => o.number === option) : offered.find((o) => decisionOf(o.label) === decision);
  if (!chosen) {
    if (option === undefined && decision === 'no') return { keys: [{ key: 'Escape' }], keySent: 'Escape' };
    throw new BackendError(
      option !== undefined
        ? `The prompt in ${where} has no option ${option}; it offers: ${optionList(offered)}. Nothing was sent.`
        : `The prompt in ${where} offers no ${decision === 'always' ? '"for this session"' : '"allow"'} option; it offers: ${optionList(offered)}. Pick one with option N. Nothing was sent.`,
      'option_unavailable',
    );
  }
  return { keys: [{ literal: String(chosen.number) }], keySent: String(chosen.number), chosen };
}

export function geminiUi(): AgentUi {
  return {
    kind: GEMINI,
    launch: GEMINI_LAUNCH,
    programNames: ['gemini'],
    parse: parseGeminiScreen,
    answerKeys: answerGemini,
    interruptPlan: INTERRUPT,
    dialogSettleMs: DIALOG_SETTLE_MS,
    inputBoxText: geminiInputBoxText,
    // A long paste is drawn as "[Pasted Text: N lines]".
    inputShows: (box, text) => /\[Pasted Text: \d+ (?:lines|chars)\]/u.test(box) || squash(box).includes(squash(text).slice(-SHOWN_TAIL_CHARS)),
    mustShowExactly: (text, before) => before === '' && text.length <= MAX_EXACT_CHARS && !/[\x00-\x1f\x7f]/u.test(text),
    inputIs: (box, text) => squash(box) === squash(text),
    lostStart: (box, text) => squash(box).length < squash(text).length && squash(text).endsWith(squash(box)),
    clearInputKey: 'C-u',
    // Gemini takes an Enter that comes within 40 ms of an untrusted paste (its timer; later on a
    // busy machine) as a newline in the text: measured, 50 ms after a paste it was a newline,
    // 200 ms after it submitted.
    submitAfterPasteMs: SUBMIT_AFTER_PASTE_MS,
  };
}
