import BetterSqlite3 from 'better-sqlite3';
import { execa } from 'execa';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAgent, waitFor } from '../helpers/fake-agent.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * `agent-boss serve` stops gracefully on SIGTERM and SIGINT even after it has talked to tmux
 * (spawned tmux processes and a control-mode client): a request in flight is answered, the monitor
 * lease is released, no tmux client is left attached, and the exit code is 0.
 */
describe.each(['SIGTERM', 'SIGINT'] as const)('serve shuts down gracefully on %s', (signal) => {
  let tmux: TmuxTestServer | undefined;
  let hub: RunningServer | undefined;
  let tmp: { dir: string; cleanup: () => void } | undefined;
  afterEach(async () => {
    await hub?.stop();
    await tmux?.kill();
    tmp?.cleanup();
    hub = tmux = tmp = undefined;
  });

  it('answers the request in flight, releases the lease, detaches from tmux and exits 0', async () => {
    tmux = await createTmuxServer();
    tmp = tempDir('agent-boss-signal-');
    await startFakeAgent(tmux, 'worker', join(tmp.dir, 'agent.jsonl'), 60_000);
    hub = await startServer({ dataDir: join(tmp.dir, 'data'), tmuxSocket: tmux.socketName });
    const url = hub.url;

    // Talk to tmux: register, probe (starts the control client), and let the monitor take its lease.
    const reg = await fetch(`${url}/spaces/sig/ignition/worker?session_id=worker`);
    expect(reg.status).toBe(200);
    const db = new BetterSqlite3(join(hub.dataDir, 'boss.db'), { readonly: true });
    try {
      await waitFor(() => db.prepare(`SELECT holder FROM leases WHERE name = 'liveness-monitor'`).get(), 10_000, 'monitor lease');
      await waitFor(
        async () => ((await (await fetch(`${url}/api/session-status`)).json()) as { exists: boolean }[]).some((r) => r.exists),
        10_000,
        'session seen through tmux',
      );
      await waitFor(async () => (await execa('tmux', ['-L', tmux!.socketName, 'list-clients'])).stdout.includes('worker'), 10_000, 'control client');

      // A slow action (the agent keeps working: two Escapes, then a bounded wait) is in flight when the signal comes.
      const sent = await fetch(`${url}/spaces/sig/reply/worker`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...hub.asOperator },
        body: JSON.stringify({ message: 'HANG please' }),
      });
      expect(sent.status).toBe(200);
      const inFlight = fetch(`${url}/spaces/sig/agent/worker/interrupt`, { method: 'POST', headers: hub.asOperator }).then(
        async (r) => ({ status: r.status, body: await r.text() }),
        (err: unknown) => ({ status: 0, body: String(err) }),
      );
      await new Promise((r) => setTimeout(r, 100));
      const exited = new Promise<number | null>((resolve) => hub!.proc.once('exit', (c) => resolve(c)));
      hub.proc.kill(signal);
      // Only this one signal: stop() would send SIGTERM to a process still running.
      const code = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 15_000))]);
      const answer = await inFlight;

      expect({ code, signal: hub.proc.signalCode }, hub.stderr()).toEqual({ code: 0, signal: null });
      expect(answer.status, answer.body).toBe(200);
      expect(db.prepare(`SELECT count(*) AS n FROM leases`).get()).toEqual({ n: 0 });
      const clients = await execa('tmux', ['-L', tmux.socketName, 'list-clients'], { reject: false });
      expect(clients.stdout).toBe('');
      expect(hub.stderr()).toContain(`${signal}: shutting down`);
    } finally {
      db.close();
    }
  });
});
