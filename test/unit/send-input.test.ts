/**
 * Typing a message into Claude Code's input box (src/backends/send-input.ts) when the program is
 * slow or loses the text: the real backend and Claude Code UI over the fake terminal, which can
 * hold a paste back (a busy program drawing it late) or drop it (Claude Code 2.1 sometimes loses
 * the first input right after a turn ends). Whatever happens, the message is submitted once, whole.
 */
import { describe, expect, it } from 'vitest';
import { inputBoxText } from '../../src/agents/claude-code/screen.js';
import { capturedForm, submittedForm } from '../../src/backends/typed-text.js';
import { UNICODE_SAMPLES } from '../fixtures/unicode-text.js';
import { waitFor } from '../helpers/fake-agent.js';
import { FakeBackend, type FakePane } from '../helpers/fake-terminal.js';

const TEXT = 'please run the tests';

function setup(): { backend: FakeBackend; pane: FakePane } {
  const backend = new FakeBackend();
  const pane = backend.terminal.add('dev', 'idle');
  return { backend, pane };
}

const submitted = (pane: FakePane): string[] => pane.inputs.filter((i) => i.submit).map((i) => i.text);
const boxOf = (pane: FakePane): string | undefined => inputBoxText(pane.lines());

describe('send_input into a slow or lossy input box', () => {
  it('a paste that arrives at once is submitted once, not typed again', async () => {
    const { backend, pane } = setup();
    await backend.sendInput('dev', TEXT);
    expect(submitted(pane)).toEqual([TEXT]);
    expect(pane.inputs).toHaveLength(1);
  });

  it('a lost paste is typed again and submitted once', async () => {
    const { backend, pane } = setup();
    pane.pasteArrivals.push('drop');
    await backend.sendInput('dev', TEXT);
    expect(submitted(pane)).toEqual([TEXT]);
    expect(boxOf(pane)).toBe('');
  });

  it('a paste drawn late, after it was typed again, is not submitted twice and leaves the box empty', async () => {
    const { backend, pane } = setup();
    // Later than the empty-box wait (1.5 s), so the text is sent again; the first copy then arrives
    // after the second was submitted.
    pane.pasteArrivals.push(2_000, 1_000);
    await backend.sendInput('dev', TEXT);
    // Both copies have arrived by now (the late one may still be due when the call returns: then
    // the box must not keep it either, so wait for it).
    await waitFor(() => pane.inputs.length === 2, 5_000, 'the late copy');
    await waitFor(() => boxOf(pane) === '', 3_000, 'the box emptied of the late copy');
    expect(submitted(pane)).toEqual([TEXT]);
  }, 15_000);

  it('a box holding the text twice after it was sent again is emptied and typed once more, never submitted doubled', async () => {
    const { backend, pane } = setup();
    pane.pasteArrivals.push('drop', 'twice');
    await backend.sendInput('dev', TEXT);
    expect(submitted(pane)).toEqual([TEXT]);
    expect(boxOf(pane)).toBe('');
  }, 15_000);

  it('a paste that never arrives, however often it is sent, submits nothing and says so', async () => {
    const { backend, pane } = setup();
    pane.pasteArrivals.push('drop', 'drop', 'drop');
    await expect(backend.sendInput('dev', TEXT)).rejects.toThrow(/did not arrive intact .* after 3 tries, so nothing was submitted/);
    expect(submitted(pane)).toEqual([]);
  }, 15_000);
});

describe('send_input when Enter is lost: never answered as sent while the text is in the box', () => {
  it('a lost Enter is pressed again: the text is submitted once and the box left empty', async () => {
    const { backend, pane } = setup();
    pane.lostEnters = 1;
    await backend.sendInput('dev', UNICODE_SAMPLES['an emoji with U+FE0F']!);
    expect(submitted(pane)).toEqual([UNICODE_SAMPLES['an emoji with U+FE0F']]);
    expect(boxOf(pane)).toBe('');
    // The next send submits its own text only.
    await backend.sendInput('dev', TEXT);
    expect(submitted(pane)).toEqual([UNICODE_SAMPLES['an emoji with U+FE0F'], TEXT]);
  }, 15_000);

  it('Enter lost every time: the error says the text is still in the box, and nothing was submitted', async () => {
    const { backend, pane } = setup();
    pane.lostEnters = 10;
    const err = await backend.sendInput('dev', TEXT).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/input box still shows "please run the tests": the text was not submitted and is still in the box/);
    expect(submitted(pane)).toEqual([]);
    expect(boxOf(pane)).toBe(TEXT);
  }, 15_000);
});

describe('send_input when the text cannot be put in: the box is left as it was, or the error says what it holds', () => {
  const LONG = `${'a long message that the box draws otherwise. '.repeat(8)}the end`;

  it('a box that never draws what is typed is emptied before every retype: the text is never in it twice, and nothing is left', async () => {
    const { backend, pane } = setup();
    pane.echo = false;
    await expect(backend.sendInput('dev', TEXT)).rejects.toThrow(/did not arrive intact .* after 3 tries, so nothing was submitted/);
    expect(pane.inputs.map((i) => i.text)).toEqual([TEXT, TEXT, TEXT]);
    expect(pane.peakTyped).toBe(TEXT.length);
    expect(pane.typed).toBe('');
    expect(submitted(pane)).toEqual([]);
  }, 15_000);

  it('a long text the box never shows whole fails with the box emptied again, and says so', async () => {
    const { backend, pane } = setup();
    pane.pasteArrivals.push('half');
    await expect(backend.sendInput('dev', LONG)).rejects.toThrow(/did not show in the input box .* Enter was not pressed, and the box was emptied again/);
    expect(pane.typed).toBe('');
    expect(submitted(pane)).toEqual([]);
  }, 15_000);

  it('a multi-line text the box never shows whole is emptied line by line (the clear key clears one line per press)', async () => {
    const { backend, pane } = setup();
    const text = [...Array.from({ length: 6 }, (_, i) => `line ${i} of a message the box draws otherwise`), 'and the last line'].join('\n');
    pane.pasteArrivals.push('half');
    await expect(backend.sendInput('dev', text)).rejects.toThrow(/Enter was not pressed, and the box was emptied again/);
    expect(pane.typed).toBe('');
    expect(submitted(pane)).toEqual([]);
  }, 15_000);

  it('with a draft in the box from before, the draft is kept and the error quotes what the box holds', async () => {
    const { backend, pane } = setup();
    pane.paste('my draft ');
    pane.pasteArrivals.push('half');
    const err = await backend.sendInput('dev', LONG).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/Enter was not pressed\. The box held "my draft" before this call and shows "my draft a long message/);
    expect(pane.typed.startsWith('my draft a long message')).toBe(true);
    expect(submitted(pane)).toEqual([]);
  }, 15_000);
});

describe('send_input of text the terminal and Claude Code change on the way', () => {
  const samples = Object.entries(UNICODE_SAMPLES);

  it.each(samples)('short text with %s is submitted once, at once, and leaves the box empty', async (_, text) => {
    const { backend, pane } = setup();
    const t0 = Date.now();
    await backend.sendInput('dev', text);
    expect(submitted(pane)).toEqual([text]);
    expect(pane.inputs).toHaveLength(1);
    expect(boxOf(pane)).toBe('');
    // Seen in the box, not given up on after the stall and the 5 s wait.
    expect(Date.now() - t0).toBeLessThan(INPUT_SHOWN_WITHIN_MS);
  });

  it.each(samples)('a long message ending in %s is submitted once', async (_, sample) => {
    const { backend, pane } = setup();
    const text = `${'a long message with words to fill it up. '.repeat(10)}${sample}`;
    await backend.sendInput('dev', text);
    expect(submitted(pane)).toEqual([text]);
    expect(pane.inputs).toHaveLength(1);
  });

  it('the folding of typed text and box agree on every sample, and still tell other text apart', () => {
    for (const text of Object.values(UNICODE_SAMPLES)) {
      const box = boxOfText(text);
      expect(capturedForm(box), text).toBe(capturedForm(text));
      expect(capturedForm(box)).not.toBe(capturedForm(`${text}x`));
    }
    expect(submittedForm('cafe\u0301 zero\u200Bwidth')).toBe('caf\u00e9 zerowidth');
    expect(submittedForm('\u{1F44D}\u{1F3FD}')).toBe('\u{1F44D}\u{1F3FD}');
  });
});

/** How the fake pane's box shows `text` (what capture-pane gives of Claude Code's box). */
function boxOfText(text: string): string {
  const { pane } = setup();
  pane.paste(text);
  return boxOf(pane) ?? '';
}

/** Well under the 5 s the send waits for the text before it gives up. */
const INPUT_SHOWN_WITHIN_MS = 3_000;

