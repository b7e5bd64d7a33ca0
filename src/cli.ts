#!/usr/bin/env node
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { agentEnvOf, ConfigError, describeStartupError, prepareDataDir, helpText, resolveConfig, type Config } from './config.js';
import { logActivity } from './core/activity.js';
import { createLogger, type Logger } from './log.js';
import { createMcpServer } from './mcp/server.js';
import { createRuntime, type Runtime } from './runtime.js';
import { runSetupClaude } from './setup-claude.js';
import { VERSION } from './version.js';

async function runStdio(config: Config, log: Logger): Promise<number> {
  let runtime: Runtime;
  try {
    prepareDataDir(config);
    runtime = createRuntime(config, process.env, log);
  } catch (err) {
    const line = describeStartupError(err, config);
    if (line === undefined) throw err;
    process.stderr.write(`agent-boss: cannot start: ${line}\n`);
    return 1;
  }
  logActivity(runtime.coordinator, log);
  const server = createMcpServer({
    coordinator: runtime.coordinator,
    caller: { ...(config.agent !== undefined && { agent: config.agent }), ...(config.space !== undefined && { space: config.space }) },
    readOnly: config.readOnly,
    allowSkipPermissions: config.allowSkipPermissions,
    agentEnv: agentEnvOf(config),
    logError: (m) => log.error(m),
  });
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = async (code: number) => {
    if (closing) return;
    closing = true;
    await server.close().catch(() => undefined);
    await runtime.close();
    process.exit(code);
  };
  // The client closing our stdin is the normal way a stdio server ends.
  process.stdin.on('end', () => void shutdown(0));
  process.stdin.on('close', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  await server.connect(transport);
  log.info(`stdio server ready (data ${config.dbPath}${config.agent ? `, agent ${config.agent}` : ''})`);
  return -1;
}

/** A database at the old default `./data/boss.db` that this server is not using. */
function warnOldDefault(config: Config, log: Logger): void {
  if (config.oldDefaultDb === undefined) return;
  const dir = config.oldDefaultDb.replace(/\/boss\.db$/, '');
  log.warn(
    `found a database at the old default location ${config.oldDefaultDb}; this server uses ${config.dbPath}. ` +
      `To keep using the old one, pass --data-dir ${dir} (or BOSS_DATA_DIR=${dir}) to every server; or, with every agent-boss server stopped, ` +
      `move it (and its -wal and -shm files) to ${config.dataDir}.`,
  );
}

export async function main(argv: string[]): Promise<number> {
  let config: Config;
  try {
    config = resolveConfig(argv, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`agent-boss: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (config.command === 'help') {
    process.stdout.write(helpText(config.helpFor));
    return 0;
  }
  if (config.command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (config.command === 'setup') {
    return runSetupClaude(
      config,
      { env: process.env, cliPath: process.argv[1] ?? '', nodePath: process.execPath },
      (s) => process.stdout.write(s),
      (s) => process.stderr.write(s),
    );
  }
  const log = createLogger(config.logLevel);
  warnOldDefault(config, log);
  if (config.command === 'stdio') return runStdio(config, log);
  const { runServe } = await import('./http/serve.js');
  return runServe(config, log);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`agent-boss: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
