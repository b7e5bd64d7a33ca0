import type { AgentRecord, AgentStatus, Document, RemoteAction, Section } from './store.js';

/** An `agents` row joined with its space's name, and how it becomes an AgentRecord. */
export interface AgentRow {
  id: number;
  space_id: number;
  space_name: string;
  name: string;
  name_key: string;
  status: string;
  summary: string;
  branch: string | null;
  worktree: string | null;
  pr: string | null;
  phase: string | null;
  test_count: number | null;
  items: string | null;
  sections: string | null;
  questions: string | null;
  blockers: string | null;
  next_steps: string | null;
  free_text: string | null;
  documents: string | null;
  session_id: string | null;
  backend_type: string | null;
  parent: string | null;
  role: string | null;
  repo_url: string | null;
  created_at: number;
  updated_at: number;
  reported_at: number | null;
  agent_kind: string | null;
  program_session_id: string | null;
  launch_command: string | null;
  work_dir: string | null;
  host?: string | null;
}

export const parseJson = <T>(text: string | null): T | null => {
  if (text === null || text === '') return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
};
export const toJson = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
export const iso = (ms: number): string => new Date(ms).toISOString();

export const toRecord = (r: AgentRow): AgentRecord => ({
  space: r.space_name,
  name: r.name,
  status: r.status as AgentStatus,
  summary: r.summary,
  branch: r.branch,
  worktree: r.worktree,
  pr: r.pr,
  phase: r.phase,
  test_count: r.test_count,
  items: parseJson<string[]>(r.items),
  sections: parseJson<Section[]>(r.sections),
  questions: parseJson<string[]>(r.questions),
  blockers: parseJson<string[]>(r.blockers),
  next_steps: r.next_steps,
  free_text: r.free_text,
  documents: parseJson<Document[]>(r.documents),
  session_id: r.session_id,
  backend_type: r.backend_type,
  parent: r.parent,
  role: r.role,
  repo_url: r.repo_url,
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
  reported_at: r.reported_at === null ? null : iso(r.reported_at),
  agent_kind: r.agent_kind ?? null,
  program_session_id: r.program_session_id ?? null,
  launch_command: r.launch_command ?? null,
  work_dir: r.work_dir ?? null,
  host: r.host ?? null,
});

export const AGENT_SELECT = `SELECT a.*, s.name AS space_name FROM agents a JOIN spaces s ON s.id = a.space_id`;

/** A remote_actions row as stored (JSON as text), and as the store answers it. */
export type RawAction = Omit<RemoteAction, 'caller' | 'input' | 'outcome'> & { caller: string; input: string; outcome: string | null };
export const toAction = (r: RawAction): RemoteAction => ({
  id: r.id,
  host: r.host,
  from_host: r.from_host,
  kind: r.kind,
  caller: parseJson(r.caller),
  input: parseJson(r.input),
  state: r.state,
  outcome: parseJson(r.outcome),
  created_at: r.created_at,
  deadline: r.deadline,
});
