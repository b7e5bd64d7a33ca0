/** The data directory as processes share it: created private, and the environment that points a spawned agent's servers at it. */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from './config.js';
import { STORE_FILE, writeStoreFile } from './store/store-file.js';

export { STORE_FILE };

/**
 * Environment that makes an agent-boss stdio server started by a spawned agent share this server's
 * database and tmux server, and this process's PATH: the session's login shell may set a PATH without
 * the agent program's or agent-boss's directory, so the program and the MCP servers it starts
 * (`agent-boss stdio`) are found where this process finds them.
 */
export const agentEnvOf = (config: Pick<Config, 'dataDir' | 'tmuxSocket' | 'hostName'>, env: NodeJS.ProcessEnv = process.env): Record<string, string> => ({
  BOSS_DATA_DIR: config.dataDir,
  BOSS_HOST_NAME: config.hostName,
  ...(config.tmuxSocket !== undefined && { BOSS_TMUX_SOCKET: config.tmuxSocket }),
  ...(env.PATH && { PATH: env.PATH }),
});

/**
 * Creates the data directory when it does not exist yet, readable by this user only (it holds every
 * agent's reports), one level at a time: Node's recursive mkdir never returns on some paths (under
 * /proc, for one), and an error then names the level that failed. A file in the way is named as
 * such (ENOTDIR with its path). An existing directory is left as it is. Returns whether it created
 * the directory.
 */
export function prepareDataDir(config: Pick<Config, 'dataDir'>): boolean {
  const missing: string[] = [];
  let dir = resolve(config.dataDir);
  for (;;) {
    let st;
    try {
      st = statSync(dir);
    } catch (err) {
      // ENOTDIR: a file above it; going up finds and names that file.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = dirname(dir);
      if (parent === dir) throw err;
      missing.unshift(dir);
      dir = parent;
      continue;
    }
    if (!st.isDirectory()) {
      throw Object.assign(new Error(`ENOTDIR: not a directory, ${dir}`), { code: 'ENOTDIR', path: dir });
    }
    break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statSync(level).isDirectory()) continue; // made meanwhile
      throw err;
    }
  }
  return missing.length > 0;
}

/**
 * A hub given its PostgreSQL store by --store or BOSS_STORE records it in the data directory
 * (store-file.ts), so the processes given only the directory use the same database.
 */
export function recordStoreOf(config: Pick<Config, 'dataDir' | 'storeUrl' | 'storeFrom'>): void {
  if (config.storeUrl !== undefined && config.storeFrom !== 'file') writeStoreFile(config.dataDir, config.storeUrl);
}
