/**
 * Gemini CLI as an AgentUi: its screen (screen.ts), its confirmation keys (the option's digit:
 * `1` allow once, `2` allow for this session, `3` no; an MCP tool's box has `3` allow all the
 * server's tools and `4` no), Escape to interrupt, its input box. Facts
 * measured on 0.61.0 (docs/testing.md).
 */
import { answerNumbered, wrappedInputChecks, type AgentLaunch, type AgentUi, type DialogAnswer, type InterruptPlan, type ScreenReading } from '../../backends/agent-ui.js';
import type { ApprovalDecision, ApprovalOption } from '../../backends/session-backend.js';
import { geminiInputBoxText, parseGeminiScreen } from './screen.js';

export const GEMINI = 'gemini';

const DIALOG_SETTLE_MS = 300;
const SUBMIT_AFTER_PASTE_MS = 600;
const INTERRUPT: InterruptPlan = { key: 'Escape', confirmWaitMs: 1_500 };

/** `gemini`; YOLO mode (`-y`, `--yolo`, `--approval-mode yolo`, 0.61.0's --help) runs every tool without asking. */
export const GEMINI_LAUNCH: AgentLaunch = {
  defaultCommand: 'gemini',
  takesIgnition: true,
  skipPermissionsFlag: '--yolo',
  skipPermissionWords: [],
  skipPermissionFlags: { flags: ['-y', '--yolo'], options: [{ names: ['--approval-mode'], values: ['yolo'] }] },
};

/**
 * "Allow once" → yes; "Allow for this session" / "Allow tool for this session" / "Allow always" →
 * always; "No, …" → no. An MCP tool's "Allow all server tools for this session" is wider than the
 * one tool asked about: only its option number picks it.
 */
function decisionOf(label: string): ApprovalDecision | undefined {
  if (/^no\b/iu.test(label)) return 'no';
  if (/\ball server tools\b/iu.test(label)) return undefined;
  if (/^(?:allow|yes)\b.*(?:session|always)/iu.test(label)) return 'always';
  if (/^(?:allow|yes)\b/iu.test(label)) return 'yes';
  return undefined;
}

/** Gemini's options are answered by their digit. */
const keyFor = (option: ApprovalOption): { literal: string } => ({ literal: String(option.number) });

export function answerGemini(dialog: ScreenReading, decision: ApprovalDecision, option: number | undefined, where: string): DialogAnswer {
  return answerNumbered({ decisionOf, keyFor, wording: { yes: '"allow"', always: '"for this session"' } }, dialog, decision, option, where);
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
    ...wrappedInputChecks(/\[Pasted Text: \d+ (?:lines|chars)\]/u),
    clearInputKey: 'C-u',
    // Gemini takes an Enter that comes within 40 ms of an untrusted paste (its timer; later on a
    // busy machine) as a newline in the text: measured, 50 ms after a paste it was a newline,
    // 200 ms after it submitted.
    submitAfterPasteMs: SUBMIT_AFTER_PASTE_MS,
  };
}
