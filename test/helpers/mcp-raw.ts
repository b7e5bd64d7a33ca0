/**
 * MCP over Streamable HTTP with plain fetch (no SDK client), for load and memory tests where the
 * client's own objects must stay out of the figures: one session is an id string.
 */
const PROTOCOL = '2025-06-18';

export function rawMcp(base: string, headers: Record<string, string> = {}) {
  const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers };
  const post = async (session: string | undefined, body: unknown): Promise<Response> => {
    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { ...h, ...(session !== undefined && { 'Mcp-Session-Id': session, 'Mcp-Protocol-Version': PROTOCOL }) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST /mcp ${(body as { method: string }).method}: HTTP ${res.status} ${await res.text()}`);
    return res;
  };
  let id = 0;
  return {
    /** initialize + notifications/initialized; resolves with the session id. */
    async open(): Promise<string> {
      const res = await post(undefined, { jsonrpc: '2.0', id: ++id, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
      await res.text();
      const session = res.headers.get('mcp-session-id');
      if (!session) throw new Error('initialize answered without Mcp-Session-Id');
      await (await post(session, { jsonrpc: '2.0', method: 'notifications/initialized' })).text();
      return session;
    },
    /** One request; resolves with its result (throws on a JSON-RPC error). */
    async request(session: string, method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
      const body = (await (await post(session, { jsonrpc: '2.0', id: ++id, method, params })).json()) as { result?: Record<string, unknown>; error?: { message: string } };
      if (body.error || !body.result) throw new Error(`${method}: ${body.error?.message ?? 'no result'}`);
      return body.result;
    },
    /** DELETE the session; resolves with the HTTP status. */
    async close(session: string): Promise<number> {
      const res = await fetch(`${base}/mcp`, { method: 'DELETE', headers: { ...h, 'Mcp-Session-Id': session, 'Mcp-Protocol-Version': PROTOCOL } });
      await res.text();
      return res.status;
    },
  };
}
