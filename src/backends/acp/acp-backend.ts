/**
 * The `acp` session backend: headless agents spoken to over the Agent Client Protocol instead of a
 * terminal screen. Each agent runs under its own detached runner (`agent-boss acp-runner`, see
 * runner.ts) that owns the agent program; this backend starts runners and calls them over their
 * Unix sockets, so every agent-boss process (hub, stdio servers, a restarted hub) sees the same
 * agents. State, approvals and interrupts are exact: they come from the protocol, not a screen.
 *
 * One backend per agent kind (forAgentKind), all over the same data directory.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AgentLaunch } from '../agent-ui.js';
import { BackendError, UnknownAgentKindError } from '../errors.js';
import { checkSessionId } from '../session-ids.js';
import type {
  ApprovalDecision,
  ApprovalInfo,
  ApproveOptions,
  ApproveResult,
  CreateSessionOptions,
  InterruptResult,
  ProbeOptions,
  SendInputOptions,
  SessionBackend,
  SessionProbe,
  SessionStatus,
} from '../session-backend.js';
import type { AcpMcpServer, AcpSnapshot } from './acp-agent.js';
import { allSpecs, ensureAcpDir, readSpec, readState, removeRunnerFiles, runnerFiles, type RunnerSpec } from './files.js';
import { callRunner, RunnerGone } from './runner-client.js';

/** How each agent program is started in ACP mode, by kind. */
export const ACP_LAUNCHES: Readonly<Record<string, AgentLaunch>> = {
  'claude-code': { defaultCommand: 'claude-agent-acp', takesIgnition: true, skipPermissionWords: ['bypassPermissions', '--dangerously-skip-permissions'] },
  gemini: { defaultCommand: 'gemini --acp', takesIgnition: true, skipPermissionWords: ['yolo'] },
};

export interface AcpBackendOptions {
  /** The data directory: runners keep their sockets and files in `<dataDir>/acp/`. */
  dataDir: string;
  /** How to start `agent-boss` (the runner and the agent's MCP server): node and the CLI's path. */
  nodePath: string;
  cliPath: string;
  agentKind?: string;
  /** The session mode set after session/new (default "default": the agent asks before acting). */
  mode?: string;
  log?: (line: string) => void;
  /** How long a new runner may take to listen on its socket (default RUNNER_START_MS). */
  runnerStartMs?: number;
}

/** How long a new runner may take to listen on its socket. */
const RUNNER_START_MS = 15_000;

export class AcpSessionBackend implements SessionBackend {
  readonly name = 'acp';
  readonly agentKind: string;
  readonly launch?: AgentLaunch;
  private readonly siblings: Map<string, AcpSessionBackend>;

  constructor(
    private readonly options: AcpBackendOptions,
    siblings?: Map<string, AcpSessionBackend>,
  ) {
    this.agentKind = options.agentKind ?? 'claude-code';
    const launch = ACP_LAUNCHES[this.agentKind];
    if (!launch) throw new UnknownAgentKindError(this.agentKind, Object.keys(ACP_LAUNCHES));
    this.launch = launch;
    this.siblings = siblings ?? new Map();
    this.siblings.set(this.agentKind, this);
  }

  agentKinds(): readonly string[] {
    return Object.keys(ACP_LAUNCHES);
  }

  forAgentKind(kind: string): SessionBackend {
    const known = this.siblings.get(kind);
    if (known) return known;
    if (!ACP_LAUNCHES[kind]) throw new UnknownAgentKindError(kind, this.agentKinds());
    return new AcpSessionBackend({ ...this.options, agentKind: kind }, this.siblings);
  }

  async available(): Promise<boolean> {
    return true;
  }

  // ── lifecycle ──────────────────────────────────────────────────────────

  async createSession(opts: CreateSessionOptions): Promise<void> {
    checkSessionId(opts.sessionId);
    if (!opts.command) throw new BackendError('an ACP agent needs the command of its agent program', 'command_failed');
    const cwd = opts.workDir ?? process.cwd();
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw new BackendError(`${cwd} is not an existing directory`, 'bad_work_dir');
    if (await this.sessionExists(opts.sessionId)) throw new BackendError(`Session "${opts.sessionId}" already exists`, 'session_exists');
    const env = opts.env ?? {};
    const mcp: AcpMcpServer = {
      name: 'agent-boss',
      command: this.options.nodePath,
      args: [this.options.cliPath, 'stdio'],
      env: Object.entries(env).map(([name, value]) => ({ name, value })),
    };
    await this.startRunner(opts.sessionId, {
      sessionId: opts.sessionId,
      ...(opts.agent !== undefined && { agent: opts.agent }),
      ...(env.BOSS_SPACE !== undefined && { space: env.BOSS_SPACE }),
      dataDir: this.options.dataDir,
      kind: this.agentKind,
      command: opts.command,
      cwd,
      mcpServers: [mcp],
      mode: this.options.mode ?? 'default',
      socket: '',
      createdAt: new Date().toISOString(),
    });
  }

  async killSession(sessionId: string): Promise<void> {
    checkSessionId(sessionId);
    const files = runnerFiles(this.options.dataDir, sessionId);
    try {
      await callRunner(files.socket, 'kill');
    } catch (err) {
      if (!(err instanceof RunnerGone)) throw err;
      if (!existsSync(files.spec)) throw new BackendError(`Session "${sessionId}" does not exist`, 'session_missing');
    }
    removeRunnerFiles(files);
  }

  async sessionExists(sessionId: string): Promise<boolean> {
    checkSessionId(sessionId);
    return (await this.snapshot(sessionId)) !== undefined;
  }

  async listSessions(): Promise<string[]> {
    const specs = allSpecs(this.options.dataDir);
    const alive = await Promise.all(specs.map(async (s) => ((await this.snapshot(s.sessionId)) ? s.sessionId : undefined)));
    return alive.filter((s): s is string => s !== undefined);
  }

  async discoverSessions(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const live = new Set(await this.listSessions());
    for (const s of allSpecs(this.options.dataDir)) if (s.agent && live.has(s.sessionId)) out.set(s.agent, s.sessionId);
    return out;
  }

  // ── observation ───────────────────────────────────────────────────────

  async getStatus(sessionId: string): Promise<SessionStatus> {
    const snap = await this.snapshot(sessionId);
    if (!snap) return 'missing';
    return snap.state === 'idle' ? 'idle' : snap.state === 'unknown' ? 'pending' : snap.state === 'dead' ? 'failed' : 'running';
  }

  async isIdle(sessionId: string): Promise<boolean> {
    return (await this.snapshot(sessionId))?.state === 'idle';
  }

  async captureOutput(sessionId: string, lines = 50): Promise<string[]> {
    checkSessionId(sessionId);
    const files = runnerFiles(this.options.dataDir, sessionId);
    try {
      return await callRunner<string[]>(files.socket, 'capture', { lines });
    } catch (err) {
      if (!(err instanceof RunnerGone)) throw err;
      const gone = this.goneReason(sessionId);
      if (gone === undefined) throw missing(sessionId);
      return [`· ${gone}`];
    }
  }

  async checkApproval(sessionId: string): Promise<ApprovalInfo> {
    const snap = await this.snapshot(sessionId);
    if (!snap) throw missing(sessionId);
    return snap.approval;
  }

  async probeSessions(sessionIds: readonly string[], _options?: ProbeOptions): Promise<Map<string, SessionProbe>> {
    const out = new Map<string, SessionProbe>();
    await Promise.all(
      sessionIds.map(async (id) => {
        const snap = await this.snapshot(id).catch(() => undefined);
        if (!snap) {
          const gone = this.goneReason(id);
          out.set(id, { sessionId: id, exists: false, state: gone ? 'gone' : 'missing', approval: { needsApproval: false }, protocol: 'acp', ...(gone && { lastLine: gone }) });
          return;
        }
        out.set(id, {
          sessionId: id,
          exists: true,
          state: snap.state,
          approval: snap.approval,
          inputReady: snap.inputReady,
          protocol: 'acp',
          ...(snap.lastLine !== undefined && { lastLine: snap.lastLine }),
          ...(snap.state === 'dead' && snap.reason !== undefined && { lastLine: snap.reason }),
        });
      }),
    );
    return out;
  }

  // ── action ────────────────────────────────────────────────────────────

  async sendInput(sessionId: string, text: string, options: SendInputOptions = {}): Promise<void> {
    checkSessionId(sessionId);
    if (options.submit === false) {
      throw new BackendError('an ACP agent has no input box to type into without sending: send the whole message with submit true', 'command_failed');
    }
    const files = runnerFiles(this.options.dataDir, sessionId);
    const params = { text, key: randomUUID() };
    try {
      await callRunner(files.socket, 'prompt', params);
    } catch (err) {
      if (!(err instanceof RunnerGone)) throw err;
      await this.resume(sessionId);
      await callRunner(files.socket, 'prompt', params);
    }
  }

  async approve(sessionId: string, decision: ApprovalDecision, options: ApproveOptions = {}): Promise<ApproveResult> {
    return this.act<ApproveResult>(sessionId, 'approve', { decision, ...options });
  }

  async interrupt(sessionId: string): Promise<InterruptResult> {
    return this.act<InterruptResult>(sessionId, 'interrupt', {}, 15_000);
  }

  // ── runners ───────────────────────────────────────────────────────────

  /** The runner's snapshot; undefined when no runner answers for the session. */
  private async snapshot(sessionId: string): Promise<AcpSnapshot | undefined> {
    checkSessionId(sessionId);
    try {
      return await callRunner<AcpSnapshot>(runnerFiles(this.options.dataDir, sessionId).socket, 'snapshot');
    } catch (err) {
      if (err instanceof RunnerGone) return undefined;
      throw err;
    }
  }

  private async act<T>(sessionId: string, method: string, params: object, timeoutMs?: number): Promise<T> {
    checkSessionId(sessionId);
    try {
      return await callRunner<T>(runnerFiles(this.options.dataDir, sessionId).socket, method, params, timeoutMs);
    } catch (err) {
      if (err instanceof RunnerGone) throw this.goneReason(sessionId) ? new BackendError(`the agent of session "${sessionId}" is gone: ${this.goneReason(sessionId)}`, 'command_failed') : missing(sessionId);
      throw err;
    }
  }

  /**
   * Why a session that has a spec but no runner is gone (the runner ended: a reboot, a killed
   * process), and whether send_input resumes it; undefined when the session was never made here.
   */
  private goneReason(sessionId: string): string | undefined {
    const files = runnerFiles(this.options.dataDir, sessionId);
    if (!existsSync(files.spec)) return undefined;
    const state = readState(files.state);
    return state?.loadSession
      ? `the agent's runner is gone (the machine restarted or it was killed); send_input resumes its conversation (ACP session ${state.acpSessionId}) with session/load`
      : `the agent's runner is gone (the machine restarted or it was killed) and the agent cannot resume its session: spawn_agent starts it again`;
  }

  /** Starts the runner again on the same spec, loading the agent's ACP session; throws when it cannot. */
  private async resume(sessionId: string): Promise<void> {
    const files = runnerFiles(this.options.dataDir, sessionId);
    const spec = readSpec(files.spec);
    const state = readState(files.state);
    if (!spec) throw missing(sessionId);
    if (!state?.loadSession) throw new BackendError(`the agent of session "${sessionId}" is gone: ${this.goneReason(sessionId)}`, 'command_failed');
    await this.startRunner(sessionId, { ...spec, load: state.acpSessionId });
    for (const deadline = Date.now() + 90_000; ; ) {
      const snap = await this.snapshot(sessionId);
      if (snap?.phase === 'ready') return;
      if (!snap || snap.phase === 'dead' || Date.now() > deadline) {
        throw new BackendError(`resuming the agent of session "${sessionId}" failed: ${snap?.reason ?? 'its runner ended'}`, 'command_failed');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Writes the spec and starts its runner detached; resolves once the runner answers on its socket. */
  private async startRunner(sessionId: string, spec: RunnerSpec): Promise<void> {
    ensureAcpDir(this.options.dataDir);
    const files = runnerFiles(this.options.dataDir, sessionId);
    writeFileSync(files.spec, `${JSON.stringify({ ...spec, socket: files.socket }, null, 2)}\n`, { mode: 0o600 });
    const logFd = openSync(files.log, 'a', 0o600);
    let exit: string | undefined;
    let pid: number | undefined;
    try {
      const child = spawn(this.options.nodePath, [this.options.cliPath, 'acp-runner', files.spec], { detached: true, stdio: ['ignore', 'ignore', logFd], cwd: spec.cwd });
      child.on('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `code ${code}`));
      child.unref();
      pid = child.pid;
      this.options.log?.(`acp: runner ${child.pid} started for ${sessionId}`);
    } finally {
      closeSync(logFd);
    }
    for (const deadline = Date.now() + (this.options.runnerStartMs ?? RUNNER_START_MS); ; ) {
      if (await this.snapshot(sessionId)) return;
      if (exit !== undefined || Date.now() > deadline) {
        // A runner given up on must not start its agent later, unseen: SIGTERM ends it (and, once it
        // serves, the agent program it started).
        if (exit === undefined && pid !== undefined) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            /* gone meanwhile */
          }
        }
        const log = readFileSync(files.log, 'utf8').trim().split('\n').slice(-5).join(' | ');
        throw new BackendError(`the ACP runner for session "${sessionId}" ${exit ? `exited (${exit})` : 'did not start listening'}${log ? `: ${log}` : ''}`, 'command_failed');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const missing = (sessionId: string) => new BackendError(`Session "${sessionId}" does not exist`, 'session_missing');
