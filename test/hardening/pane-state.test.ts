import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/core.js';
import { readEvents, startFakeAgent, waitFor } from '../helpers/fake-agent.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Actions on a pane that cannot take input must not answer "sent" and lose the keys: a pane in copy
 * mode is taken out of it first, a dead pane (its program exited, tmux kept it with remain-on-exit)
 * shows as its own liveness state and every action on it is refused.
 */
describe('pane states that swallow input', () => {
  let tmux: TmuxTestServer;
  let tmp: { dir: string; cleanup: () => void };
  let close: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    tmux = await createTmuxServer();
    tmp = tempDir('agent-boss-pane-');
  });
  afterEach(async () => {
    await close?.();
    close = undefined;
    await tmux.kill();
    tmp.cleanup();
  });

  const connect = async () => {
    const c = await stdioClient(['--data-dir', join(tmp.dir, 'data'), '--tmux-socket', tmux.socketName]);
    close = () => c.close();
    return c;
  };

  it('leaves copy mode before typing, so the message arrives', async () => {
    const log = join(tmp.dir, 'agent.jsonl');
    await startFakeAgent(tmux, 'worker', log, 50);
    const c = await connect();
    expect((await c.call('register_session', { space: 'p', agent: 'worker', session_id: 'worker' })).isError).toBeFalsy();
    await tmux.tmux('copy-mode', '-t', '=worker:');
    expect(await tmux.tmux('display-message', '-p', '-t', '=worker:', '#{pane_in_mode}')).toBe('1');

    const r = await c.call('send_input', { space: 'p', agent: 'worker', text: 'typed while in copy mode' });
    expect(r.isError, textOf(r)).toBeFalsy();
    await waitFor(() => readEvents(log).some((e) => e.type === 'message'), 5000, 'the message').catch(() => undefined);
    expect(readEvents(log).filter((e) => e.type === 'message').map((e) => e.text)).toEqual(['typed while in copy mode']);
    expect(await tmux.tmux('display-message', '-p', '-t', '=worker:', '#{pane_in_mode}')).toBe('0');
  });

  it('shows a dead pane as state "dead" and refuses send, approve and interrupt on it', async () => {
    await tmux.tmux('set-option', '-g', 'remain-on-exit', 'on');
    await tmux.tmux('new-session', '-d', '-s', 'corpse', "sh -c 'exit 3'");
    await waitFor(async () => (await tmux.tmux('display-message', '-p', '-t', '=corpse:', '#{pane_dead}')) === '1', 5000, 'dead pane');
    const c = await connect();
    expect((await c.call('register_session', { space: 'p', agent: 'corpse', session_id: 'corpse' })).isError).toBeFalsy();

    const live = await c.call('list_liveness', { space: 'p' });
    expect(live.isError, textOf(live)).toBeFalsy();
    expect((live.structuredContent as { agents: { agent: string; state: string; exists: boolean }[] }).agents).toEqual([
      expect.objectContaining({ agent: 'corpse', state: 'dead' }),
    ]);

    for (const [tool, args] of [
      ['send_input', { text: 'anyone there?' }],
      ['approve', {}],
      ['interrupt', {}],
    ] as const) {
      const r = await c.call(tool, { space: 'p', agent: 'corpse', ...args });
      expect(r.isError, `${tool}: ${textOf(r)}`).toBe(true);
      expect(textOf(r)).toMatch(/dead/);
      expect(textOf(r)).toMatch(/nothing was sent/i);
    }
    // Nothing was typed into the dead pane.
    expect(await tmux.tmux('capture-pane', '-p', '-t', '=corpse:')).not.toContain('anyone there?');
  });
});
