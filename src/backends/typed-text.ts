/**
 * Typed text as it can be compared across a terminal: what a program submits and what a screen
 * capture shows of it differ from what was typed in ways that say nothing about a lost key. Used
 * by the agent UIs (is the text in the input box?) and by the delivery receipt (is this the
 * submitted text?). Measured with tmux 3.3a and Claude Code 2.1.328 (docs/architecture.md, "Typing a message"):
 *
 * - Programs compose (`e` + U+0301 reaches the model as `é`; conjoining Hangul jamo as a syllable)
 *   and drop invisible characters (zero-width space, word joiner, BOM, soft hyphen, zero-width
 *   non-joiner): compared in NFC, without default-ignorable code points.
 * - A terminal cell grid cannot hold a wide grapheme made of several emoji: tmux's capture of
 *   `👍🏽` is `👍` (the skin tone gone), of a ZWJ family the first members only, and an emoji with
 *   U+FE0F is followed by a padding space. A run of emoji is compared as one placeholder.
 */

/** Default-ignorable code points (ZWSP, ZWJ, ZWNJ, WJ, BOM, LRM/RLM, soft hyphen, variation selectors …). */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;
/** Skin-tone modifiers and the keycap mark: drawn into the emoji's cell, or lost with it. */
const EMOJI_MARKS = /[\p{Emoji_Modifier}\u20e3]/gu;
/** A run of pictographs and flag letters (whitespace between them included): one wide grapheme or several. */
const EMOJI_RUN = /[\p{Extended_Pictographic}\p{Regional_Indicator}](?:\s*[\p{Extended_Pictographic}\p{Regional_Indicator}])*/gu;
/** Stands for a run of emoji. */
export const EMOJI_PLACEHOLDER = '\u25c6';

/** The text as a program submits it: composed (NFC), without invisible characters. */
export const submittedForm = (text: string): string => text.normalize('NFC').replace(INVISIBLE, '');

/**
 * The text reduced to what a terminal capture reliably shows of it: submittedForm, every run of
 * emoji as one EMOJI_PLACEHOLDER, and no whitespace (a box wraps, indents and pads lines, and
 * turns tabs into spaces). Compare a captured box with typed text after folding both.
 */
export const capturedForm = (text: string): string =>
  submittedForm(text).replace(EMOJI_MARKS, '').replace(EMOJI_RUN, EMOJI_PLACEHOLDER).replace(/\s+/gu, '');
