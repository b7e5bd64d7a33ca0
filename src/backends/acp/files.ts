/**
 * Where an ACP agent's runner keeps its files: `<data dir>/acp/` (0700), one set per session, named
 * by a hash of the session id (a Unix socket path must stay short): `<key>.json` the spec the runner
 * starts from, `<key>.sock` its socket (0600), `<key>.state.json` the ACP session id once made (to
 * resume it after the runner is gone), `<key>.log` the runner's and agent program's stderr.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AcpAgentSpec } from './acp-agent.js';

export interface RunnerFiles {
  spec: string;
  socket: string;
  state: string;
  log: string;
}

/** What the backend writes for the runner: the agent spec and the socket to serve it on. */
export interface RunnerSpec extends AcpAgentSpec {
  socket: string;
  /** The agent program's kind (claude-code, gemini). */
  kind: string;
  /** The agent's space (its approval rules are those of its space and agent). */
  space?: string;
  /** The data directory whose database holds the approval rules. */
  dataDir: string;
  createdAt: string;
}

/** What the runner records once the ACP session exists. */
export interface RunnerState {
  acpSessionId: string;
  loadSession: boolean;
  runnerPid: number;
}

export const acpDir = (dataDir: string): string => join(dataDir, 'acp');

export function ensureAcpDir(dataDir: string): string {
  const dir = acpDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export function runnerFiles(dataDir: string, sessionId: string): RunnerFiles {
  const key = createHash('sha256').update(sessionId).digest('hex').slice(0, 16);
  const base = join(acpDir(dataDir), key);
  return { spec: `${base}.json`, socket: `${base}.sock`, state: `${base}.state.json`, log: `${base}.log` };
}

const readJson = <T>(file: string): T | undefined => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
};

export const readSpec = (file: string): RunnerSpec | undefined => readJson<RunnerSpec>(file);
export const readState = (file: string): RunnerState | undefined => readJson<RunnerState>(file);

/** Every spec in the folder (one per session created and not killed). */
export function allSpecs(dataDir: string): RunnerSpec[] {
  let names: string[];
  try {
    names = readdirSync(acpDir(dataDir));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json') && !n.endsWith('.state.json'))
    .map((n) => readSpec(join(acpDir(dataDir), n)))
    .filter((s): s is RunnerSpec => s !== undefined && typeof s.sessionId === 'string');
}

/** Removes a session's files (the log too unless `keepLog`). */
export function removeRunnerFiles(files: RunnerFiles, keepLog = false): void {
  for (const f of [files.spec, files.socket, files.state, ...(keepLog ? [] : [files.log])]) rmSync(f, { force: true });
}
