/**
 * Edges: an oversized stdio message, a session id only one face refused, UTF-8 header bytes, and
 * names no URL can carry.
 */
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectClient, textOf } from '../helpers/core.js';
import { realHub, type RealHub } from '../helpers/hub.js';
import { CLI } from '../helpers/stdio-client.js';
import { killTmux } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

let hub: RealHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('stdio: a message over the 10 MB limit', () => {
  it('is answered with a JSON-RPC error under its id, and the server keeps serving', async () => {
    const t = tempDir();
    const socket = `boss-test-${process.pid}-edge`;
    const proc = spawn(process.execPath, [CLI, 'stdio', '--data-dir', t.dir, '--tmux-socket', socket], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    const responses = () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id: unknown; result?: unknown; error?: { code: number; message: string } });
    const answer = async (id: unknown) => {
      await expect.poll(() => responses().find((r) => r.id === id), { timeout: 15_000 }).toBeTruthy();
      return responses().find((r) => r.id === id)!;
    };
    const send = (msg: unknown) => proc.stdin.write(JSON.stringify(msg) + '\n');
    try {
      send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'edge', version: '0' } } });
      await answer(1);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      // 11 MB of text, the id last (as the SDK client writes it).
      const huge = { method: 'tools/call', params: { name: 'send_input', arguments: { agent: 'a', text: 'x'.repeat(11 * 1024 * 1024) } }, jsonrpc: '2.0', id: 2 };
      proc.stdin.write(JSON.stringify(huge) + '\n');
      const refused = await answer(2);
      expect(refused.error).toMatchObject({ code: -32600, message: expect.stringMatching(/Request too large: a stdio message may be at most 10485760 bytes/) });
      // Not JSON at all: a parse error, still serving.
      proc.stdin.write('{"jsonrpc": "2.0", "id": 3, \n');
      await expect.poll(() => responses().some((r) => r.id === null && r.error?.code === -32700), { timeout: 10_000 }).toBe(true);
      send({ jsonrpc: '2.0', id: 4, method: 'tools/list' });
      const list = await answer(4);
      expect((list.result as { tools: unknown[] }).tools.length).toBeGreaterThan(0);
      expect(proc.exitCode).toBeNull();
      expect(err).toMatch(/refused a stdio message of \d+ bytes \(limit 10485760\) with id 2/);
    } finally {
      proc.stdin.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      killTmux(socket);
      t.cleanup();
    }
  }, 60_000);
});

describe('session_id: one validation for both faces', () => {
  it('the legacy status post refuses a session id register_session refuses, and stores nothing', async () => {
    hub = await realHub();
    const mcp = await connectClient(hub.coordinator, {});
    for (const bad of ['web:0', 'a.b', 'x$y']) {
      const before = hub.snapshot();
      const viaTool = await mcp.call('register_session', { space: 'web', agent: 'bob', session_id: bad });
      expect(viaTool.isError, bad).toBe(true);
      for (const field of ['session_id', 'tmux_session']) {
        const res = await hub.app.request('/spaces/web/agent/bob', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Agent-Name': 'bob' },
          body: JSON.stringify({ status: 'active', summary: 'working', [field]: bad }),
        });
        expect(res.status, `${field}=${bad}`).toBe(400);
        expect(await res.text()).toMatch(/^validation: session_id: Session id .* cannot be used with tmux/);
      }
      const ignition = await hub.app.request(`/spaces/web/ignition/bob?session_id=${encodeURIComponent(bad)}`);
      expect(ignition.status).toBe(400);
      expect(hub.snapshot()).toEqual(before);
    }
    await mcp.close();
  });
});

/** One HTTP/1.1 request over a raw socket: every header byte goes on the wire exactly as given. */
function rawRequest(url: string, path: string, method: string, headers: Record<string, Buffer | string>, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lines: Buffer[] = [Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`)];
    for (const [k, v] of Object.entries(headers)) lines.push(Buffer.from(`${k}: `), typeof v === 'string' ? Buffer.from(v, 'utf8') : v, Buffer.from('\r\n'));
    lines.push(Buffer.from('\r\n'), Buffer.from(body, 'utf8'));
    const chunks: Buffer[] = [];
    const s = connect(Number(u.port), u.hostname, () => s.end(Buffer.concat(lines)));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? '')?.[1] ?? 0);
      let payload = rest.join('\r\n\r\n');
      // Chunked answers: keep the chunk data only.
      if (/transfer-encoding: chunked/i.test(head ?? '')) {
        let out = '';
        let restText = payload;
        for (;;) {
          const m = /^([0-9a-f]+)\r\n/i.exec(restText);
          if (!m || m[1] === '0') break;
          const n = parseInt(m[1]!, 16);
          const bytes = Buffer.from(restText.slice(m[0].length), 'utf8');
          out += bytes.subarray(0, n).toString('utf8');
          restText = bytes.subarray(n + 2).toString('utf8');
        }
        payload = out;
      }
      resolve({ status, body: payload });
    });
  });
}

describe('X-Agent-Name bytes are UTF-8', () => {
  it('a raw UTF-8 "café" posts as café, and bytes that are not UTF-8 are refused', async () => {
    hub = await realHub();
    const url = await hub.listen();
    const json = { 'Content-Type': 'application/json' };
    const ok = await rawRequest(url, '/spaces/web/agent/caf%C3%A9', 'POST', { ...json, 'X-Agent-Name': Buffer.from('café', 'utf8') }, JSON.stringify({ status: 'active', summary: 'bonjour' }));
    expect(ok).toEqual({ status: 202, body: 'accepted for [café] in space "web"' });
    expect((await hub.store.listAgents('web')).map((a) => a.name)).toEqual(['café']);
    const before = hub.snapshot();
    const latin1 = await rawRequest(url, '/spaces/web/agent/caf%C3%A9', 'POST', { ...json, 'X-Agent-Name': Buffer.from([0x63, 0x61, 0x66, 0xe9]) }, JSON.stringify({ status: 'active', summary: 'x' }));
    expect(latin1.status).toBe(400);
    expect(latin1.body).toMatch(/X-Agent-Name header is not valid UTF-8/);
    // The same bytes in X-Agent-Space, and on /mcp.
    const space = await rawRequest(url, '/spaces/web/reply/caf%C3%A9', 'POST', { ...json, 'X-Agent-Name': 'café', 'X-Agent-Space': Buffer.from([0xff, 0xfe]) }, '{"message":"x"}');
    expect(space.status).toBe(400);
    expect(hub.snapshot()).toEqual(before);
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } };
    const mcp = await rawRequest(url, '/mcp', 'POST', { ...json, Accept: 'application/json, text/event-stream', 'X-Agent-Name': Buffer.from('café', 'utf8') }, JSON.stringify(init));
    expect(mcp.status).toBe(200);
    expect(hub.logs.some((l) => /MCP session .* opened for agent "café"/.test(l))).toBe(true);
  });
});

describe('"." and ".." are refused as names', () => {
  it('on every face, with a clear error and nothing written', async () => {
    hub = await realHub();
    const mcp = await connectClient(hub.coordinator, {});
    const before = hub.snapshot();
    for (const name of ['.', '..']) {
      for (const args of [
        { space: 'web', agent: name, session_id: 's' },
        { space: name, agent: 'bob', session_id: 's' },
        { space: 'web', agent: 'bob', session_id: 's', parent: name },
      ]) {
        const r = await mcp.call('register_session', args);
        expect(r.isError, JSON.stringify(args)).toBe(true);
        expect(textOf(r)).toMatch(/must not be "\." or "\.\."/);
      }
      const r = await mcp.call('report_status', { space: 'web', agent: name, status: 'active', summary: 's' });
      expect(r.isError).toBe(true);
      const header = await hub.app.request('/mcp', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'X-Agent-Name': name },
        body: '{}',
      });
      expect(header.status).toBe(400);
      const parent = await hub.app.request('/spaces/web/agent/bob', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Agent-Name': 'bob' },
        body: JSON.stringify({ status: 'active', summary: 's', parent: name }),
      });
      expect(parent.status).toBe(400);
      const cli = spawnSync(process.execPath, [CLI, 'stdio', '--agent', name], { encoding: 'utf8', timeout: 10_000 });
      expect(cli.status).toBe(2);
      expect(cli.stderr).toMatch(/--agent: agent name must not be "\." or "\.\."/);
    }
    expect(hub.snapshot()).toEqual(before);
    await mcp.close();
  });
});
