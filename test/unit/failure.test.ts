import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { OperatorAuth } from '../../src/http/operator.js';
import { AS_OPERATOR, fakeCore, OPERATOR_KEY, textOf } from '../helpers/core.js';

/** One way to fail (src/core/failure.ts): a bug is logged with its stack and answered generically, on both transports. */
describe('a bug inside a tool or route', () => {
  async function brokenCore() {
    const core = fakeCore();
    await core.coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
    core.backend.add('s1');
    core.backend.sendInput = async () => {
      throw new Error('kaboom inside the backend');
    };
    return core;
  }

  it('over MCP: an isError result without the message, and the stack on the log', async () => {
    const { coordinator } = await brokenCore();
    const logged: string[] = [];
    const server = createMcpServer({ coordinator, caller: {}, logError: (m) => logged.push(m) });
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test', version: '0' });
    await Promise.all([server.connect(b), client.connect(a)]);
    const r = (await client.callTool({ name: 'send_input', arguments: { space: 'web', agent: 'dev', text: 'hi' } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(textOf(r)).toBe('internal error in send_input: the server logged the details. Try again; if it persists, report it to the operator.');
    expect(logged.join('\n')).toMatch(/send_input failed: Error: kaboom inside the backend\n\s+at /);
    await client.close();
  });

  it('over HTTP: the same sentence as a 500, and the stack on the log', async () => {
    const { coordinator } = await brokenCore();
    const logs: string[] = [];
    const app = createHttpApp({ coordinator, log: createLogger('debug', (l) => logs.push(l)), operator: new OperatorAuth(OPERATOR_KEY) });
    const r = await app.request('/spaces/web/reply/dev', { method: 'POST', headers: { 'Content-Type': 'application/json', ...AS_OPERATOR }, body: JSON.stringify({ message: 'hi' }) });
    expect(r.status).toBe(500);
    expect(await r.json()).toMatchObject({ code: 'internal', error: 'internal error in POST /spaces/web/reply/dev: the server logged the details. Try again; if it persists, report it to the operator.' });
    expect(logs.join('\n')).toMatch(/kaboom inside the backend[\s\S]*\bat /);
  });

  it('a failure the caller can fix stays a sentence naming the next step, on both', async () => {
    const { coordinator } = fakeCore();
    const server = createMcpServer({ coordinator, caller: {}, logError: () => expect.unreachable('a domain failure is not a bug') });
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test', version: '0' });
    await Promise.all([server.connect(b), client.connect(a)]);
    const r = (await client.callTool({ name: 'interrupt', arguments: { space: 'web', agent: 'nobody' } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/not registered in space "web"\. Call register_session first/);
    await client.close();
    const app = createHttpApp({ coordinator, log: createLogger('error', () => undefined) });
    const h = await app.request('/spaces/web/agent/nobody/interrupt', { method: 'POST' });
    expect(h.status).toBe(404);
    expect(await h.json()).toMatchObject({ code: 'not_found', error: expect.stringMatching(/Call register_session first/) });
  });
});
