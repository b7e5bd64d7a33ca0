/**
 * Typing a message into Claude Code's input box (src/backends/send-input.ts) when the program is
 * slow or loses the text: the real backend and Claude Code UI over the fake terminal, which can
 * hold a paste back (a busy program drawing it late) or drop it (Claude Code 2.1 sometimes loses
 * the first input right after a turn ends). Whatever happens, the message is submitted once, whole.
 */
import { describe, expect, it } from 'vitest';
import { inputBoxText } from '../../src/agents/claude-code/screen.js';
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
