/** Waiting for a test's child process to end, with SIGKILL once the time is up. */
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 50;

/** Polls until `pid` is gone; after `timeoutMs` sends SIGKILL and returns. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      return;
    }
    await sleep(POLL_MS);
  }
}
