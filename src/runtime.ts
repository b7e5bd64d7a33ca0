import { fileURLToPath } from 'node:url';
import { AcpSessionBackend } from './backends/acp/acp-backend.js';
import { agentHooksCatalog } from './agents/hooks.js';
import { BackendRegistry } from './backends/registry.js';
import { ApprovalLinks } from './core/approval-links.js';
import type { NotificationSink } from './core/notifications.js';
import { CommandSink } from './notify/command.js';
import { WebhookSink } from './notify/webhook.js';
import { ensureApprovalLinkKey } from './store/operator-key.js';
import { TmuxSessionBackend } from './backends/tmux/tmux-backend.js';
import type { Config } from './config.js';
import { Coordinator } from './core/coordinator.js';
import { DomainError } from './core/errors.js';
import type { Caller } from './core/identity.js';
import { RemoteExecutor } from './core/remote-actions.js';
import { eventWake, type EventWake } from './core/event-wake.js';
import { readScreen, spawnAgent, stopAgent } from './core/lifecycle.js';
import { ignite } from './prompts/ignite.js';
import { agentEnvOf } from './config.js';
import { HookView } from './core/hook-view.js';
import type { Logger } from './log.js';
import { SqliteAgentTokens, type AgentTokenStore } from './store/agent-tokens.js';
import { SqliteHookStore, type HookStore } from './store/hooks-store.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/store.js';
import { tools } from './tools/index.js';

/** The operator's key in the data directory (`serve` makes it; the CLI reads it). */
export { ensureOperatorKey, operatorKeyPath, readOperatorKey } from './store/operator-key.js';

/** This build's command line (runners and the MCP server handed to ACP agents are started with it). */
const CLI_PATH = fileURLToPath(new URL('./cli.js', import.meta.url));

/** Everything a running server holds: the store, the backends and the core over them. */
export interface Runtime {
  store: Store;
  backends: BackendRegistry;
  coordinator: Coordinator;
  /** The store's "new events" notifications (PostgreSQL; undefined on SQLite), for SSE and resource subscriptions. */
  events: EventWake | undefined;
  /** Agent credentials (used by `serve --auth agents`). */
  tokens: AgentTokenStore;
  close(): Promise<void>;
}

/** The stores of one engine: the agents store, the hook tables and the agent tokens. */
export interface Stores {
  store: Store;
  hooks: HookStore;
  tokens: AgentTokenStore;
}

/**
 * Opens the configured store: PostgreSQL for `--store postgres://…` (the driver is loaded only
 * then), else the SQLite file in the data directory. Both are migrated to the latest schema.
 */
export async function openStores(config: Pick<Config, 'dbPath' | 'storeUrl' | 'hostName'>): Promise<Stores> {
  if (config.storeUrl !== undefined) {
    const [{ PgDatabase }, { PgStore }, { PgHookStore }, { PgAgentTokens }] = await Promise.all([
      import('./store/pg-db.js'),
      import('./store/pg-store.js'),
      import('./store/pg-hooks-store.js'),
      import('./store/pg-agent-tokens.js'),
    ]);
    const db = await PgDatabase.open(config.storeUrl);
    return { store: new PgStore(db, Date.now, config.hostName), hooks: new PgHookStore(db, Date.now, config.hostName), tokens: new PgAgentTokens(db) };
  }
  const store = SqliteStore.open(config.dbPath, { host: config.hostName });
  return { store, hooks: new SqliteHookStore(store.db), tokens: new SqliteAgentTokens(store.db) };
}

export async function createRuntime(config: Config, env: NodeJS.ProcessEnv, log: Logger): Promise<Runtime> {
  const { store, hooks, tokens } = await openStores(config);
  const backends = new BackendRegistry([
    new TmuxSessionBackend({
      ...(config.tmuxSocket !== undefined && { socketName: config.tmuxSocket }),
      ...(config.submitDelayMs !== undefined && { submitSettleMs: config.submitDelayMs }),
      // Claude Code names an MCP tool by its title in permission dialogs: map ours back to names.
      mcpToolTitles: new Map(tools.map((t) => [t.title, t.name])),
      log: (m) => log.debug(m),
    }),
    // Headless agents over the Agent Client Protocol, each under its own runner (`agent-boss acp-runner`).
    new AcpSessionBackend({ dataDir: config.dataDir, nodePath: process.execPath, cliPath: CLI_PATH, log: (m) => log.debug(m) }),
  ]);
  const coordinator = new Coordinator({
    store,
    backends,
    env,
    agentTokens: tokens,
    // What each agent program's hook events mean (src/agents/<kind>/hooks.ts): the core names none.
    hooks: new HookView(hooks, agentHooksCatalog),
    // Hubs of several hosts share a PostgreSQL store: each probes and acts on its own host's sessions.
    hosts: { name: config.hostName, shared: config.storeUrl !== undefined },
    ...(config.space !== undefined && { defaultSpace: config.space }),
    ...(config.agent !== undefined && { defaultAgent: config.agent }),
  });
  let closed = false;
  const events = eventWake(store);
  return {
    store,
    backends,
    coordinator,
    events,
    tokens,
    async close() {
      if (closed) return;
      closed = true;
      await backends.close();
      await events?.close();
      await store.close();
    },
  };
}

/**
 * One-time approval links signed with the data directory's key; a link is spent by a lease of the
 * store (a fresh holder each time, so only the first use takes it, in any process on the database),
 * given back when that use answered nothing for a passing reason.
 */
export function approvalLinksOf(runtime: Runtime, dataDir: string): ApprovalLinks {
  return new ApprovalLinks({ key: ensureApprovalLinkKey(dataDir), leases: runtime.store });
}

/** The sinks `serve --notify-webhook` / `--notify-command` name. */
export function notificationSinks(config: Config, env: NodeJS.ProcessEnv, log: Logger): NotificationSink[] {
  const notify = config.notify;
  if (!notify) return [];
  return [...notify.webhooks.map((url) => new WebhookSink(url, { log })), ...notify.commands.map((cmd) => new CommandSink(cmd, { log, env }))];
}

/**
 * With a store shared by the hubs of several hosts: the loop that runs the actions other hubs queue
 * for this host's sessions (src/core/remote-actions.ts); undefined on a store of one machine.
 */
export function remoteExecutor(coordinator: Coordinator, config: Config, log: Logger): RemoteExecutor | undefined {
  if (config.storeUrl === undefined) return undefined;
  const calls: Record<string, (caller: Caller, input: never) => Promise<unknown>> = {
    send_input: (caller, input) => coordinator.sendInput(caller, input),
    approve: (caller, input) => coordinator.approve(caller, input),
    interrupt: (caller, input) => coordinator.interrupt(caller, input),
    stop_agent: (caller, input) => stopAgent(coordinator, caller, input),
    read_screen: (caller, input) => readScreen(coordinator, caller, input),
    // As spawn_agent on this hub: its --allow-skip-permissions, the agents' environment and the ignite prompt.
    spawn_agent: (caller, input) =>
      spawnAgent(coordinator, caller, input, {
        allowSkipPermissions: config.allowSkipPermissions,
        agentEnv: agentEnvOf(config),
        ignition: (t) => ignite.render({ agent: t.agent, space: t.space }, { coordinator, caller: {} }),
      }),
  };
  return new RemoteExecutor({
    store: coordinator.store,
    host: config.hostName,
    run: (kind, caller, input) => {
      const call = calls[kind];
      if (!call) throw new DomainError('validation', `This hub does not run "${kind}" actions for other hosts: upgrade it.`);
      return call(caller, input as never);
    },
    explain: (err, where) => {
      const f = coordinator.explainFailure(err, where);
      if (f.domain) return { code: f.domain.code, message: f.domain.message };
      log.error(f.log);
      return { code: 'backend_failed', message: f.message };
    },
    onError: (err) => log.warn(`actions for this host: ${err instanceof Error ? err.message : String(err)}`),
  });
}
