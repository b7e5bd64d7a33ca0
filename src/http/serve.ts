import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { agentEnvOf, describeStartupError, prepareDataDir, recordStoreOf, STORE_FILE, storeLabel, type Config } from '../config.js';
import { logActivity } from '../core/activity.js';
import { LivenessMonitor } from '../core/monitor.js';
import { resumableAgents } from '../core/resume.js';
import type { LivenessRow } from '../core/liveness.js';
import { STATE_LABELS } from '../core/liveness.js';
import { visible } from '../core/text.js';
import type { Logger } from '../log.js';
import { Notifier } from '../core/notifications.js';
import { approvalLinksOf, createRuntime, ensureOperatorKey, notificationSinks, operatorKeyPath, remoteExecutor, type Runtime } from '../runtime.js';
import { createHttpApp } from './app.js';
import { EventHub } from './events.js';
import { McpSessions } from './mcp-route.js';
import { OperatorAuth } from './operator.js';
import { shellDoubleQuote, shellQuote } from '../backends/shell-quote.js';
import { isLoopbackHost } from './middleware.js';
import { agentBossOnPath } from '../setup-claude.js';
import { DEFAULT_SPACE, sessionNameFor } from '../core/identity.js';

/** How long a shutdown waits for requests in flight (a send or approve takes up to a few seconds). */
const DRAIN_MS = 5000;
/** How long an idle HTTP connection stays open for the next request. */
export const KEEP_ALIVE_MS = 65_000;
/** How long a shutdown waits for notifications still being delivered. */
const NOTIFY_DRAIN_MS = 2000;
/** Longest a shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 12_000;

/** Long-lived streams (SSE, the MCP GET stream): ended at shutdown, not waited for. */
const isStream = (method: string | undefined, url: string | undefined): boolean =>
  method === 'GET' && /^\/(?:mcp|events|spaces\/[^/]+\/events)(?:[?#]|$)/.test(url ?? '');

/**
 * `agent-boss serve`: the long-lived HTTP hub. Refuses (exit code 2) to listen beyond loopback
 * without a token; otherwise opens the runtime, starts the liveness monitor, listens, prints
 * `agent-boss listening on http://HOST:PORT` (the actual port when --port 0) to stderr and keeps
 * running (returns -1) until SIGINT/SIGTERM, when it closes MCP sessions, SSE streams, the monitor
 * (releasing its lease) and the runtime, then exits 0.
 */
export async function runServe(config: Config, log: Logger): Promise<number> {
  if (!isLoopbackHost(config.host) && config.token === undefined) {
    process.stderr.write(
      `agent-boss: refusing to listen on ${config.host} without a token: any machine that can reach it could drive your agents. ` +
        `Pass --token (or BOSS_TOKEN) with a secret of 16+ characters, or bind to 127.0.0.1.\n`,
    );
    return 2;
  }
  if (config.tokenFrom === 'flag') {
    process.stderr.write(
      'agent-boss: warning: --token on the command line is visible to every local user (ps, /proc/<pid>/cmdline): ' +
        'pass it in BOSS_TOKEN or with --token-file PATH instead.\n',
    );
  }
  if (config.storeFrom === 'flag' && config.storeUrl !== undefined && URL.canParse(config.storeUrl) && new URL(config.storeUrl).password !== '') {
    process.stderr.write('agent-boss: warning: the --store URL holds a password visible to every local user (ps, /proc/<pid>/cmdline): set BOSS_STORE instead.\n');
  }
  if (config.auth === 'agents' && config.token === undefined) {
    process.stderr.write(
      `agent-boss: --auth agents needs the operator's token: pass --token (or BOSS_TOKEN) with a secret of 16+ characters. ` +
        `Agents then use their own tokens (agent-boss token issue).\n`,
    );
    return 2;
  }

  // The hub serves many agents over HTTP: it must never take its own tmux session (TMUX/TMUX_PANE
  // of the shell it was started from) for a caller's session when a call names none.
  const env = { ...process.env };
  delete env.TMUX;
  delete env.TMUX_PANE;

  let runtime: Runtime;
  let operatorKey: string;
  try {
    prepareDataDir(config);
    operatorKey = ensureOperatorKey(config.dataDir);
    runtime = await createRuntime(config, env, log);
    // The data dir names its store, so the processes given only the dir (spawned agents' stdio servers, runners) use it too.
    recordStoreOf(config);
  } catch (err) {
    process.stderr.write(`agent-boss: cannot start: ${describeStartupError(err, config) ?? (err as Error).message}\n`);
    return 1;
  }
  const { coordinator } = runtime;
  logActivity(coordinator, log);
  const startedAt = Date.now();

  const mcp = new McpSessions({ coordinator, readOnly: config.readOnly, allowSkipPermissions: config.allowSkipPermissions, agentEnv: agentEnvOf(config), log, ...(runtime.events && { eventWake: runtime.events }) });
  // With PostgreSQL, other hubs' events arrive by NOTIFY: subscribers read at once instead of polling.
  const events = new EventHub(coordinator, log, undefined, undefined, undefined, runtime.events);
  const operator = new OperatorAuth(operatorKey);
  const notify = config.notify;
  const approvalLinks = notify?.approvalLinks ? approvalLinksOf(runtime, config.dataDir) : undefined;
  // The address in notifications is one the hub must answer to.
  const publicHost = notify?.publicUrl !== undefined ? new URL(notify.publicUrl).host : undefined;
  const app = createHttpApp({
    coordinator,
    log,
    bindHost: config.host,
    allowedHosts: publicHost !== undefined ? [...config.allowedHosts, publicHost] : config.allowedHosts,
    ...(approvalLinks !== undefined && { approvalLinks }),
    ...(config.token !== undefined && { token: config.token }),
    ...(config.auth === 'agents' && { agentTokens: runtime.tokens }),
    operator,
    readOnly: config.readOnly,
    dataDir: config.dataDir,
    ...(config.tmuxSocket !== undefined && { tmuxSocket: config.tmuxSocket }),
    mcp,
    events,
    lifecycle: { allowSkipPermissions: config.allowSkipPermissions, agentEnv: agentEnvOf(config) },
    startedAt,
  });

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  // Node closes an idle keep-alive connection after 5 s; a client that reuses it at that moment
  // (one busy with many sessions notices the close late) sees "other side closed". Clients close
  // their side a little before the time the server announces, so announce a long one.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'EADDRINUSE'
        ? `port ${config.port} on ${config.host} is already in use (another agent-boss serve?). Stop it or pass --port.`
        : e.code === 'EADDRNOTAVAIL'
          ? `${config.host} is not an address of this machine.`
          : e.message;
    process.stderr.write(`agent-boss: cannot listen: ${why}\n`);
    await runtime.close();
    return 1;
  }
  server.on('error', (err) => log.error(`HTTP server: ${err.message}`));
  // Requests in flight, so a shutdown lets them finish.
  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (req, res) => {
    if (isStream(req.method, req.url)) return;
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
    });
  });

  const { port } = server.address() as AddressInfo;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const hasDashboard = app.routes.some((r) => r.path === '/' && (r.method === 'GET' || r.method === 'ALL'));
  const base = `http://${shownHost}:${port}`;
  process.stderr.write(startupText(config, base, hasDashboard, hasDashboard ? `${base}/login?code=${operator.loginCode()}` : undefined));

  // Notifications are decided by the monitor, in the one process holding its lease.
  const sinks = notificationSinks(config, env, log);
  const notifier = new Notifier({
    baseUrl: notify?.publicUrl ?? base,
    host: config.hostName,
    ...(notify !== undefined && { longTurnMs: notify.longTurnMs }),
    ...(approvalLinks !== undefined && { approveLinks: (p: { space: string; agent: string; prompt_id: string }) => approvalLinks.links(p) }),
  });
  let lastMonitorError = '';
  const monitor = new LivenessMonitor({
    coordinator,
    notifier,
    sinks,
    onError: (err) => {
      // A failing probe repeats every second; say so once per distinct failure.
      const msg = err instanceof Error ? err.message : String(err);
      if (msg !== lastMonitorError) log.warn(`liveness monitor: ${msg}`);
      lastMonitorError = msg;
    },
  });
  monitor.start();
  // Hubs sharing a store: the actions other hubs queue for this host's sessions.
  const executor = remoteExecutor(coordinator, config, log);
  executor?.start();
  // After a reboot every agent's session is gone: say which ones can come back with their conversation.
  resumableAgents(coordinator).then(
    (rows) => rows.length > 0 && !closing && process.stderr.write(resumableText(rows)),
    (err: unknown) => log.warn(`listing the agents that can be resumed: ${err instanceof Error ? err.message : String(err)}`),
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info(`${signal}: shutting down`);
    const force = setTimeout(() => {
      process.stderr.write('agent-boss: shutdown took too long; exiting\n');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    try {
      // No new connections; idle keep-alive ones go now, busy ones once their response is sent.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      events.close();
      if (inFlight > 0) {
        log.info(`waiting for ${inFlight} request(s) in flight`);
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, DRAIN_MS).unref();
        });
      }
      await mcp.close();
      await executor?.stop();
      await monitor.stop();
      // Events already decided get a moment to go out; a receiver that is down does not hold the exit.
      await Promise.race([Promise.all(sinks.map((sink) => sink.drain?.())), new Promise((r) => setTimeout(r, NOTIFY_DRAIN_MS).unref())]);
      server.closeAllConnections();
      await closed;
      // Detaches the tmux control clients and closes the database.
      await runtime.close();
    } catch (err) {
      process.stderr.write(`agent-boss: error during shutdown: ${(err as Error).message}\n`);
      process.exit(1);
    }
    process.exit(0);
  };
  // `on`, not `once`: a library's own handler (signal-exit, loaded with execa) re-raises the signal
  // when it finds itself the only listener, which would kill the process mid-shutdown.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  return -1;
}

/**
 * What `serve` prints when it listens (stderr): the first line is `agent-boss listening on URL`
 * (scripts wait for it), then where each part is, the data and tmux server it uses, and the lines
 * that connect Claude Code to it.
 */
export function startupText(config: Config, base: string, hasDashboard: boolean, loginLink?: string): string {
  const row = (label: string, value: string) => `  ${label.padEnd(14)}${value}`;
  const tmux = config.tmuxSocket !== undefined ? `socket "${config.tmuxSocket}" (tmux -L ${config.tmuxSocket})` : 'your default tmux server';
  const onPath = agentBossOnPath(process.env, process.argv[1] ?? '') !== undefined;
  const program = onPath ? 'agent-boss' : `${shellQuote(process.execPath)} ${shellQuote(process.argv[1] ?? 'dist/cli.js')}`;
  const dataDirFlag = config.dataDirFrom === 'default' ? '' : ` --data-dir ${shellQuote(config.dataDir)}`;
  const stdioFlags = `${dataDirFlag}${config.tmuxSocket !== undefined ? ` --tmux-socket ${shellQuote(config.tmuxSocket)}` : ''}`;
  // The space a session names with X-Agent-Space; without the header it is bound to the hub's default space.
  const space = config.space ?? DEFAULT_SPACE;
  // With --auth agents each agent sends its own token; else, with a token, everyone sends the hub's.
  const tokenVar = config.auth === 'agents' ? 'AGENT_TOKEN' : 'BOSS_TOKEN';
  const auth = config.token !== undefined ? ` --header "Authorization: Bearer $${tokenVar}"` : '';
  // The lines read the token from a variable, never print it: the terminal's scrollback and logs keep it otherwise.
  const tokenSetup =
    config.token === undefined
      ? []
      : config.auth === 'agents'
        ? [`  export AGENT_TOKEN=$(${program} token issue --space ${shellQuote(space)} --agent api-dev${dataDirFlag})   # the agent's own token, printed once`]
        : config.tokenFrom === 'flag'
          ? ['  read -rs BOSS_TOKEN && export BOSS_TOKEN   # first: paste the token given to --token (not echoed); the lines below read $BOSS_TOKEN']
          : config.tokenFrom === 'file' && config.tokenFile !== undefined
            ? [`  export BOSS_TOKEN=$(head -n 1 ${shellQuote(config.tokenFile)})   # the lines below read $BOSS_TOKEN`]
            : ['  # in a shell where BOSS_TOKEN holds the hub\'s token (as in the one that started it)'];
  // An agent's own token registers only a session that is provably its own (Identity.checkClaim), and
  // over HTTP that is the one spawn_agent names for it: under --auth agents the curl line names that one.
  const ignitionSession = config.auth === 'agents' ? sessionNameFor(space, 'api-dev') : 'SESSION';
  const ignitionNote =
    config.auth === 'agents' ? `   # run in tmux session ${ignitionSession} (tmux new -s ${ignitionSession}): an agent's token registers only that one` : '';
  const lines = [
    `agent-boss listening on ${base}`,
    row('MCP', `${base}/mcp   (Streamable HTTP; X-Agent-Name and X-Agent-Space bind a session to an agent)`),
    ...(hasDashboard ? [row('dashboard', `${base}/`)] : []),
    ...(loginLink !== undefined ? [row('login', `${loginLink}   (one-time link: opens the dashboard as the operator)`)] : []),
    row('operator key', `${operatorKeyPath(config.dataDir)}   (Authorization: Bearer <key>: the operator; agents are not given it)`),
    row('events', `${base}/events   (Server-Sent Events)`),
    row('health', `${base}/healthz`),
    row('database', `${storeLabel(config)}${config.storeFrom === 'file' ? `   (named by ${STORE_FILE} in the data directory)` : ''}`),
    ...(config.storeUrl !== undefined ? [row('host', `${config.hostName}   (this hub probes and acts on the sessions of this host; the others' come from their hubs)`)] : []),
    row('tmux', `watching ${tmux}`),
    ...(config.token !== undefined ? [row('token', `required on every route but /healthz: Authorization: Bearer <token>`)] : []),
    ...notifyRows(config).map(([label, value]) => row(label, value)),
    ...(config.auth === 'agents' ? [row('auth', 'agents: X-Agent-Name is honoured only with that agent\'s token (agent-boss token issue)')] : []),
    '',
    `Connect a Claude Code agent to this hub (run it in the agent's working directory; replace api-dev with its name and ${space} with its space):`,
    ...tokenSetup,
    `  claude mcp add --transport http agent-boss ${base}/mcp --header ${shellDoubleQuote('X-Agent-Name: api-dev')} --header ${shellDoubleQuote(`X-Agent-Space: ${space}`)}${auth}`,
    'or give it its own stdio server on the same database:',
    `  claude mcp add agent-boss -- ${program} stdio --space ${shellQuote(space)} --agent api-dev${stdioFlags}`,
    `An agent without MCP fetches its instructions: curl -s ${shellQuote(`${base}/spaces/${encodeURIComponent(space)}/ignition/api-dev?session_id=${ignitionSession}`)}${config.token !== undefined ? ` -H "Authorization: Bearer $${tokenVar}"` : ''}${ignitionNote}`,
    '',
  ];
  return `${lines.join('\n')}`;
}

/** What `serve` prints about its notifications: where they go (webhooks by origin only: their URLs hold secrets). */
function notifyRows(config: Config): [string, string][] {
  const n = config.notify;
  if (!n || (n.webhooks.length === 0 && n.commands.length === 0)) return [];
  const to = [...n.webhooks.map((u) => `webhook ${new URL(u).origin}`), ...n.commands.map(() => 'a command')].join(', ');
  return [
    ['notify', `${to}${n.approvalLinks ? '; with one-time approval links' : ''}`],
    ...(n.publicUrl !== undefined ? [['links', `${n.publicUrl}/`] as [string, string]] : []),
  ];
}

/** What `serve` prints at its start about the agents resume_agent can restart. */
export function resumableText(rows: readonly LivenessRow[]): string {
  const lines = rows.map((r) => `  ${visible(r.space)}/${visible(r.agent)}: ${STATE_LABELS[r.state]}, conversation ${r.program_session_id ?? '?'}`);
  const n = rows.length === 1 ? '1 agent whose session is gone can be resumed' : `${rows.length} agents whose sessions are gone can be resumed`;
  return `agent-boss: ${n} with its conversation (resume_agent, or Resume on the dashboard):\n${lines.join('\n')}\n`;
}
