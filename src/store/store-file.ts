/**
 * A data directory served by a PostgreSQL store says so in `store.url` (mode 0600, written by
 * `agent-boss serve`). Every agent-boss process given that directory alone then uses the same
 * database, never a SQLite file of its own beside it: a spawned agent's stdio server (it gets only
 * BOSS_DATA_DIR), the runner of a headless agent (its approval rules), `agent-boss token`, a second
 * hub. The password stays out of their command lines and environments. A --store flag or BOSS_STORE
 * still wins; deleting the file returns the directory to SQLite.
 */
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPostgresUrl, STORE_URL_FORM } from './store-url.js';

export const STORE_FILE = 'store.url';

/** The PostgreSQL URL the data directory names, if any; a file that is there but holds none is an error naming it. */
export function readStoreFile(dataDir: string): string | undefined {
  const path = join(dataDir, STORE_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  const url = text.trim();
  if (!isPostgresUrl(url) || !URL.canParse(url)) {
    throw new Error(`${path} does not hold a PostgreSQL URL (${STORE_URL_FORM}): correct it, or delete it to use the SQLite file in that directory`);
  }
  return url;
}

/** Records the store's URL in the data directory (0600, replaced whole); returns whether the file changed. */
export function writeStoreFile(dataDir: string, url: string): boolean {
  const path = join(dataDir, STORE_FILE);
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8').trim();
  } catch {
    current = undefined;
  }
  if (current === url) {
    chmodSync(path, 0o600);
    return false;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${url}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return true;
}
