/**
 * `agent-boss doctor`: which Claude Code this machine and each agent run, against the versions the
 * screen parser is tested with (src/agents/claude-code/versions.ts). An agent's version comes from
 * its hooks: the latest stored event names its transcript, whose entries carry the Claude Code
 * version that wrote them. Read-only: it opens the database without changing it.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TESTED_CLAUDE_CODE_VERSIONS, versionWarning } from './agents/claude-code/versions.js';
import { argErrorMessage } from './cli-suggest.js';
import { ConfigError, resolveConfig } from './config.js';
import BetterSqlite3 from 'better-sqlite3';

export const DOCTOR_HELP = `Usage: agent-boss doctor [--data-dir DIR] [--claude PATH]

Shows the Claude Code version of this machine (\`claude --version\`, or PATH) and of every agent
whose hooks reported (from its transcript), and warns about a version outside the tested range
${TESTED_CLAUDE_CODE_VERSIONS[0]} – ${TESTED_CLAUDE_CODE_VERSIONS.at(-1)}, whose screens may be read wrong.
Exit code 1 when there is a warning.

Options: --data-dir DIR [BOSS_DATA_DIR] the server's; --claude PATH the program to ask (default: claude).
`;

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const OPTIONS = {
  'data-dir': { type: 'string' },
  claude: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** "2.1.332 (Claude Code)" → "2.1.332". */
export function versionOfOutput(text: string): string | undefined {
  return /\b(\d+\.\d+\.\d+)\b/u.exec(text)?.[1];
}

/** The last `"version":"x.y.z"` in the tail of a Claude Code transcript (JSON lines), if readable. */
export function transcriptVersion(path: string, tailBytes = 256 * 1024): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, tailBytes);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const all = [...buf.toString('utf8').matchAll(/"version"\s*:\s*"(\d+\.\d+\.\d+)"/gu)];
    return all.at(-1)?.[1];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function claudeVersion(program: string): Promise<{ version?: string; problem?: string }> {
  return new Promise((resolve) => {
    execFile(program, ['--version'], { timeout: 30_000, env: { ...process.env, DISABLE_AUTOUPDATER: '1' } }, (err, stdout, stderr) => {
      if (err) resolve({ problem: `could not run "${program} --version": ${(stderr || err.message).trim().split('\n')[0]}` });
      else {
        const version = versionOfOutput(stdout);
        resolve(version ? { version } : { problem: `"${program} --version" printed no version: ${stdout.trim().slice(0, 200)}` });
      }
    });
  });
}

interface AgentVersion {
  space: string;
  agent: string;
  version?: string;
  transcript?: string;
}

/** Per agent with stored hook events: the transcript of its latest event, and its version. */
function agentVersions(dbPath: string): AgentVersion[] {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const hasEvents = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hook_events'`).get() !== undefined;
    if (!hasEvents) return [];
    const rows = db
      .prepare(
        `SELECT space, agent, payload FROM hook_events WHERE id IN (
           SELECT MAX(id) FROM hook_events WHERE payload LIKE '%transcript_path%' GROUP BY space_key, agent_key)
         ORDER BY space, agent`,
      )
      .all() as { space: string; agent: string; payload: string }[];
    return rows.map((r) => {
      let transcript: string | undefined;
      try {
        const p = (JSON.parse(r.payload) as { transcript_path?: unknown }).transcript_path;
        if (typeof p === 'string') transcript = p;
      } catch {
        // a payload that is not JSON names no transcript
      }
      const version = transcript === undefined ? undefined : transcriptVersion(transcript);
      return { space: r.space, agent: r.agent, ...(transcript !== undefined && { transcript }), ...(version !== undefined && { version }) };
    });
  } finally {
    db.close();
  }
}

export async function runDoctor(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
  } catch (err) {
    io.err(`agent-boss: doctor: ${argErrorMessage(err, Object.keys(OPTIONS), 'agent-boss doctor --help')}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(DOCTOR_HELP);
    return 0;
  }
  let dbPath: string;
  try {
    const dataDir = parsed.values['data-dir'];
    dbPath = resolveConfig(['stdio', ...(dataDir !== undefined ? ['--data-dir', dataDir] : [])], env).dbPath;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`agent-boss: doctor: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let warnings = 0;
  const tested = `tested: ${TESTED_CLAUDE_CODE_VERSIONS.join(', ')}`;
  const program = parsed.values.claude ?? 'claude';
  const local = await claudeVersion(program);
  if (local.version !== undefined) {
    const warning = versionWarning(local.version);
    io.out(`claude (${program}): ${local.version} (${tested})${warning ? `\n  warning: ${warning}` : ''}\n`);
    if (warning) warnings++;
  } else {
    io.out(`claude (${program}): not found (${local.problem})\n`);
  }
  if (!existsSync(dbPath)) {
    io.out(`agents: no database at ${dbPath} (pass the server's --data-dir)\n`);
    return warnings > 0 ? 1 : 0;
  }
  const agents = agentVersions(dbPath);
  if (agents.length === 0) io.out('agents: none has reported through the Claude Code hooks yet (agent-boss setup hooks)\n');
  for (const a of agents) {
    const who = `${a.space}/${a.agent}`;
    if (a.version === undefined) {
      io.out(`${who}: Claude Code version unknown (its transcript ${a.transcript ?? '(none named)'} is not readable here)\n`);
      continue;
    }
    const warning = versionWarning(a.version);
    io.out(`${who}: Claude Code ${a.version}${warning ? `\n  warning: ${warning}` : ''}\n`);
    if (warning) warnings++;
  }
  return warnings > 0 ? 1 : 0;
}
