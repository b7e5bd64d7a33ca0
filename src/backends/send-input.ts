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
/**
 * Typed text that stopped changing in the box for this long without matching lost a key. An empty
 * box is given longer (EMPTY_STALL_MS): an agent busy with a turn on a loaded machine may take a
 * while to draw a paste at all, and a paste sent again too soon arrives twice.
 */
const TYPED_STALL_MS = 400;
const EMPTY_STALL_MS = 1_500;
/** After Enter, how long to wait for the input box to let go of the text (then return anyway). */
const SUBMIT_TAKEN_TIMEOUT_MS = 2_000;
/** How long after a submit a late first paste of a text that was sent again is watched for. */
const LATE_COPY_WATCH_MS = 2_500;
/** How often Enter is pressed again when the box kept the text (the key was lost). */
const MAX_LOST_ENTERS = 1;
/** How often an Enter that became a newline is taken back and pressed again. */
const MAX_RESUBMITS = 2;
/** Most presses of the clear key to empty a box (one per line of a multi-line box, and its line breaks). */
const MAX_CLEAR_PRESSES = 100;
/**
 * How long a press of the clear key is watched before the next one: a press that removes a line
 * break changes nothing drawn, and one more press on an empty box does nothing.
 */
const CLEAR_PRESS_WAIT_MS = 300;
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
  const pastedAt = Date.now();
  if (!submit) return;
  if (text === '') {
    await terminal.pressKey(sessionId, 'Enter');
    return;
  }
  const seen = before === undefined ? { shown: false, retyped: false } : await waitUntilShown(ctx, sessionId, text, before);
  if (!seen.shown) await sleep(ctx.submitSettleMs);
  const wait = (ui.submitAfterPasteMs ?? 0) - (Date.now() - pastedAt);
  if (wait > 0) await sleep(wait);
  await terminal.pressKey(sessionId, 'Enter');
  // Return once the box let go of the text, so the next call's text cannot join this message.
  if (seen.shown && !(await waitForInput(ctx, sessionId, (box) => !ui.inputShows(box, text), SUBMIT_TAKEN_TIMEOUT_MS))) {
    await enterNotTaken(ctx, sessionId, text);
  }
  if (seen.retyped) await removeLateCopy(ctx, sessionId, text);
}

/**
 * The box still shows the text after Enter. A program that waits after a paste
 * (submitAfterPasteMs) took the Enter as a newline: the newline is taken back and Enter pressed
 * again. One that keeps no submitted text in its box lost the key (Claude Code 2.1 drops keys when
 * busy, as right after a turn ends on a loaded machine): Enter is pressed again. A box that still
 * shows the text after that is never answered as sent, since the next send would submit it
 * together with its own text: the error says what the box holds.
 */
async function enterNotTaken(ctx: InputContext, sessionId: string, text: string): Promise<void> {
  const { terminal, ui } = ctx;
  const newline = ui.submitAfterPasteMs !== undefined;
  for (let i = 0; i < (newline ? MAX_RESUBMITS : MAX_LOST_ENTERS); i++) {
    const box = ui.inputBoxText(await terminal.capture(sessionId));
    if (box === undefined || !ui.inputShows(box, text)) return;
    if (newline) {
      ctx.log(`${terminal.describe(sessionId)}: Enter became a newline in the input box; removing it and pressing Enter again`);
      await terminal.pressKey(sessionId, 'BSpace');
      await sleep(ctx.submitSettleMs);
    } else {
      ctx.log(`${terminal.describe(sessionId)}: the input box still shows the text after Enter; pressing Enter again`);
    }
    await terminal.pressKey(sessionId, 'Enter');
    if (await waitForInput(ctx, sessionId, (b) => !ui.inputShows(b, text), SUBMIT_TAKEN_TIMEOUT_MS)) return;
  }
  const box = ui.inputBoxText(await terminal.capture(sessionId));
  if (box === undefined || !ui.inputShows(box, text)) return;
  throw new BackendError(
    `Enter was pressed in session "${sessionId}", but its input box still shows ${quoted(box)}: the text was not submitted and is still in the box. Look at the agent's screen, then send_input with empty text to submit what the box holds (sending the text again would add it to the box).`,
    'command_failed',
  );
}

/**
 * After the text was sent again, a first paste that was slow rather than lost may still arrive,
 * into the box emptied by the submit: for a while, a box showing exactly the text again is that
 * copy (the box was empty before this call) and is emptied, so the message counts once.
 */
async function removeLateCopy(ctx: InputContext, sessionId: string, text: string): Promise<void> {
  const { terminal, ui } = ctx;
  if (!(await waitForInput(ctx, sessionId, (box) => ui.inputIs(box, text), LATE_COPY_WATCH_MS, undefined, false))) return;
  ctx.log(`${terminal.describe(sessionId)}: the first paste of the text arrived late, after it was sent again; emptying the box`);
  await terminal.pressKey(sessionId, ui.clearInputKey);
}

/**
 * Waits until the input box shows the text. Text the agent must show exactly (ui.mustShowExactly)
 * is checked whole: a box showing only its end lost the start (Claude Code 2.1 sometimes drops the
 * first input right after a turn ends), and such a message must not be submitted, so the box is
 * emptied and the text sent again (twice at most). Once it was sent again, only the exact text will
 * do: a first paste that was slow rather than lost shows up late, next to the second one, and a box
 * holding the text twice is emptied and typed again too, never submitted. `shown` is false when the
 * box never showed (then the caller falls back to a fixed pause), `retyped` true when the text was
 * sent more than once; throws when the text could not be put in intact (with the box emptied, so
 * nothing is left half-typed).
 */
async function waitUntilShown(ctx: InputContext, sessionId: string, text: string, before: string): Promise<{ shown: boolean; retyped: boolean }> {
  const { terminal, ui } = ctx;
  const exact = ui.mustShowExactly(text, before);
  for (let attempt = 0; exact; attempt++) {
    const retyped = attempt > 0;
    if (await waitForInput(ctx, sessionId, (box) => ui.inputIs(box, text), INPUT_SHOWN_TIMEOUT_MS, TYPED_STALL_MS)) return { shown: true, retyped };
    const box = ui.inputBoxText(await terminal.capture(sessionId));
    if (box === undefined) return { shown: false, retyped }; // not (or no longer) the agent's input box
    // Drawn otherwise (cut to its width) before anything was sent again: judged by its end below.
    if (attempt === 0 && !ui.lostStart(box, text)) break;
    ctx.log(`${terminal.describe(sessionId)}: input box shows ${JSON.stringify(box.slice(0, 80))}, not the text; emptying it and sending the text again`);
    // Emptied even when it looks empty: a box that takes text without drawing it holds the lost
    // copy all the same, and each retype would add one more.
    await emptyBox(ctx, sessionId);
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
  if (await waitForInput(ctx, sessionId, (box) => box !== before && ui.inputShows(box, text), timeoutMs)) return { shown: true, retyped: false };
  const box = ui.inputBoxText(await terminal.capture(sessionId));
  if (box === undefined) return { shown: false, retyped: false };
  ctx.log(`${terminal.describe(sessionId)}: gave up waiting for the text; the input box shows ${JSON.stringify(box.slice(0, 80))} (before typing: ${JSON.stringify(before.slice(0, 80))})`);
  const failed = `The text did not show in the input box of session "${sessionId}" within ${timeoutMs} ms, so Enter was not pressed`;
  // What was typed may be there all the same, drawn otherwise: a box that was empty is emptied
  // again, so a send after this one does not submit both. Text that was in the box before this
  // call is not ours to delete: then the caller is told exactly what the box holds.
  if (before === '') {
    const left = await emptyBox(ctx, sessionId);
    if (left === '') throw new BackendError(`${failed}, and the box was emptied again. Look at the agent's screen, then send again.`, 'command_failed');
    if (left === undefined) throw new BackendError(`${failed}, and the input box is no longer shown. Look at the agent's screen before sending again.`, 'command_failed');
    throw new BackendError(`${failed}, and the box could not be emptied: it shows ${quoted(left)}. Look at the agent's screen before sending again: Enter would submit that too.`, 'command_failed');
  }
  throw new BackendError(
    `${failed}. The box held ${quoted(before)} before this call and shows ${quoted(box)} now (the text may be in it): look at the agent's screen before sending again, since Enter submits everything in the box.`,
    'command_failed',
  );
}

/**
 * Empties the input box with the agent's clear key, pressed once more for each line break of a
 * multi-line box (Claude Code's C-u clears the line the cursor is on, then the line break before
 * it, which leaves the drawn box unchanged), until it is empty; returns what the box shows then.
 */
async function emptyBox(ctx: InputContext, sessionId: string): Promise<string | undefined> {
  let box = ctx.ui.inputBoxText(await ctx.terminal.capture(sessionId));
  const presses = Math.min(MAX_CLEAR_PRESSES, 1 + 2 * ((box ?? '').split('\n').length - 1));
  // Pressed at least once, even on a box that looks empty (it may hold text it does not draw).
  for (let i = 0; i < presses && (i === 0 || box !== ''); i++) {
    const was = box;
    await ctx.terminal.pressKey(sessionId, ctx.ui.clearInputKey);
    const wait = i === presses - 1 ? SUBMIT_TAKEN_TIMEOUT_MS : CLEAR_PRESS_WAIT_MS;
    await waitForInput(ctx, sessionId, (b) => b === '' || b !== was, wait, undefined, false);
    box = ctx.ui.inputBoxText(await ctx.terminal.capture(sessionId));
    if (box === undefined) return undefined;
  }
  // The last press may take a moment to show.
  if (box !== '') await waitForInput(ctx, sessionId, (b) => b === '', SUBMIT_TAKEN_TIMEOUT_MS, undefined, false);
  return ctx.ui.inputBoxText(await ctx.terminal.capture(sessionId));
}

/** Box text for an error sentence: quoted, long text cut in the middle. */
const quoted = (box: string): string => JSON.stringify(box.length > 120 ? `${box.slice(0, 60)}…${box.slice(-60)}` : box);

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
  /** Log when the time ran out (a wait that usually runs out, like removeLateCopy's, does not). */
  logTimeout = true,
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
    } else if (Date.now() - lastChange >= (box.trim() === '' ? Math.max(stallMs, EMPTY_STALL_MS) : stallMs)) {
      return false;
    }
    if (Date.now() >= deadline) {
      if (logTimeout) ctx.log(`${ctx.terminal.describe(sessionId)}: input box did not reach the expected text within ${timeoutMs} ms`);
      return false;
    }
    await sleep(INPUT_POLL_MS);
  }
}
