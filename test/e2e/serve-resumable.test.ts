/**
 * After a reboot: an agent whose SessionStart hook recorded its conversation and whose session is
 * gone is listed by `agent-boss serve` as it starts (stderr), and list_liveness marks it resumable.
 */
import { realpathSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/fake-agent.js';
import { runHook } from '../helpers/hook.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';

const ID = '5d0a3c1e-77b2-4f0e-9c1d-2a3b4c5d6e7f';

describe('agent-boss serve lists the agents that can be resumed', () => {
  const data = tempDir('boss-resumable-data-');
  const work = tempDir('boss-resumable-work-');
  let server: RunningServer | undefined;

  beforeAll(async () => {
    const socket = `boss-test-${process.pid}-resumable`;
    // Before the reboot: the agent registered in its session, and its SessionStart hook recorded the conversation.
    const op = await stdioClient(['--data-dir', data.dir, '--tmux-socket', socket, '--space', 'web']);
    try {
      const r = await op.call('register_session', { agent: 'api-dev', session_id: 'web-api-dev' });
      expect(r.isError).toBeFalsy();
    } finally {
      await op.close();
    }
    const hook = await runHook({ hook_event_name: 'SessionStart', source: 'startup', session_id: ID, cwd: realpathSync(work.dir) }, ['--data-dir', data.dir], {
      BOSS_AGENT: 'api-dev',
      BOSS_SPACE: 'web',
      BOSS_HOOK_TIMEOUT_MS: '5000',
    });
    expect(hook.code, hook.stderr).toBe(0);
    // After it: no tmux server runs on the socket, so the session is missing.
    server = await startServer({ dataDir: data.dir, tmuxSocket: socket });
  });
  afterAll(async () => {
    await server?.stop();
    data.cleanup();
    work.cleanup();
  });

  it('prints it on stderr at start, with its conversation, and list_liveness marks it resumable', async () => {
    const out = await waitFor(() => (server!.stderr().includes('can be resumed') ? server!.stderr() : undefined), 10_000, 'the resumable agents');
    expect(out).toContain(`agent-boss: 1 agent whose session is gone can be resumed with its conversation (resume_agent, or Resume on the dashboard):\n  web/api-dev: session missing, conversation ${ID}\n`);
    const rows = (await (await fetch(`${server!.url}/api/session-status?space=web`, { headers: server!.asOperator })).json()) as unknown[];
    expect(rows).toHaveLength(1);
    const op = await stdioClient(['--data-dir', data.dir, '--tmux-socket', server!.tmuxSocket, '--space', 'web']);
    try {
      const live = await op.call('list_liveness', {});
      expect((live.structuredContent as { agents: unknown[] }).agents).toEqual([
        expect.objectContaining({ agent: 'api-dev', state: 'missing', resumable: true, program_session_id: ID }),
      ]);
    } finally {
      await op.close();
    }
  });
});
