#!/usr/bin/env node
import type { Config } from './config.js';
import type { Logger } from './log.js';

// Modules are imported where a command needs them: `agent-boss hook` runs once per Claude Code
// event and must start in a fraction of the time the MCP server's dependencies take to load.

async function runStdio(config: Config, log: Logger): Promise<number> {
  const [{ LineStdioServerTransport }, { createMcpServer }, { createRuntime }, { agentEnvOf, describeStartupError, prepareDataDir, storeLabel }, { logActivity }] =
    await Promise.all([
      import('./mcp/stdio-transport.js'),
      import('./mcp/server.js'),
      import('./runtime.js'),
      import('./config.js'),
      import('./core/activity.js'),
    ]);
  let runtime: Awaited<ReturnType<typeof createRuntime>>;
  try {
    prepareDataDir(config);
    runtime = await createRuntime(config, process.env, log);
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
  const transport = new LineStdioServerTransport({ warn: (m) => log.warn(m) });
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
  log.info(`stdio server ready (data ${storeLabel(config)}${config.agent ? `, agent ${config.agent}` : ''})`);
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
  // `help hook`, `help token [ACTION]`, `help setup hooks`: the help of the commands parsed on their own.
  if (argv[0] === 'help' && (argv[1] === 'hook' || argv[1] === 'token' || (argv[1] === 'setup' && argv[2] === 'hooks'))) {
    argv = [...argv.slice(1), '--help'];
    if (argv[0] === 'hook') {
      const { HOOK_USAGE } = await import('./hooks/hook-command.js');
      process.stdout.write(HOOK_USAGE);
      return 0;
    }
  }
  // ── the agent programs' hooks (src/hooks/): dispatched before anything else is loaded ──
  if (argv[0] === 'hook') {
    const [{ runHookCommand }, { tmuxSessionOf }, { agentHooksCatalog, DEFAULT_HOOK_KIND }] = await Promise.all([
      import('./hooks/hook-command.js'),
      import('./backends/tmux/pane-session.js'),
      import('./agents/hooks.js'),
    ]);
    const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, sessionOf: tmuxSessionOf };
    const code = await runHookCommand(argv.slice(1), { ...io, programs: agentHooksCatalog, defaultKind: DEFAULT_HOOK_KIND });
    process.exit(code); // stdin may still be open (an oversized event): do not wait for it
  }
  // ── the runner of one ACP agent (started detached by the acp backend) ──
  if (argv[0] === 'acp-runner') {
    const [{ runAcpRunner }, { rulesOfDataDir }, { agentHooksCatalog }] = await Promise.all([
      import('./backends/acp/runner.js'),
      import('./core/rule-decision.js'),
      import('./agents/hooks.js'),
    ]);
    return runAcpRunner(argv.slice(1), {
      // The operator's approval rules answer the agent's permission requests, as the hooks do for agents in tmux.
      rules: (spec, log) => {
        const program = agentHooksCatalog.hooks(spec.kind);
        if (spec.agent === undefined || spec.space === undefined || program === undefined) return undefined;
        const decide = rulesOfDataDir(spec.dataDir, program, log);
        return (ask) => decide({ space: spec.space!, agent: spec.agent!, ...ask });
      },
    });
  }
  if (argv[0] === 'setup' && argv[1] === 'hooks') {
    const [{ runSetupHooks }, { agentHooksCatalog, DEFAULT_HOOK_KIND }] = await Promise.all([import('./hooks/setup-command.js'), import('./agents/hooks.js')]);
    return runSetupHooks(argv.slice(2), {
      programs: agentHooksCatalog,
      defaultKind: DEFAULT_HOOK_KIND,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      cliPath: process.argv[1] ?? '',
      nodePath: process.execPath,
    });
  }
  // ──────────────────────────────────────────────────────────────────────────────
  if (argv[0] === 'doctor' || (argv[0] === 'help' && argv[1] === 'doctor')) {
    const { runDoctor } = await import('./doctor.js');
    return runDoctor(argv[0] === 'help' ? ['--help'] : argv.slice(1), process.env, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
  }
  if (argv[0] === 'token') {
    const { runTokenCommand } = await import('./token-cli.js');
    return runTokenCommand(argv.slice(1), process.env, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
  }
  const { ConfigError, helpText, resolveConfig } = await import('./config.js');
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
    const { VERSION } = await import('./version.js');
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (config.command === 'setup' && (config.setupTarget === 'codex' || config.setupTarget === 'gemini')) {
    const { runSetupProgram } = await import('./setup-programs.js');
    const where = { env: process.env, cliPath: process.argv[1] ?? '', nodePath: process.execPath };
    return runSetupProgram(config.setupTarget, config, where, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
  }
  if (config.command === 'setup') {
    const { runSetupClaude } = await import('./setup-claude.js');
    return runSetupClaude(
      config,
      { env: process.env, cliPath: process.argv[1] ?? '', nodePath: process.execPath },
      (s) => process.stdout.write(s),
      (s) => process.stderr.write(s),
    );
  }
  const { createLogger } = await import('./log.js');
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
  async (err: unknown) => {
    const argv = process.argv.slice(2);
    const command = argv.filter((a) => !a.startsWith('-')).slice(0, argv[0] === 'token' || argv[0] === 'setup' ? 2 : 1).join(' ');
    const { describeFailure } = await import('./cli-failure.js');
    process.stderr.write(`${describeFailure(err, command)}\n`);
    const debug = process.env.BOSS_LOG_LEVEL === 'debug' || argv.some((a, i) => a === '--log-level=debug' || (a === '--log-level' && argv[i + 1] === 'debug'));
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
