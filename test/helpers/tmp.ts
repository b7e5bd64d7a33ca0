import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh temp directory, removed by the returned cleanup. A program the test just killed (a fake
 * agent in a pane) may still be writing its last log line, so removal is retried; a directory that
 * still cannot be removed is left in the system temp folder rather than failing the test.
 */
export function tempDir(prefix = 'agent-boss-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const cleanup = () => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    } catch (err) {
      process.stderr.write(`test cleanup: could not remove ${dir}: ${(err as Error).message}\n`);
    }
  };
  return { dir, cleanup };
}
