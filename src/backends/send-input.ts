/**
 * Typing a message into an agent: paste the text, wait until the agent's input box shows it
 * (repairing a lost start), press Enter, wait until the box lets go of it. Where the program draws
 * no input box, a fixed pause stands in for the wait. Used by agent-session-backend.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentUi } from './agent-ui.js';
import { BackendError } from './errors.js';
import type { Terminal } from './terminal.js';

/**
 * Pause between typing/pasting text and pressing Enter, for a program without an input box the
 * text can be seen arriving in. An app handles a paste (and a burst of typed keys, which it may
 * take for a paste) asynchronously; an Enter that arrives before it has finished lands INSIDE the
 * text as a newline instead of submitting it.
 */
export const SUBMIT_SETTLE_MS = 150;
/** In an input box the text is watched instead: Enter goes once it is drawn, bounded by this wait. */
const INPUT_SHOWN_TIMEOUT_MS = 5_000;
/** Added to that wait per KB of text. */
const INPUT_SHOWN_PER_KB_MS = 500;
const INPUT_POLL_MS = 5;
/** Typed text that stopped changing in the box for this long without matching lost a key. */
const TYPED_STALL_MS = 400;
/** After Enter, how long to wait for the input box to let go of the text (then return anyway). */
const SUBMIT_TAKEN_TIMEOUT_MS = 2_000;
/** How often lost text is typed again before giving up. */
const MAX_RETYPES = 2;

export interface InputContext {
  terminal: Terminal;
  ui: AgentUi;
  log: (msg: string) => void;
  submitSettleMs: number;
}

export async function sendInput(ctx: InputContext, sessionId: string, text: string, submit: boolean): Promise<void> {
  const { terminal, ui } = ctx;
  // The input box before typing, to tell the text arriving from text that was already there.
  const before = submit && text !== '' ? ui.inputBoxText(await terminal.capture(sessionId)) : undefined;
  if (text !== '') await terminal.paste(sessionId, text);
  if (!submit) return;
  if (text === '') {
    await terminal.pressKey(sessionId, 'Enter');
    return;
  }
  const shown = before === undefined ? false : await waitUntilShown(ctx, sessionId, text, before);
  if (!shown) await sleep(ctx.submitSettleMs);
  await terminal.pressKey(sessionId, 'Enter');
  // Return once the box let go of the text, so the next call's text cannot join this message.
  if (shown) await waitForInput(ctx, sessionId, (box) => !ui.inputShows(box, text), SUBMIT_TAKEN_TIMEOUT_MS);
}

/**
 * Waits until the input box shows the text. Text the agent must show exactly (ui.mustShowExactly)
 * is checked whole: a box showing only its end lost the start (Claude Code 2.1 sometimes drops the
 * first input right after a turn ends), and such a message must not be submitted, so the box is
 * emptied and the text sent again (twice at most). False when the box never showed (then the caller
 * falls back to a fixed pause); throws when the text could not be put in intact.
 */
async function waitUntilShown(ctx: InputContext, sessionId: string, text: string, before: string): Promise<boolean> {
  const { terminal, ui } = ctx;
  const exact = ui.mustShowExactly(text, before);
  for (let attempt = 0; exact; attempt++) {
    if (await waitForInput(ctx, sessionId, (box) => ui.inputIs(box, text), INPUT_SHOWN_TIMEOUT_MS, TYPED_STALL_MS)) return true;
    const box = ui.inputBoxText(await terminal.capture(sessionId));
    if (box === undefined) return false; // not (or no longer) the agent's input box
    if (!ui.lostStart(box, text)) break; // drawn otherwise (cut to its width): judged by its end below
    ctx.log(`${terminal.describe(sessionId)}: input box shows ${JSON.stringify(box.slice(0, 80))}, the text (or its start) was lost; sending it again`);
    if (box.trim() !== '') {
      await terminal.pressKey(sessionId, ui.clearInputKey);
      await waitForInput(ctx, sessionId, (b) => b === '', SUBMIT_TAKEN_TIMEOUT_MS);
    }
    if (attempt >= MAX_RETYPES) {
      throw new BackendError(
        `The text did not arrive intact in the input box of session "${sessionId}" after ${MAX_RETYPES + 1} tries, so nothing was submitted (the box was emptied again). Send again.`,
        'command_failed',
      );
    }
    await terminal.paste(sessionId, text);
  }
  // A long paste takes the program longer to take in and draw, the more so on a loaded machine.
  const timeoutMs = INPUT_SHOWN_TIMEOUT_MS + Math.ceil(text.length / 1024) * INPUT_SHOWN_PER_KB_MS;
  if (await waitForInput(ctx, sessionId, (box) => box !== before && ui.inputShows(box, text), timeoutMs)) return true;
  const box = ui.inputBoxText(await terminal.capture(sessionId));
  if (box === undefined) return false;
  ctx.log(`${terminal.describe(sessionId)}: gave up waiting for the text; the input box shows ${JSON.stringify(box.slice(0, 80))}`);
  throw new BackendError(
    `The text did not show in the input box of session "${sessionId}" within ${timeoutMs} ms, so Enter was not pressed. Look at the agent's screen, then send again.`,
    'command_failed',
  );
}

/**
 * Polls the input box until `done` holds for its text (bounded); false when the box is not shown
 * (another program) or the time ran out.
 */
async function waitForInput(
  ctx: InputContext,
  sessionId: string,
  done: (box: string) => boolean,
  timeoutMs = INPUT_SHOWN_TIMEOUT_MS,
  /** Give up early when the box has not changed for this long. */
  stallMs = Number.POSITIVE_INFINITY,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  let lastChange = Date.now();
  for (;;) {
    const box = ctx.ui.inputBoxText(await ctx.terminal.capture(sessionId));
    if (box === undefined) return false;
    if (done(box)) return true;
    if (box !== last) {
      last = box;
      lastChange = Date.now();
    } else if (Date.now() - lastChange >= stallMs) {
      return false;
    }
    if (Date.now() >= deadline) {
      ctx.log(`${ctx.terminal.describe(sessionId)}: input box did not reach the expected text within ${timeoutMs} ms`);
      return false;
    }
    await sleep(INPUT_POLL_MS);
  }
}
