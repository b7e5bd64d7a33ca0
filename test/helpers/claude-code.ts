/**
 * Start the real Claude Code (the pinned version from scripts/ensure-claude-code.mjs, or the one
 * CLAUDE_CODE_VERSION names) in a private
 * tmux server, offline: a private HOME with a pre-written `~/.claude.json` (onboarding done, the API
 * key approved, the work dir trusted unless asked otherwise), the Messages API pointed at a fake
 * model (test/fixtures/fake-model.ts), and `--permission-mode manual` so permission dialogs appear.
 *
 *   const model = await startFakeModel();
 *   const cc = await startClaudeCode({ modelUrl: model.url });   // waits for "? for shortcuts"
 *   model.script(textTurn('hello'));
 *   await cc.type('hi'); await cc.keys('Enter');
 *   await model.requestContaining('hi');
 *   await cc.stop();
 *
 * Why each setting: see docs/testing.md ("How the real client runs offline").
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error -- a plain .mjs script without type declarations
import { CLAUDE_CODE_VERSION, claudeCodeBinary, claudeCodeDir } from '../../scripts/ensure-claude-code.mjs';
import { paneScreen, shellQuote } from './pane-screen.js';
import { tempDir } from './tmp.js';
import { createTmuxServer, type TmuxTestServer } from './tmux.js';
import type { TuiSession } from './tui-program.js';

export { CLAUDE_CODE_VERSION };

/** Any string works offline; Claude Code remembers approved keys by their last 20 characters. */
export const FAKE_API_KEY = 'sk-ant-api03-fake-key-for-offline-tests-0123456789abcdefghij';

/** First screen takes 5–8 s on a 2-core machine; more when the machine is loaded. */
const READY_TIMEOUT_MS = 60_000;

export interface ClaudeCodeOptions {
  /** Base URL of the Messages API (the fake model's `url`). */
  modelUrl: string;
  /** Working directory (default: a fresh temp dir, removed by stop()). Must exist. */
  workDir?: string;
  /** Pre-accept the folder-trust dialog for workDir (default true). false: the dialog shows first. */
  trusted?: boolean;
  /** Extra arguments after `--permission-mode <mode>`, e.g. ['--mcp-config', file] or ['--settings', file]. */
  args?: string[];
  /** Permission mode (default "manual": every gated tool asks). */
  permissionMode?: string;
  /** Terminal size (default 120x40). */
  width?: number;
  height?: number;
  /** Extra environment for Claude Code (and the MCP servers and hooks it starts). */
  env?: Record<string, string>;
  /** Run in this tmux server (default: a new private one, killed by stop()). */
  tmux?: TmuxTestServer;
  /** Session name (default "cc-<n>"). */
  session?: string;
  /**
   * What to wait for before resolving: "prompt" (default: `? for shortcuts` in the footer; with
   * trusted: false the trust dialog), or "none".
   */
  waitFor?: 'prompt' | 'none';
  /**
   * What the pane shows once Claude Code exits: "dead" (default: the pane stays, marked dead),
   * "shell" (an interactive shell with the prompt `dev@box:~/webapp$ `, as when claude was started
   * from a shell), or "marker" (a line `[claude exited <code>]`, as a wrapper script prints, and the
   * pane stays alive).
   */
  afterExit?: 'dead' | 'shell' | 'marker';
  /** Run this installed version (scripts/ensure-claude-code.mjs) instead of CLAUDE_CODE_VERSION's. */
  version?: string;
}

export interface ClaudeCodeSession extends TuiSession {
  /** Waits until the empty input box and its idle footer are shown (see idlePrompt). */
  waitForPrompt(timeoutMs?: number): Promise<string>;
}

let counter = 0;

/**
 * The empty input box with its footer: `? for shortcuts` (manual mode), or the mode line alone in
 * plan mode, which shows no shortcut hint.
 */
export const idlePrompt = (screen: string): boolean =>
  /^─{20,}\n❯[\s\u00a0]*\n─{20,}\n/mu.test(screen) && /\? for shortcuts|plan mode on/u.test(screen) && !/esc to interrupt/u.test(screen);

/** Path of the Claude Code binary (of `version`, default CLAUDE_CODE_VERSION's); throws a clear error when it was not installed. */
export function claudeBinary(version: string = CLAUDE_CODE_VERSION): string {
  const env = { ...process.env, CLAUDE_CODE_VERSION: version };
  const binary = claudeCodeBinary(env) as string;
  if (!existsSync(binary)) {
    throw new Error(
      `Claude Code ${version} is not installed at ${binary}. Run "CLAUDE_CODE_VERSION=${version} node scripts/ensure-claude-code.mjs" ` +
        `(npm test does it for the tested versions), or point BOSS_CLAUDE_CODE_DIR at a folder where it is installed (now ${claudeCodeDir(env) as string}).`,
    );
  }
  return binary;
}

/**
 * Writes `<home>/.claude.json` so Claude Code skips the onboarding it cannot complete offline, and
 * trusts `workDir` unless `trusted` is false. Merges into an existing file.
 */
export function writeClaudeConfig(home: string, opts: { workDirs: string[]; trusted?: boolean; apiKey?: string; version?: string }): void {
  const key = opts.apiKey ?? FAKE_API_KEY;
  const projects: Record<string, unknown> = {};
  for (const dir of opts.workDirs) {
    projects[dir] = opts.trusted === false ? {} : { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true };
  }
  const config = {
    hasCompletedOnboarding: true,
    lastOnboardingVersion: opts.version ?? CLAUDE_CODE_VERSION,
    theme: 'dark',
    customApiKeyResponses: { approved: [key.slice(-20)], rejected: [] },
    projects,
  };
  mkdirSync(join(home, '.claude'), { recursive: true });
  writeFileSync(join(home, '.claude.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/** The environment Claude Code runs with: only these variables (plus TMUX/TMUX_PANE/TERM from the pane). */
export function claudeEnv(modelUrl: string, home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    ANTHROPIC_BASE_URL: modelUrl,
    ANTHROPIC_API_KEY: FAKE_API_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    ...extra,
  };
}

export async function startClaudeCode(opts: ClaudeCodeOptions): Promise<ClaudeCodeSession> {
  const version = opts.version ?? CLAUDE_CODE_VERSION;
  const binary = claudeBinary(version);
  const ownTmux = opts.tmux === undefined;
  const tmux = opts.tmux ?? (await createTmuxServer());
  const homeDir = tempDir('boss-cc-home-');
  const ownWork = opts.workDir === undefined ? tempDir('boss-cc-work-') : undefined;
  // Claude Code keys its per-project settings by the real path.
  const workDir = realpathSync(opts.workDir ?? ownWork!.dir);
  const home = realpathSync(homeDir.dir);
  const width = opts.width ?? 120;
  const height = opts.height ?? 40;
  const session = opts.session ?? `cc-${process.pid}-${++counter}`;
  writeClaudeConfig(home, { workDirs: [workDir], version, ...(opts.trusted !== undefined && { trusted: opts.trusted }) });

  const env = claudeEnv(opts.modelUrl, home, opts.env);
  const argv = [binary, '--permission-mode', opts.permissionMode ?? 'manual', ...(opts.args ?? [])];
  // env -i: nothing of the developer's environment (an ANTHROPIC_* variable, a CLAUDE_CONFIG_DIR)
  // leaks in; TMUX, TMUX_PANE and TERM come from the pane, as for any program started in tmux.
  const run = [
    'env -i',
    'TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" TERM="$TERM"',
    ...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`),
    ...argv.map(shellQuote),
  ].join(' ');
  const afterExit = opts.afterExit ?? 'dead';
  let command = `exec ${run}`;
  if (afterExit !== 'dead') {
    // Started from a shell as a user would, by the name `claude` (a script in the private HOME), so
    // what the shell prints when it ends ("Killed  claude") names no path of this machine.
    mkdirSync(join(home, 'bin'), { recursive: true });
    writeFileSync(join(home, 'bin', 'claude'), `#!/bin/sh\nexec ${run} "$@"\n`, { mode: 0o755 });
    const start = `export PATH=${shellQuote(join(home, 'bin'))}:"$PATH"; claude`;
    command =
      afterExit === 'shell'
        ? `${start}; exec env -i TERM="$TERM" HOME=${shellQuote(home)} PATH=${shellQuote(env.PATH!)} PS1='dev@box:~/webapp$ ' bash --norc --noprofile -i`
        : `${start}; echo "[claude exited $?]"; exec sleep 86400`;
  }
  // remain-on-exit in the same tmux command: the pane stays after Claude Code exits, so a failed
  // start can be read.
  await tmux.tmux(
    'new-session', '-d', '-s', session, '-x', String(width), '-y', String(height), '-c', workDir, command,
    ';', 'set-option', '-w', '-t', `=${session}:`, 'remain-on-exit', 'on',
  );

  const pane = paneScreen(tmux, session, 'Claude Code');

  let stopped = false;
  const cc: ClaudeCodeSession = {
    tmux,
    session,
    home,
    workDir,
    width,
    height,
    capture: pane.capture,
    waitForScreen: pane.waitForScreen,
    waitForPrompt: (timeoutMs = 20_000) => pane.waitForScreen(idlePrompt, 'the idle prompt ("? for shortcuts")', timeoutMs),
    keys: pane.keys,
    type: pane.type,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Claude Code writes to its HOME while it exits: wait for it before removing the folder.
      await pane.kill();
      if (ownTmux) await tmux.kill();
      homeDir.cleanup();
      ownWork?.cleanup();
    },
  };

  if ((opts.waitFor ?? 'prompt') === 'prompt') {
    try {
      if (opts.trusted === false) await pane.waitForScreen((s) => /trust this folder/iu.test(s), 'the folder-trust dialog', READY_TIMEOUT_MS);
      else await pane.waitForScreen(idlePrompt, 'the first screen ("? for shortcuts")', READY_TIMEOUT_MS);
    } catch (err) {
      await cc.stop();
      throw new Error(`Claude Code ${version} (${binary}) did not start: ${(err as Error).message}`);
    }
  }
  return cc;
}

/** Runs `claude ARGS` (not in tmux) with the same private HOME and environment, e.g. `mcp list`. */
export async function runClaude(
  args: string[],
  opts: { home: string; cwd: string; modelUrl: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const r = await execa(claudeBinary(), args, {
    cwd: opts.cwd,
    env: claudeEnv(opts.modelUrl, opts.home, opts.env),
    extendEnv: false,
    reject: false,
    timeout: opts.timeoutMs ?? 60_000,
    stdin: 'ignore',
  });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
