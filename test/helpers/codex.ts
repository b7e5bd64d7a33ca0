/**
 * Start the real Codex CLI (the pinned version from scripts/ensure-codex.mjs) in a private tmux
 * server, offline: a private CODEX_HOME whose config.toml points at the fake Responses API
 * (test/fixtures/fake-responses.ts), approval policy on-request with the workspace-write sandbox (a
 * command asking for escalation shows the approval prompt), the work dir trusted, updates,
 * analytics and feedback off. Always `--no-daemon`: by default the TUI starts a background
 * app-server that outlives it and its tmux server.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error -- a plain .mjs script without type declarations
import { CODEX_VERSION, codexBinary } from '../../scripts/ensure-codex.mjs';
import { startTui, type TuiSession } from './tui-program.js';
import type { TmuxTestServer } from './tmux.js';

export { CODEX_VERSION };
export const CODEX_MODEL = 'fake-codex-model';

/** Idle: Codex's input box with its placeholder or typed text, and no working line. */
export const codexIdle = (screen: string): boolean => /^› /mu.test(screen) && /\? for shortcuts/u.test(screen) && !/esc to interrupt/u.test(screen);

export function codexPath(): string {
  const binary = codexBinary() as string;
  if (!existsSync(binary)) throw new Error(`Codex CLI ${CODEX_VERSION as string} is not installed at ${binary}. Run "node scripts/ensure-codex.mjs" (npm test does it).`);
  return binary;
}

export function writeCodexConfig(codexHome: string, workDir: string, modelUrl: string, extra = ''): void {
  mkdirSync(codexHome, { recursive: true });
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      `model = "${CODEX_MODEL}"`,
      'model_provider = "fake"',
      'approval_policy = "on-request"',
      'sandbox_mode = "workspace-write"',
      'check_for_update_on_startup = false',
      '',
      '[analytics]',
      'enabled = false',
      '',
      '[feedback]',
      'enabled = false',
      '',
      '[model_providers.fake]',
      'name = "fake"',
      `base_url = "${modelUrl}"`,
      'wire_api = "responses"',
      'env_key = "FAKE_OPENAI_KEY"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
      `[projects.${JSON.stringify(workDir)}]`,
      'trust_level = "trusted"',
      '',
      extra,
    ].join('\n'),
  );
}

export interface CodexOptions {
  modelUrl: string;
  width?: number;
  height?: number;
  tmux?: TmuxTestServer;
  session?: string;
  args?: string[];
  /** What the pane shows once the program exits (see startTui). */
  afterExit?: 'dead' | 'shell';
  /** Extra config.toml text. */
  config?: string;
  /** Run after the config is written (e.g. agent-boss setup writing into CODEX_HOME). */
  setup?: (home: string, workDir: string) => void;
  /** More environment for the program. */
  env?: Record<string, string>;
}

export async function startCodex(opts: CodexOptions): Promise<TuiSession> {
  const binary = codexPath();
  return startTui({
    label: 'codex',
    argv: [binary, '--no-daemon', ...(opts.args ?? [])],
    prepare: (home, workDir) => {
      writeCodexConfig(join(home, '.codex'), workDir, opts.modelUrl, opts.config);
      opts.setup?.(home, workDir);
    },
    env: (home) => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      CODEX_HOME: join(home, '.codex'),
      LANG: 'C.UTF-8',
      FAKE_OPENAI_KEY: 'sk-fake-offline',
      ...opts.env,
    }),
    ready: codexIdle,
    ...(opts.width !== undefined && { width: opts.width }),
    ...(opts.height !== undefined && { height: opts.height }),
    ...(opts.tmux !== undefined && { tmux: opts.tmux }),
    ...(opts.session !== undefined && { session: opts.session }),
    ...(opts.afterExit !== undefined && { afterExit: opts.afterExit }),
  });
}
