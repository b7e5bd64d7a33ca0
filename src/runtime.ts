import { BackendRegistry } from './backends/registry.js';
import { TmuxSessionBackend } from './backends/tmux/tmux-backend.js';
import type { Config } from './config.js';
import { Coordinator } from './core/coordinator.js';
import type { Logger } from './log.js';
import { openDatabase } from './store/db.js';
import { Store } from './store/store.js';
import { tools } from './tools/index.js';

/** Everything a running server holds: the store, the backends and the core over them. */
export interface Runtime {
  store: Store;
  backends: BackendRegistry;
  coordinator: Coordinator;
  close(): Promise<void>;
}

export function createRuntime(config: Config, env: NodeJS.ProcessEnv, log: Logger): Runtime {
  const db = openDatabase(config.dbPath);
  const store = new Store(db);
  const backends = new BackendRegistry([
    new TmuxSessionBackend({
      ...(config.tmuxSocket !== undefined && { socketName: config.tmuxSocket }),
      ...(config.submitDelayMs !== undefined && { submitSettleMs: config.submitDelayMs }),
      // Claude Code names an MCP tool by its title in permission dialogs: map ours back to names.
      mcpToolTitles: new Map(tools.map((t) => [t.title, t.name])),
      log: (m) => log.debug(m),
    }),
  ]);
  const coordinator = new Coordinator({
    store,
    backends,
    env,
    ...(config.space !== undefined && { defaultSpace: config.space }),
    ...(config.agent !== undefined && { defaultAgent: config.agent }),
  });
  let closed = false;
  return {
    store,
    backends,
    coordinator,
    async close() {
      if (closed) return;
      closed = true;
      await backends.close();
      db.close();
    },
  };
}
