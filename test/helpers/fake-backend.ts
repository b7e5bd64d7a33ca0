import { BackendError } from '../../src/backends/errors.js';
import type {
  ApprovalDecision,
  ApprovalInfo,
  ApproveOptions,
  ApproveResult,
  CreateSessionOptions,
  InterruptResult,
  SendInputOptions,
  SessionBackend,
  SessionProbe,
  SessionStatus,
} from '../../src/backends/session-backend.js';

interface FakeSession {
  state: 'working' | 'idle' | 'waiting_approval';
  approval?: ApprovalInfo;
  inputs: { text: string; submit: boolean }[];
  keys: string[];
}

/** An in-memory backend for pure unit tests of the core (never used against real sessions). */
export class FakeBackend implements SessionBackend {
  readonly sessions = new Map<string, FakeSession>();
  probeCalls = 0;
  identifySelf?: (env: NodeJS.ProcessEnv) => Promise<string | undefined>;
  sessionIdProblem?: (id: string) => string | undefined;
  isAvailable = true;

  constructor(readonly name = 'fake') {}

  add(id: string, state: FakeSession['state'] = 'idle', approval?: ApprovalInfo): FakeSession {
    const s: FakeSession = { state, inputs: [], keys: [], ...(approval && { approval }) };
    this.sessions.set(id, s);
    return s;
  }

  private get(id: string): FakeSession {
    if (!this.isAvailable) throw new BackendError('fake is not installed or not on PATH', 'unavailable');
    const s = this.sessions.get(id);
    if (!s) throw new BackendError(`session "${id}" does not exist`, 'session_missing');
    return s;
  }

  async available() {
    return this.isAvailable;
  }
  async createSession(o: CreateSessionOptions) {
    if (this.sessions.has(o.sessionId)) throw new BackendError('exists', 'session_exists');
    this.add(o.sessionId);
  }
  async killSession(id: string) {
    this.get(id);
    this.sessions.delete(id);
  }
  async sessionExists(id: string) {
    return this.sessions.has(id);
  }
  async listSessions() {
    return [...this.sessions.keys()];
  }
  async getStatus(id: string): Promise<SessionStatus> {
    if (!this.sessions.has(id)) return 'missing';
    return this.get(id).state === 'idle' ? 'idle' : 'running';
  }
  async isIdle(id: string) {
    return this.get(id).state === 'idle';
  }
  async captureOutput(id: string) {
    this.get(id);
    return ['> '];
  }
  async checkApproval(id: string): Promise<ApprovalInfo> {
    return this.get(id).approval ?? { needsApproval: false };
  }
  async probeSessions(ids: readonly string[]): Promise<Map<string, SessionProbe>> {
    this.probeCalls++;
    const out = new Map<string, SessionProbe>();
    for (const id of ids) {
      const s = this.sessions.get(id);
      out.set(
        id,
        s
          ? { sessionId: id, exists: true, state: s.state, approval: s.approval ?? { needsApproval: false } }
          : { sessionId: id, exists: false, state: 'missing', approval: { needsApproval: false } },
      );
    }
    return out;
  }
  async sendInput(id: string, text: string, o?: SendInputOptions) {
    this.get(id).inputs.push({ text, submit: o?.submit ?? true });
  }
  async approve(id: string, decision: ApprovalDecision, o?: ApproveOptions): Promise<ApproveResult> {
    const s = this.get(id);
    if (!s.approval?.needsApproval) throw new BackendError('no prompt', 'no_pending_approval');
    if (o?.expectPromptId && o.expectPromptId !== s.approval.promptId) {
      throw new BackendError(`The permission prompt in session "${id}" is not the one expected (now ${s.approval.promptId}, expected ${o.expectPromptId}), so nothing was sent. Check the approval again and answer the prompt shown now.`, 'prompt_mismatch');
    }
    const key = decision === 'yes' ? '1' : decision === 'always' ? '2' : 'Escape';
    s.keys.push(key);
    const res: ApproveResult = { decision, keySent: key, cleared: true, ...(s.approval.toolName && { toolName: s.approval.toolName }), ...(s.approval.promptId && { promptId: s.approval.promptId }) };
    delete s.approval;
    s.state = 'working';
    return res;
  }
  async interrupt(id: string): Promise<InterruptResult> {
    const s = this.get(id);
    s.keys.push('Escape');
    s.state = 'idle';
    return { stopped: true, escapes: 1 };
  }
  async discoverSessions() {
    return new Map<string, string>();
  }
}
