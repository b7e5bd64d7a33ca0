import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AcpSessionBackend } from '../../src/backends/acp/acp-backend.js';
import { waitFor } from '../helpers/fake-agent.js';
import { waitForExit } from '../helpers/process-exit.js';
import { tempDir } from '../helpers/tmp.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Starting an ACP agent's runner, when the runner does not come up: the backend gives up on it
 * and ends it, so no runner (and later no agent program) is left running that nobody knows of.
 * The "runner" here is a real process that never listens (standing in for one stuck on a loaded
 * machine), started the way the backend starts every runner.
 */
describe('acp backend: a runner that does not start listening', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('is ended when the spawn gives up on it', async () => {
    const dir = tempDir('boss-acp-start-');
    cleanups.push(dir.cleanup);
    const stuck = join(dir.dir, 'stuck-runner.mjs');
    // Called as `node stuck-runner.mjs acp-runner SPEC`: never listens, never ends by itself.
    writeFileSync(stuck, 'setInterval(() => undefined, 60_000);\n');
    const started: number[] = [];
    const backend = new AcpSessionBackend({
      dataDir: join(dir.dir, 'data'),
      nodePath: process.execPath,
      cliPath: stuck,
      runnerStartMs: 1000,
      log: (line) => {
        const m = /runner (\d+) started/.exec(line);
        if (!m) return;
        started.push(Number(m[1]));
        cleanups.push(() => waitForExit(Number(m[1]), 0));
      },
    });

    await expect(backend.createSession({ sessionId: 'acp-stuck', command: 'true', workDir: dir.dir })).rejects.toThrow(/did not start listening/);
    expect(started).toHaveLength(1);
    const pid = started[0]!;
    await waitFor(() => !alive(pid), 5000, `runner ${pid} ended`);
  });
});
