import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { OPERATOR, type Coordinator, type Target } from '../core/coordinator.js';
import { DomainError } from '../core/errors.js';
import { toSessionStatusRow } from './legacy-rows.js';
import {
  agentName,
  agentStatus,
  backendName,
  describeZodError,
  inputText,
  legacyReportFieldShape,
  line,
  promptId,
  reportFieldShape,
  sessionId,
  spaceName,
  stickyFieldShape,
  summary,
  text,
} from '../core/schemas.js';
import type { AgentTokenStore } from '../store/agent-tokens.js';
import { AGENT_STATUSES, type Report } from '../core/records.js';
import { requestCaller } from './caller.js';
import { renderIgnition } from './ignition.js';
import { httpResume, resumeAnswer, type HttpResume } from './resume.js';
import { BODY_LIMITS, limitBody, refuseIfReadOnly, type AppEnv } from './middleware.js';

/**
 * The routes `curl`-based agents written for the old coordinator still call (see
 * docs/legacy-protocol.md). Each one validates with the shared schemas, calls the same core
 * function as the matching MCP tool, and answers in the legacy format: the status post and the
 * ignition page answer text (old scripts grep for "accepted for"), the others JSON.
 */
export interface LegacyRoutesDeps {
  coordinator: Coordinator;
  /** Requests must carry the bearer token (only changes the instructions in the ignition text). */
  tokenRequired?: boolean;
  /** Refuse every route that changes state. */
  readOnly?: boolean;
  /** Shown in the ignition text's stdio line, so a stdio server shares this server's database and tmux. */
  dataDir?: string;
  tmuxSocket?: string;
  /** Set under --auth agents: ignition issues agent tokens (the core revokes them when an agent is deleted). */
  tokens?: AgentTokenStore;
  /** resume_agent with the hub's settings (POST /spaces/:space/agent/:agent/resume). */
  resume?: HttpResume;
}

/** The report as the legacy status post carries it: the tools' fields plus the legacy ones; unknown keys dropped. */
const legacyReport = z.object({
  status: agentStatus,
  summary,
  ...reportFieldShape,
  ...legacyReportFieldShape,
  ...stickyFieldShape,
  tmux_session: sessionId.optional(),
});

/** The keys a JSON status post may carry; others are ignored, and named in the answer. */
const LEGACY_REPORT_KEYS: ReadonlySet<string> = new Set(Object.keys(legacyReport.shape));

/**
 * A plain-text body is the whole report: it becomes free_text as it is, up to the route's body limit
 * (the old server took bodies up to 1 MiB), not the 64 KB a JSON field may hold.
 */
const plainTextReport = legacyReport.extend({ free_text: text(BODY_LIMITS.status) });

/** Sticky fields old scripts send as "" to mean "unchanged". */
const STICKY_KEYS = ['session_id', 'tmux_session', 'backend_type', 'repo_url', 'parent', 'role'];

/** How many ignored keys of a status post its answer names (a body may carry thousands). */
const MAX_IGNORED_NAMED = 20;

/** Longest summary taken from the first line of a plain-text status body. */
const PLAIN_SUMMARY_MAX = 120;

const ignitionQuery = z.object({
  session_id: sessionId.optional(),
  backend: backendName.optional(),
  parent: agentName.optional(),
  role: line(200).optional(),
});

const replyBody = z.object({
  message: inputText.describe('Text typed into the agent\'s terminal, then Enter.'),
});


/** Space and agent from the path (Hono decodes `%20` and friends), checked like the tools check them. */
function pathTarget(c: Context, coordinator: Coordinator): Target {
  const space = coordinator.spaceOf(OPERATOR, c.req.param('space'));
  const agent = c.req.param('agent') ?? '';
  const s = spaceName.safeParse(space);
  if (!s.success) throw new DomainError('validation', `space name "${space}": ${s.error.issues[0]?.message}`);
  const a = agentName.safeParse(agent);
  if (!a.success) throw new DomainError('validation', `agent name "${agent}": ${a.error.issues[0]?.message}`);
  return { space: s.data, agent: a.data };
}

/** Legacy routes that change state are refused on a read-only server with this. */
const refuseChange = (readOnly: boolean | undefined) => refuseIfReadOnly(readOnly, 'it only answers reads such as /api/session-status');

const isJsonContentType = (ct: string | undefined): boolean => {
  const type = (ct ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
};

const parseJsonBody = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new DomainError('validation', `malformed JSON body: ${(err as Error).message}`);
  }
};

/**
 * Turns a legacy status body into a Report: JSON (an object; `null` values and empty sticky
 * fields count as omitted; `tmux_session` → `session_id`) or plain text (first line → summary,
 * whole body → free_text, status active). Validation uses the tools' schemas; only the wording of
 * the two errors old scripts know is legacy.
 */
export function parseLegacyReport(raw: string, contentType: string | undefined): { report: Report; ignored: string[] } {
  let input: Record<string, unknown>;
  const ignored: string[] = [];
  if (isJsonContentType(contentType)) {
    const body = parseJsonBody(raw);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new DomainError('validation', 'the JSON body must be an object with at least "status" and "summary"');
    }
    input = {};
    for (const [k, v] of Object.entries(body)) {
      if (!LEGACY_REPORT_KEYS.has(k)) {
        ignored.push(k); // the contract: unknown keys are ignored (the answer names them)
        continue;
      }
      if (v === null || (v === '' && STICKY_KEYS.includes(k))) continue;
      input[k] = v;
    }
  } else {
    const firstLine = raw.split(/\r?\n|\r/, 1)[0]!.trim();
    input = { status: 'active', summary: [...firstLine].slice(0, PLAIN_SUMMARY_MAX).join(''), free_text: raw };
  }
  const parsed = (isJsonContentType(contentType) ? legacyReport : plainTextReport).safeParse(input);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((i) => {
      const field = i.path[0];
      if (field === 'status') return `invalid status "${typeof input.status === 'string' ? input.status : JSON.stringify(input.status ?? '')}": must be one of ${AGENT_STATUSES.join(', ')}`;
      if (field === 'summary') return typeof input.summary === 'string' ? i.message : 'summary is required';
      return describeZodError(new z.ZodError([i]));
    });
    throw new DomainError('validation', [...new Set(messages)].join('; '));
  }
  const { tmux_session, ...report } = parsed.data;
  if (!report.session_id && tmux_session) report.session_id = tmux_session;
  return { report, ignored };
}

export function legacyRoutes(deps: LegacyRoutesDeps): Hono<AppEnv> {
  const { coordinator } = deps;
  const app = new Hono<AppEnv>();

  // ── ignition ────────────────────────────────────────────────────────────
  app.get('/spaces/:space/ignition/:agent', async (c) => {
    c.set('errorFormat', 'text');
    const target = pathTarget(c, coordinator);
    const q = (k: string): string | undefined => {
      const v = c.req.query(k);
      return v === undefined || v === '' ? undefined : v;
    };
    const raw = { session_id: q('session_id') ?? q('tmux_session'), backend: q('backend'), parent: q('parent'), role: q('role') };
    const registering = Object.values(raw).some((v) => v !== undefined);
    let warnings: string[] = [];
    if (registering) {
      refuseChange(deps.readOnly);
      const parsed = ignitionQuery.safeParse(raw);
      if (!parsed.success) throw new DomainError('validation', describeZodError(parsed.error));
      const caller = requestCaller(c, target.space);
      const p = parsed.data;
      // Setting only parent/role keeps the session already registered (or none yet). The contract
      // is to register: a session that does not exist yet or is shared is registered, with a warning.
      ({ warnings } = await coordinator.registerSession(
        caller,
        {
          ...target,
          ...(p.session_id !== undefined && { session_id: p.session_id }),
          ...(p.backend !== undefined && { backend: p.backend }),
          ...(p.parent !== undefined && { parent: p.parent }),
          ...(p.role !== undefined && { role: p.role }),
        },
        { requireSession: false, sharedSession: 'warn' },
      ));
    }
    // Under --auth agents, the operator fetching the page of an agent that holds no token yet
    // hands it one: the page is what the agent starts from.
    let agentToken: { issued?: string } | undefined;
    if (deps.tokens) {
      agentToken = {};
      if (c.get('principal')?.kind === 'operator' && !deps.readOnly && !(await deps.tokens.hasActive(target.space, target.agent))) {
        agentToken.issued = (await deps.tokens.issue(target.space, target.agent)).token;
      }
    }
    const [self, agents] = await Promise.all([coordinator.findAgent(target), coordinator.listAgents(target.space)]);
    const body = renderIgnition({
      ...(agentToken && { agentToken }),
      baseUrl: new URL(c.req.url).origin,
      space: target.space,
      agent: target.agent,
      ...(self && { self }),
      agents,
      ...(warnings.length > 0 && { warnings }),
      tokenRequired: deps.tokenRequired ?? false,
      defaultSpace: coordinator.defaultSpace,
      ...(deps.dataDir !== undefined && { dataDir: deps.dataDir }),
      ...(deps.tmuxSocket !== undefined && { tmuxSocket: deps.tmuxSocket }),
    });
    return c.body(body, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });

  // ── status: post, read, delete ──────────────────────────────────────────
  const postStatus = async (c: Context<AppEnv>) => {
    c.set('errorFormat', 'text');
    const target = pathTarget(c, coordinator);
    const name = c.req.header('x-agent-name');
    if (name === undefined || name.trim() === '') {
      throw new DomainError('validation', `missing X-Agent-Name header: send -H "X-Agent-Name: ${target.agent}" with your status post.`);
    }
    const caller = requestCaller(c, target.space);
    refuseChange(deps.readOnly);
    const { report, ignored } = parseLegacyReport(await c.req.text(), c.req.header('content-type'));
    // Old scripts send their session with every post: one the caller may not claim is left out, and said.
    let refusedSession: string | undefined;
    const record = await coordinator.reportStatus(caller, target, report, { dropRefusedSession: (why) => (refusedSession = why) });
    const accepted = `accepted for [${record.name}] in space "${record.space}"`;
    const head = refusedSession === undefined ? accepted : `${accepted}\nsession_id not taken: ${refusedSession}`;
    if (ignored.length === 0) return c.text(head, 202);
    // Old scripts look for "accepted for" in the reply: the first line stays exactly as it was.
    const shown = ignored.slice(0, MAX_IGNORED_NAMED).map((k) => k.slice(0, 100));
    const more = ignored.length > shown.length ? ` and ${ignored.length - shown.length} more` : '';
    const names = `${shown.map((k) => JSON.stringify(k)).join(', ')}${more}`;
    return c.text(`${head}\nignored unknown field${ignored.length === 1 ? '' : 's'} ${names} (a status post takes ${[...LEGACY_REPORT_KEYS].join(', ')})`, 202, {
      'X-Ignored-Fields': shown.map(encodeURIComponent).join(','),
    });
  };
  // The legacy agent JSON, as legacy clients know it (the agent kind, how it is resumed and its host are MCP-side fields).
  const getAgent = async (c: Context<AppEnv>) => {
    const { agent_kind: _kind, program_session_id: _conversation, launch_command: _command, work_dir: _dir, host: _host, ...record } = await coordinator.getAgent(pathTarget(c, coordinator));
    return c.json(record);
  };
  const deleteAgent = async (c: Context<AppEnv>) => {
    const target = pathTarget(c, coordinator);
    refuseChange(deps.readOnly);
    await coordinator.deleteAgent(requestCaller(c, target.space), target);
    return c.json({ status: 'deleted', space: target.space, agent: target.agent });
  };
  for (const path of ['/spaces/:space/agent/:agent', '/agent/:agent']) {
    app.post(path, limitBody(BODY_LIMITS.status), postStatus);
    app.get(path, getAgent);
    app.delete(path, deleteAgent);
  }

  // ── operator actions ────────────────────────────────────────────────────
  app.post('/spaces/:space/reply/:agent', limitBody(BODY_LIMITS.reply), async (c) => {
    const target = pathTarget(c, coordinator);
    refuseChange(deps.readOnly);
    const body = parseJsonBody(await c.req.text());
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new DomainError('validation', 'the JSON body must be an object: send {"message": "text to type"}');
    }
    const parsed = replyBody.safeParse(body);
    if (!parsed.success) {
      throw new DomainError('validation', `${describeZodError(parsed.error)}: send {"message": "text to type"}`);
    }
    const { agent } = await coordinator.sendInput(requestCaller(c, target.space), { ...target, text: parsed.data.message });
    return c.json({ status: 'sent', agent: agent.name });
  });

  app.post('/spaces/:space/approve/:agent', async (c) => {
    const target = pathTarget(c, coordinator);
    refuseChange(deps.readOnly);
    const always = /^(1|true|yes)$/i.test(c.req.query('always') ?? '');
    const rawPromptId = c.req.query('prompt_id') || undefined;
    const pid = rawPromptId === undefined ? undefined : promptId.safeParse(rawPromptId);
    if (pid && !pid.success) throw new DomainError('validation', `prompt_id: ${describeZodError(pid.error)}`);
    const res = await coordinator.approve(requestCaller(c, target.space), {
      ...target,
      decision: always ? 'always' : 'yes',
      ...(pid?.data !== undefined && { prompt_id: pid.data }),
    });
    return c.json({ status: always ? 'always_allowed' : 'approved', agent: res.agent.name, tool: res.tool_name ?? null });
  });

  app.post('/spaces/:space/agent/:agent/interrupt', async (c) => {
    const target = pathTarget(c, coordinator);
    refuseChange(deps.readOnly);
    const res = await coordinator.interrupt(requestCaller(c, target.space), target);
    // The legacy answer is {"ok":true,"agent"}; JSON readers ignore the added fields.
    return c.json({ ok: true, agent: res.agent.name, interrupted: !res.nothingToInterrupt, stopped: res.stopped, message: res.message });
  });

  // resume_agent: ?ignite=1 types the ignite prompt too.
  app.post('/spaces/:space/agent/:agent/resume', async (c) => {
    const target = pathTarget(c, coordinator);
    refuseChange(deps.readOnly);
    const ignite = /^(1|true|yes)$/i.test(c.req.query('ignite') ?? '');
    const res = await (deps.resume ?? httpResume(coordinator))(requestCaller(c, target.space), { ...target, ignite });
    return c.json(resumeAnswer(res));
  });

  // ── liveness (read only, one probe) ─────────────────────────────────────
  const sessionStatus = async (c: Context<AppEnv>) => {
    const space = (c.req.param('space') ?? c.req.query('space')) || undefined;
    if (space !== undefined) {
      const s = spaceName.safeParse(space);
      if (!s.success) throw new DomainError('validation', `space name "${space}": ${s.error.issues[0]?.message}`);
    }
    const rows = await coordinator.listLiveness(space);
    return c.json(rows.map(toSessionStatusRow));
  };
  for (const name of ['session-status', 'tmux-status']) {
    app.get(`/api/${name}`, sessionStatus);
    app.get(`/spaces/:space/api/${name}`, sessionStatus);
  }

  return app;
}
