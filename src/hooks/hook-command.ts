/**
 * `agent-boss hook`: the command an agent program runs for each hook event (installed by
 * `agent-boss setup hooks`; `--kind` names the program, default the default kind). Reads one JSON
 * event from stdin and records it, read in that program's hook dialect, straight into the
 * database (`--data-dir` / `BOSS_DATA_DIR`) or through a hub (`--url` / `BOSS_URL`, `--token` /
 * `BOSS_TOKEN`).
 *
 * Contract with the program: it always exits 0, within HOOK_DEADLINE_MS, whatever happens
 * (malformed, oversized or unknown input, no database, no hub, a locked database): a failing hook
 * must never disturb the agent. stdout stays empty unless the event asks for permission and an
 * approval rule answers it; then it carries the program's decision JSON. Problems go to stderr.
 *
 * Start-up is kept cheap: only node built-ins, better-sqlite3 and the small zod-free core modules
 * are loaded, each only on the path that needs it (bench/hook.ts measures it).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AgentHooksCatalog } from '../core/hook-state.js';
import type { HookIdentity, HookOutcome } from '../core/hooks.js';
import { DEFAULT_SPACE } from '../core/identity.js';

/**
 * The program waits for the hook: the most its work may take once Node has started it (Node's own
 * start-up, ~40-100 ms, comes before). Counted from entry rather than from the process start, so a
 * loaded machine that starts Node slowly does not make the hook drop the event.
 */
export const HOOK_DEADLINE_MS = 250;
/** Bounds of --timeout-ms / BOSS_HOOK_TIMEOUT_MS (the programs kill the hook after 5 s or more). */
const MIN_DEADLINE_MS = 50;
const MAX_DEADLINE_MS = 4_000;
/** SQLite busy timeout of the hook: a database locked longer than this is given up on. */
const BUSY_TIMEOUT_MS = 60;
/** Bytes of stdin read at most; a larger event is recorded from its start only (see parseHookEvent). */
export const MAX_INPUT_BYTES = 1024 * 1024;
const TMUX_TIMEOUT_MS = 100;

export interface HookIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
  /** Time origin for the deadline (default: now). */
  startedAt?: number;
  /** The terminal session this process runs in (the CLI passes the tmux lookup); none: never found. */
  sessionOf?: (env: NodeJS.ProcessEnv, timeoutMs: number) => Promise<string | undefined>;
  /** The hook dialects of the agent programs (the CLI passes src/agents/hooks.ts) and the kind used without --kind. */
  programs: AgentHooksCatalog;
  defaultKind: string;
}

export const HOOK_USAGE = `Usage: agent-boss hook [--kind KIND] [--data-dir DIR | --url URL [--token TOKEN]] [--agent NAME]
                       [--space NAME] [--timeout-ms MS] [EVENT-JSON]

Run by an agent program for each hook event (install with "agent-boss setup hooks --kind KIND");
reads the event as JSON on stdin, or from its last argument (Codex's notify program). --kind names the program whose event it is (claude-code, codex,
gemini; default claude-code). Always exits 0. It gives up after --timeout-ms (default
${HOOK_DEADLINE_MS}, at most ${MAX_DEADLINE_MS}): the program waits for it, and an answer by approval
rule that comes too late leaves the permission prompt to the user. Environment: BOSS_DATA_DIR,
BOSS_URL, BOSS_TOKEN, BOSS_AGENT, BOSS_SPACE, BOSS_HOOK_TIMEOUT_MS.
`;

type HookArgs = Record<string, string | boolean | undefined> & { event?: string };

export async function runHookCommand(argv: readonly string[], io: HookIo): Promise<number> {
  const started = io.startedAt ?? performance.now();
  const warn = (msg: string) => io.stderr.write(`agent-boss hook: ${msg}\n`);
  try {
    const values = parseHookArgs(argv, warn);
    if (values === undefined) return 0;
    const deadline = deadlineOf(values, io.env, warn);
    const left = () => deadline - (performance.now() - started);
    const outcome = await withDeadline(handle(values, io, warn, left), left(), () => `gave up: the time limit for a hook (${deadline} ms) ran out`);
    if (typeof outcome === 'string') warn(outcome);
    else if (outcome) {
      if (outcome.problem) warn(outcome.problem);
      if (outcome.output) io.stdout.write(`${outcome.output}\n`);
    }
  } catch (err) {
    warn(`failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return 0;
}

function parseHookArgs(argv: readonly string[], warn: (m: string) => void): HookArgs | undefined {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        kind: { type: 'string' },
        'data-dir': { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        agent: { type: 'string' },
        space: { type: 'string' },
        'timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      // A program that passes the event as an argument (Codex's notify) gives it last.
      allowPositionals: true,
    });
    if (positionals.length > 1) throw new Error(`one event argument at most, got ${positionals.length}`);
    return { ...values, ...(positionals[0] !== undefined && { event: positionals[0] }) };
  } catch (err) {
    warn(`${(err as Error).message.replace(/\. To specify.*$/s, '')} (see agent-boss hook --help)`);
    return undefined;
  }
}

/** The time limit from --timeout-ms or BOSS_HOOK_TIMEOUT_MS; a bad value is named and the default used. */
function deadlineOf(values: HookArgs, env: NodeJS.ProcessEnv, warn: (m: string) => void): number {
  const flag = values['timeout-ms'];
  const [from, raw] = typeof flag === 'string' ? ['--timeout-ms', flag] : ['BOSS_HOOK_TIMEOUT_MS', env.BOSS_HOOK_TIMEOUT_MS];
  if (raw === undefined || raw === '') return HOOK_DEADLINE_MS;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (ms >= MIN_DEADLINE_MS && ms <= MAX_DEADLINE_MS) return ms;
  warn(`${from} "${raw}" is not a whole number of milliseconds from ${MIN_DEADLINE_MS} to ${MAX_DEADLINE_MS}; using ${HOOK_DEADLINE_MS}`);
  return HOOK_DEADLINE_MS;
}

async function handle(values: HookArgs, io: HookIo, warn: (m: string) => void, left: () => number): Promise<HookOutcome | undefined> {
  // Asked for, the help goes to stdout like every command's; run by hand without input, to stderr.
  if (values.help || (io.stdin.isTTY && values.event === undefined)) {
    (values.help ? io.stdout : io.stderr).write(HOOK_USAGE);
    return undefined;
  }
  const opt = (flag: string, env: string): string | undefined => {
    const v = values[flag];
    if (typeof v === 'string' && v !== '') return v;
    const e = io.env[env];
    return e !== undefined && e !== '' ? e : undefined;
  };

  const kind = typeof values.kind === 'string' && values.kind !== '' ? values.kind : io.defaultKind;
  const program = io.programs.hooks(kind);
  if (!program) return { recorded: false, problem: `--kind "${kind}": agent-boss reads no hooks of that program; kinds with hooks: ${io.programs.kinds().join(', ')}` };
  const input =
    values.event !== undefined
      ? { text: values.event.slice(0, MAX_INPUT_BYTES), truncated: values.event.length > MAX_INPUT_BYTES }
      : await readInput(io.stdin, MAX_INPUT_BYTES, Math.max(10, left() - 40));
  if (input === undefined) return { recorded: false, problem: 'no input arrived on stdin in time' };
  const { parseHookEvent } = await import('../core/hook-state.js');
  const parsed = parseHookEvent(program, input.text, input.truncated);
  if ('problem' in parsed) return { recorded: false, problem: `ignored: ${parsed.problem}` };
  if (input.truncated) warn(`input is over ${MAX_INPUT_BYTES} bytes: recorded ${parsed.event.event} from its start only`);

  const { nameProblem } = await import('../core/names.js');
  const agent = opt('agent', 'BOSS_AGENT');
  const space = opt('space', 'BOSS_SPACE');
  for (const [what, v] of [['agent name', agent], ['space name', space]] as const) {
    const p = v === undefined ? undefined : nameProblem(what, v);
    if (p) return { recorded: false, problem: `${what} "${v}": ${p}` };
  }
  // The session is needed to find the agent without BOSS_AGENT, and to register it when its program starts.
  const tmuxSession = agent === undefined || program.registers(parsed.event) ? await io.sessionOf?.(io.env, Math.min(TMUX_TIMEOUT_MS, left())) : undefined;
  const who = {
    ...(agent !== undefined && { agent }),
    ...(space !== undefined && { space }),
    ...(tmuxSession !== undefined && { tmuxSession }),
  };

  const { defaultDataDir, readOperatorKey } = await import('../core/operator-key.js');
  const dataDir = resolve(opt('data-dir', 'BOSS_DATA_DIR') ?? defaultDataDir(io.env));
  const url = opt('url', 'BOSS_URL');
  if (url !== undefined) {
    // Named, the hook speaks for its agent; unnamed (found by its tmux session), it needs the operator's key.
    let token = opt('token', 'BOSS_TOKEN');
    if (agent === undefined) {
      try {
        token = readOperatorKey(dataDir) ?? token;
      } catch (err) {
        warn((err as Error).message);
      }
    }
    return postToHub(url, token, kind, parsed.raw, who, left());
  }

  const { recordInDatabase } = await import('../core/hooks.js');
  const dbPath = join(dataDir, 'boss.db');
  // Never create a database: a hook in a project without agent-boss must leave no files behind.
  if (!existsSync(dbPath)) return { recorded: false, problem: `no agent-boss database at ${dbPath}: start agent-boss with that --data-dir, or pass --data-dir / --url` };
  return recordInDatabase(dbPath, program, parsed.event, parsed.raw, { ...who, defaultSpace: DEFAULT_SPACE }, BUSY_TIMEOUT_MS);
}

/** Reads stdin up to `max` bytes (then stops: the event is oversized) or until it ends or the time runs out. */
function readInput(stdin: NodeJS.ReadableStream, max: number, timeoutMs: number): Promise<{ text: string; truncated: boolean } | undefined> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (result: { text: string; truncated: boolean } | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', onEnd);
      if (result?.truncated || result === undefined) (stdin as { destroy?: () => void }).destroy?.();
      done(result);
    };
    const text = () => Buffer.concat(chunks).toString('utf8');
    const onData = (c: Buffer | string) => {
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      chunks.push(b);
      size += b.length;
      if (size > max) finish({ text: text().slice(0, max), truncated: true });
    };
    const onEnd = () => finish({ text: text(), truncated: false });
    const timer = setTimeout(() => finish(size > 0 ? { text: text(), truncated: false } : undefined), timeoutMs);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onEnd);
  });
}

async function postToHub(url: string, token: string | undefined, kind: string, raw: Record<string, unknown>, who: Partial<HookIdentity>, timeoutMs: number): Promise<HookOutcome> {
  // The hub decides rules on the full tool input, so only the bulky tool_response is left out.
  const { tool_response: _r, ...payload } = raw;
  const body = JSON.stringify({
    payload,
    kind,
    ...(who.agent !== undefined && { agent: who.agent }),
    ...(who.space !== undefined && { space: who.space }),
    ...(who.tmuxSession !== undefined && { tmux_session: who.tmuxSession }),
  });
  let res: Response;
  // Header values are sent as UTF-8 bytes, which the hub decodes (src/http/caller.ts).
  const named = {
    ...(who.agent !== undefined && { 'x-agent-name': Buffer.from(who.agent, 'utf8').toString('latin1') }),
    ...(who.agent !== undefined && who.space !== undefined && { 'x-agent-space': Buffer.from(who.space, 'utf8').toString('latin1') }),
  };
  try {
    res = await fetch(new URL('/hooks/event', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...named, ...(token !== undefined && { authorization: `Bearer ${token}` }) },
      body,
      signal: AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs - 5))),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { recorded: false, problem: `cannot reach the hub at ${url}: ${e.cause?.code ?? (e.name === 'TimeoutError' ? 'no answer in time' : e.message)}` };
  }
  const text = await res.text();
  let answer: HookOutcome & { error?: string };
  try {
    answer = JSON.parse(text) as HookOutcome & { error?: string };
  } catch {
    return { recorded: false, problem: `the hub at ${url} answered ${res.status} without JSON` };
  }
  if (!res.ok) return { recorded: false, problem: `the hub at ${url} answered ${res.status}: ${answer.error ?? text.slice(0, 200)}` };
  return answer;
}

function withDeadline<T, U>(p: Promise<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<U>((done) => {
    timer = setTimeout(() => done(onTimeout()), Math.max(1, ms));
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
