/**
 * Start the real Gemini CLI (the pinned version from scripts/ensure-gemini.mjs) in a private tmux
 * server, offline: a private HOME whose settings turn off updates, telemetry and folder trust and
 * choose API-key auth, and `--fake-responses FILE`, Gemini's own replay of model answers (one JSON
 * line per model call, in order; test/fixtures/fake-gemini.ts writes them).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error -- a plain .mjs script without type declarations
import { GEMINI_VERSION, geminiBinary } from '../../scripts/ensure-gemini.mjs';
import { startTui, type TuiSession } from './tui-program.js';
import type { TmuxTestServer } from './tmux.js';

export { GEMINI_VERSION };

/** Idle: Gemini's input box with its placeholder, no spinner. */
export const geminiIdle = (screen: string): boolean => /Type your message or @path\/to\/file/u.test(screen) && !/esc to cancel/u.test(screen);

export function geminiPath(): string {
  const binary = geminiBinary() as string;
  if (!existsSync(binary)) throw new Error(`Gemini CLI ${GEMINI_VERSION as string} is not installed at ${binary}. Run "node scripts/ensure-gemini.mjs" (npm test does it).`);
  return binary;
}

export function writeGeminiSettings(home: string): void {
  mkdirSync(join(home, '.gemini'), { recursive: true });
  const settings = {
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    security: { folderTrust: { enabled: false }, auth: { selectedType: 'gemini-api-key' } },
  };
  writeFileSync(join(home, '.gemini', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

export interface GeminiOptions {
  /** The --fake-responses file (JSONL). */
  responsesFile: string;
  width?: number;
  height?: number;
  tmux?: TmuxTestServer;
  session?: string;
  args?: string[];
  /** What the pane shows once the program exits (see startTui). */
  afterExit?: 'dead' | 'shell';
  /** Run after the settings are written (e.g. agent-boss setup writing into them). */
  setup?: (home: string, workDir: string) => void;
  /** More environment for the program. */
  env?: Record<string, string>;
}

export async function startGemini(opts: GeminiOptions): Promise<TuiSession> {
  const binary = geminiPath();
  return startTui({
    label: 'gemini',
    argv: [binary, '--fake-responses', opts.responsesFile, ...(opts.args ?? [])],
    prepare: (home, workDir) => {
      writeGeminiSettings(home);
      opts.setup?.(home, workDir);
    },
    env: (home) => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      LANG: 'C.UTF-8',
      GEMINI_API_KEY: 'fake-gemini-key',
      GEMINI_CLI_NO_RELAUNCH: 'true',
      COLORTERM: 'truecolor',
      ...opts.env,
    }),
    ready: geminiIdle,
    ...(opts.width !== undefined && { width: opts.width }),
    ...(opts.height !== undefined && { height: opts.height }),
    ...(opts.tmux !== undefined && { tmux: opts.tmux }),
    ...(opts.session !== undefined && { session: opts.session }),
    ...(opts.afterExit !== undefined && { afterExit: opts.afterExit }),
  });
}
