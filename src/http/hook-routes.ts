import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Coordinator } from '../core/coordinator.js';
import { DomainError } from '../core/errors.js';
import { approvalRuleShape, decisionFilterShape, hookEventBody } from '../core/hook-schemas.js';
import { decisionJson, ruleJson } from '../core/hook-view.js';
import { agentName, describeZodError, spaceName } from '../core/schemas.js';
import { requestCaller } from './caller.js';
import { BODY_LIMITS, limitBody, refuseIfReadOnly, type AppEnv } from './middleware.js';

/**
 * The hub's face for the agent programs' hooks:
 *   POST   /hooks/event            one event from `agent-boss hook --url` ({payload, kind?, agent?, space?, tmux_session?})
 *                                  → {recorded, state, output?, problem?}
 *   GET    /approval-rules         ?space=&agent=          (what list_approval_rules returns)
 *   POST   /approval-rules         {space?, agent?, tool, pattern, decision}   operator only
 *   DELETE /approval-rules/:id                             operator only
 *   GET    /approval-decisions     ?space=&agent=&after_id=&limit=
 * Callers are named as on the other routes: `X-Agent-Name` binds a request to an agent, none is
 * the operator; the bearer token gates all of them.
 */
export interface HookRoutesDeps {
  coordinator: Coordinator;
  readOnly?: boolean;
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch (err) {
    throw new DomainError('validation', `malformed JSON body: ${(err as Error).message}`);
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new DomainError('validation', describeZodError(r.error));
  return r.data;
}

export function hookRoutes(deps: HookRoutesDeps): Hono<AppEnv> {
  const { coordinator } = deps;
  const app = new Hono<AppEnv>();
  const hooks = () => {
    if (!coordinator.hooks) throw new DomainError('validation', 'This server has no hook store.');
    return coordinator.hooks;
  };
  const refuseChange = () => refuseIfReadOnly(deps.readOnly, 'it does not record hook events or change rules');

  // Hook events can carry a large tool input (a Write of a whole file).
  app.post('/hooks/event', limitBody(BODY_LIMITS.status), async (c) => {
    refuseChange();
    const caller = requestCaller(c);
    const body = parse(hookEventBody, await jsonBody(c));
    // Read in its program's dialect; where it lands and what it may register is the core's rule (a bound caller: its own binding only).
    const outcome = await coordinator.recordHookEvent(caller, body.kind, body.payload, {
      ...(body.agent !== undefined && { agent: body.agent }),
      ...(body.space !== undefined && { space: body.space }),
      ...(body.tmux_session !== undefined && { tmuxSession: body.tmux_session }),
    });
    return c.json(outcome);
  });

  const ruleFilter = z.object({ space: spaceName.optional(), agent: agentName.optional() });
  app.get('/approval-rules', async (c) => {
    const caller = requestCaller(c);
    const rules = await hooks().listRules(coordinator.bindingOf(caller), parse(ruleFilter, c.req.query()), (s) => coordinator.spaceOf(caller, s));
    return c.json({ rules: rules.map(ruleJson) });
  });

  app.post('/approval-rules', async (c) => {
    refuseChange();
    const caller = requestCaller(c);
    const input = parse(z.strictObject(approvalRuleShape), await jsonBody(c));
    const { rule, created } = await hooks().setRule(caller, input);
    return c.json({ rule: ruleJson(rule), created }, created ? 201 : 200);
  });

  app.delete('/approval-rules/:id', async (c) => {
    refuseChange();
    const id = Number(c.req.param('id'));
    if (!Number.isInteger(id) || id < 1) throw new DomainError('validation', `rule id must be a positive whole number, got "${c.req.param('id')}"`);
    const rule = await hooks().deleteRule(requestCaller(c), id);
    return c.json({ rule: ruleJson(rule) });
  });

  app.get('/approval-decisions', async (c) => {
    const caller = requestCaller(c);
    const rows = await hooks().listDecisions(coordinator.bindingOf(caller), parse(z.object(decisionFilterShape), c.req.query()));
    return c.json({ decisions: rows.map(decisionJson) });
  });

  return app;
}
