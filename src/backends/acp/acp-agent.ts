/**
 * One agent program spoken to over the Agent Client Protocol: the child process, its session, the
 * prompts sent to it (one turn at a time, the others queued in order and each sent exactly once),
 * the permission requests it is waiting on, and its transcript. Its state is exact: a prompt in
 * flight is `working`, an unanswered `session/request_permission` is `waiting_approval`, otherwise
 * `idle`. Owned by the runner (runner.ts), which serves it to every agent-boss process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promptIdFor } from '../prompt-id.js';
import type { ApprovalDecision, ApprovalInfo, ApproveOptions, ApproveResult, InterruptResult, ScreenStateName } from '../session-backend.js';
import { DEFERRED, RpcError, RpcPeer } from './json-rpc.js';
import { Transcript } from './transcript.js';

/** An MCP server handed to the agent in `session/new` (the ACP stdio form). */
export interface AcpMcpServer {
  name: string;
  command: string;
  args: string[];
  env: { name: string; value: string }[];
}

/** What the runner starts: written by the backend, read by the runner. */
export interface AcpAgentSpec {
  /** The agent-boss session id. */
  sessionId: string;
  agent?: string;
  /** Shell command line of the agent program (run with `sh -c`). */
  command: string;
  cwd: string;
  mcpServers: AcpMcpServer[];
  /** The session mode set after `session/new` when the agent offers it (default "default": ask before acting). */
  mode?: string;
  /** Resume this ACP session with `session/load` instead of starting a new one (when the agent can). */
  load?: string;
}

/** The operator's standing answer to a permission request (the approval rules), if any. */
export type RuleDecider = (ask: { toolName: string; toolInput: unknown; promptId?: string }) => Promise<{ decision: 'allow' | 'deny'; why: string } | undefined>;

export type AcpPhase = 'starting' | 'ready' | 'dead';

export interface PendingApproval extends ApprovalInfo {
  toolInput?: unknown;
}

/** What a probe needs, in one answer. */
export interface AcpSnapshot {
  phase: AcpPhase;
  state: ScreenStateName;
  inputReady: boolean;
  approval: PendingApproval;
  lastLine?: string;
  /** dead: why (exit code or signal, the last lines of its stderr). */
  reason?: string;
  acpSessionId?: string;
  /** The agent can resume a session (`loadSession`). */
  loadSession?: boolean;
  queued: number;
  pid?: number;
}

/** A failure the caller can act on; `code` is a BackendError code. */
export class AcpActionError extends RpcError {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message, -32001, { code: reason });
  }
}

interface PermissionOption {
  optionId: string;
  name: string;
  kind: string;
}

interface Pending {
  rpcId: number | string;
  info: PendingApproval;
  options: PermissionOption[];
  title: string;
}

const INIT_TIMEOUT_MS = 90_000;
const CANCEL_WAIT_MS = 5_000;
const STDERR_LINES = 20;

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });

/**
 * Which option each decision takes, by ACP option kind, in order of preference. "yes" is an allow
 * once only: a request offering no such option is not answered "always" in its place (that would
 * grant the tool for the rest of the session, to a person's yes or an approval rule's allow).
 */
const KINDS: Record<ApprovalDecision, string[]> = {
  yes: ['allow_once'],
  always: ['allow_always'],
  no: ['reject_once', 'reject_always'],
};
const WANTED: Record<ApprovalDecision, string> = { yes: 'allow once', always: 'allow always', no: 'reject' };

export class AcpAgent {
  readonly transcript = new Transcript();
  private phase: AcpPhase = 'starting';
  private reason?: string;
  private child?: ChildProcess;
  private peer?: RpcPeer;
  private acpSessionId?: string;
  private loadSession = false;
  private inFlight?: Promise<void>;
  private readonly queue: { text: string; key?: string }[] = [];
  private readonly seenKeys = new Set<string>();
  private readonly pending: Pending[] = [];
  private readonly stderr: string[] = [];
  private exited?: Promise<void>;

  constructor(
    private readonly spec: AcpAgentSpec,
    private readonly log: (line: string) => void = () => undefined,
    /** Called once the session exists (the runner records its id for a later session/load). */
    private readonly onReady: (snapshot: AcpSnapshot) => void = () => undefined,
    /** Asked first about every permission request; undecided ones wait for approve. */
    private readonly decide?: RuleDecider,
  ) {}

  /** Starts the program and its session; never throws (a failure makes the agent dead with the reason). */
  async start(): Promise<void> {
    const child = spawn('/bin/sh', ['-c', `exec ${this.spec.command}`], { cwd: this.spec.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        const tail = this.stderr.slice(-3).join(' | ');
        this.die(`the agent program exited (${signal ? `signal ${signal}` : `code ${code}`})${tail ? `: ${tail}` : ''}`);
        resolve();
      });
      child.on('error', (err) => {
        this.die(`the agent program could not be started: ${err.message}`);
        resolve();
      });
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      for (const line of d.split(/\r?\n/u)) {
        if (line.trim() === '') continue;
        this.stderr.push(line.slice(0, 500));
        if (this.stderr.length > STDERR_LINES) this.stderr.shift();
        this.log(`agent stderr: ${line}`);
      }
    });
    this.peer = new RpcPeer(child.stdout!, child.stdin!, {
      onRequest: (method, params, id) => this.onRequest(method, params, id),
      onNotification: (method, params) => this.onNotification(method, params),
    });
    try {
      const init = await withTimeout(
        this.peer.call<{ agentCapabilities?: { loadSession?: boolean } }>('initialize', {
          protocolVersion: 1,
          clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
          clientInfo: { name: 'agent-boss', version: '1' },
        }),
        INIT_TIMEOUT_MS,
        'initialize',
      );
      this.loadSession = init?.agentCapabilities?.loadSession === true;
      const base = { cwd: this.spec.cwd, mcpServers: this.spec.mcpServers };
      let modes: { currentModeId?: string; availableModes?: { id: string }[] } | undefined;
      if (this.spec.load !== undefined && this.loadSession) {
        this.transcript.note(`resuming session ${this.spec.load}`);
        const res = await withTimeout(this.peer.call<{ modes?: typeof modes }>('session/load', { ...base, sessionId: this.spec.load }), INIT_TIMEOUT_MS, 'session/load');
        this.acpSessionId = this.spec.load;
        modes = res?.modes;
      } else {
        const res = await withTimeout(this.peer.call<{ sessionId: string; modes?: typeof modes }>('session/new', base), INIT_TIMEOUT_MS, 'session/new');
        this.acpSessionId = res.sessionId;
        modes = res.modes;
      }
      const mode = this.spec.mode ?? 'default';
      if (modes?.availableModes?.some((m) => m.id === mode) && modes.currentModeId !== mode) {
        await withTimeout(this.peer.call('session/set_mode', { sessionId: this.acpSessionId, modeId: mode }), INIT_TIMEOUT_MS, 'session/set_mode');
      }
      if (this.phase === 'dead') return;
      this.phase = 'ready';
      this.onReady(this.snapshot());
      this.pump();
    } catch (err) {
      this.die(`starting the ACP session failed: ${(err as Error).message}${this.stderr.length ? ` (stderr: ${this.stderr.slice(-3).join(' | ')})` : ''}`);
      this.kill();
    }
  }

  snapshot(): AcpSnapshot {
    const first = this.pending[0];
    const state: ScreenStateName =
      this.phase === 'dead' ? 'dead' : this.phase === 'starting' ? 'unknown' : first ? 'waiting_approval' : this.inFlight || this.queue.length ? 'working' : 'idle';
    const last = this.transcript.tail(1)[0];
    return {
      phase: this.phase,
      state,
      inputReady: state === 'idle',
      approval: first ? first.info : { needsApproval: false },
      ...(last !== undefined && { lastLine: last }),
      ...(this.reason !== undefined && { reason: this.reason }),
      ...(this.acpSessionId !== undefined && { acpSessionId: this.acpSessionId }),
      loadSession: this.loadSession,
      queued: this.queue.length,
      ...(this.child?.pid !== undefined && { pid: this.child.pid }),
    };
  }

  /** The last `n` transcript lines; a dead agent's last stderr lines follow. */
  capture(n: number): string[] {
    const lines = this.transcript.lines();
    if (this.phase === 'dead') lines.push(...this.stderr.map((l) => `stderr: ${l}`), `· ${this.reason ?? 'the agent program ended'}`);
    return n <= 0 ? [] : lines.slice(-n);
  }

  /** Queues a prompt (sent once the running turn ends); a repeated `key` is not queued again. */
  prompt(text: string, key?: string): { queued: number } {
    this.checkAlive();
    if (key !== undefined) {
      if (this.seenKeys.has(key)) return { queued: this.queue.length };
      this.seenKeys.add(key);
    }
    this.queue.push({ text, ...(key !== undefined && { key }) });
    this.pump();
    return { queued: this.queue.length };
  }

  approve(decision: ApprovalDecision, opts: ApproveOptions = {}): ApproveResult {
    this.checkAlive();
    const p = this.pending[0];
    if (!p) throw new AcpActionError('No permission request is pending.', 'no_pending_approval');
    if (opts.expectPromptId !== undefined && opts.expectPromptId !== p.info.promptId) {
      throw new AcpActionError(
        `The pending permission request is another one (prompt_id ${p.info.promptId}, not ${opts.expectPromptId}): nothing was answered. Check the request again.`,
        'prompt_mismatch',
      );
    }
    const listed = p.options.map((o, i) => `${i + 1}. ${o.name} (${o.kind})`).join(', ');
    let index: number;
    if (opts.option !== undefined) {
      index = opts.option - 1;
      if (!p.options[index]) throw new AcpActionError(`option ${opts.option}: the request offers ${listed}; nothing was answered.`, 'option_unavailable');
    } else {
      index = -1;
      for (const kind of KINDS[decision]) {
        index = p.options.findIndex((o) => o.kind === kind);
        if (index >= 0) break;
      }
      if (index < 0) throw new AcpActionError(`decision "${decision}" (${WANTED[decision]}): the request offers no such option (${listed}); nothing was answered. Pass option with its number, or another decision.`, 'option_unavailable');
    }
    const chosen = p.options[index]!;
    this.pending.shift();
    this.peer!.respond(p.rpcId, { outcome: { outcome: 'selected', optionId: chosen.optionId } });
    this.transcript.note(`${p.title}: ${chosen.name}`);
    return {
      decision,
      ...(p.info.toolName !== undefined && { toolName: p.info.toolName }),
      ...(p.info.promptId !== undefined && { promptId: p.info.promptId }),
      keySent: chosen.optionId,
      chosen: { number: index + 1, label: chosen.name },
      cleared: true,
    };
  }

  /** session/cancel: queued prompts are dropped, every pending request answered cancelled, the turn awaited (bounded). */
  async interrupt(): Promise<InterruptResult> {
    this.checkAlive();
    if (!this.inFlight && this.pending.length === 0 && this.queue.length === 0) return { stopped: true, escapes: 0, nothingToInterrupt: true };
    const dropped = this.queue.splice(0);
    if (dropped.length) this.transcript.note(`interrupted: ${dropped.length} queued prompt(s) dropped`);
    for (const p of this.pending.splice(0)) {
      this.peer!.respond(p.rpcId, { outcome: { outcome: 'cancelled' } });
      this.transcript.note(`${p.title}: cancelled`);
    }
    if (this.acpSessionId !== undefined) this.peer!.notify('session/cancel', { sessionId: this.acpSessionId });
    const turn = this.inFlight;
    if (turn) await Promise.race([turn, new Promise((r) => setTimeout(r, CANCEL_WAIT_MS).unref())]);
    return { stopped: this.inFlight === undefined, escapes: 0 };
  }

  /** Ends the program (its process group), SIGKILL after 3 s; resolves once it has exited. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, s);
      } catch {
        child.kill(s);
      }
    };
    signal('SIGTERM');
    const hard = setTimeout(() => signal('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(hard);
  }

  private checkAlive(): void {
    if (this.phase === 'dead') throw new AcpActionError(`The agent program has ended (${this.reason ?? 'no reason known'}); nothing was sent.`, 'dead');
    if (this.phase === 'starting') throw new AcpActionError('The agent is still starting its ACP session; nothing was sent. Try again in a moment.', 'starting');
  }

  private die(reason: string): void {
    if (this.phase === 'dead') return;
    this.phase = 'dead';
    this.reason = reason;
    this.queue.splice(0);
    this.pending.splice(0);
    this.peer?.close(reason);
    this.log(reason);
  }

  /** Sends the next queued prompt when no turn runs. */
  private pump(): void {
    if (this.phase !== 'ready' || this.inFlight || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    this.transcript.user(next.text);
    this.inFlight = this.peer!.call<{ stopReason?: string }>('session/prompt', { sessionId: this.acpSessionId, prompt: [{ type: 'text', text: next.text }] }).then(
      (res) => {
        if (res?.stopReason && res.stopReason !== 'end_turn') this.transcript.note(`turn ended: ${res.stopReason}`);
      },
      (err: Error) => {
        if (this.phase !== 'dead') this.transcript.note(`the prompt failed: ${err.message}`);
      },
    ).finally(() => {
      this.inFlight = undefined;
      this.pump();
    });
  }

  private onNotification(method: string, params: unknown): void {
    if (method !== 'session/update') return;
    const update = (params as { update?: Record<string, unknown> } | undefined)?.update;
    if (update && typeof update === 'object') this.transcript.update(update);
  }

  private async onRequest(method: string, params: unknown, id: number | string): Promise<unknown> {
    if (method !== 'session/request_permission') throw new RpcError(`method not found: ${method}`, -32601);
    this.log(`permission request: ${JSON.stringify(params).slice(0, 1000)}`);
    const p = params as { toolCall?: Record<string, unknown>; options?: PermissionOption[] };
    const call = p.toolCall ?? {};
    const meta = (call._meta as { claudeCode?: { toolName?: string } } | undefined)?.claudeCode;
    const input = call.rawInput as Record<string, unknown> | undefined;
    // Claude Code names the tool (name, _meta); Gemini only in its tool call ids ("run_shell_command__…").
    const idName = /^([A-Za-z][\w-]*?)__/u.exec(String(call.toolCallId ?? ''))?.[1];
    const toolName = String(call.name ?? meta?.toolName ?? idName ?? call.kind ?? 'tool');
    const title = String(call.title ?? toolName);
    const subject = typeof input?.command === 'string' ? input.command : typeof input?.file_path === 'string' ? input.file_path : title;
    const options = Array.isArray(p.options) ? p.options : [];
    const promptId = promptIdFor(toolName, subject);
    const ruled = await this.decide?.({ toolName, toolInput: input ?? {}, promptId }).catch(() => undefined);
    const kinds = ruled ? KINDS[ruled.decision === 'allow' ? 'yes' : 'no'] : [];
    const option = kinds.map((k) => options.find((o) => o.kind === k)).find((o) => o !== undefined);
    if (ruled && option) {
      this.transcript.note(`${title}: ${option.name} (${ruled.decision === 'allow' ? 'allowed' : 'denied'} by ${ruled.why})`);
      return { outcome: { outcome: 'selected', optionId: option.optionId } };
    }
    this.pending.push({
      rpcId: id,
      title,
      options,
      info: {
        needsApproval: true,
        toolName,
        promptText: title,
        promptId,
        options: options.map((o, i) => ({ number: i + 1, label: o.name, selected: false, description: o.kind })),
        ...(input !== undefined && { toolInput: input }),
      },
    });
    this.transcript.note(`permission asked: ${title} (${options.map((o) => o.name).join(' / ')})`);
    return DEFERRED;
  }
}
