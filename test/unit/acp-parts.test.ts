/**
 * The ACP backend's pure parts: the transcript rendered from session/update notifications, and the
 * newline-delimited JSON-RPC peer (requests both ways, deferred answers, errors with their data).
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFERRED, RpcError, RpcPeer } from '../../src/backends/acp/json-rpc.js';
import { Transcript } from '../../src/backends/acp/transcript.js';

describe('Transcript', () => {
  it('joins message chunks, updates a tool call in place and shows prompts and notes', () => {
    const t = new Transcript();
    t.user('make a file\nplease');
    t.update({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'I will ' }, messageId: 'm1' });
    t.update({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'do it.' }, messageId: 'm1' });
    t.update({ sessionUpdate: 'tool_call', toolCallId: 't1', title: 'Terminal', status: 'pending', rawInput: {} });
    t.update({ sessionUpdate: 'tool_call_update', toolCallId: 't1', title: 'touch a.txt' });
    t.note('permission asked: touch a.txt (Yes / No)');
    t.update({ sessionUpdate: 'tool_call_update', toolCallId: 't1', status: 'completed', rawOutput: 'line 1\nline 2' });
    t.update({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Done.' }, messageId: 'm2' });
    t.update({ sessionUpdate: 'usage_update', used: 3 });
    expect(t.lines()).toEqual([
      '❯ make a file',
      '  please',
      'I will do it.',
      '⏺ touch a.txt [completed]',
      '  ⎿ line 1',
      '    line 2',
      '· permission asked: touch a.txt (Yes / No)',
      'Done.',
    ]);
    expect(t.tail(2)).toEqual(['· permission asked: touch a.txt (Yes / No)', 'Done.']);
    expect(t.tail(0)).toEqual([]);
  });
});

describe('RpcPeer', () => {
  const pair = (handlersB: ConstructorParameters<typeof RpcPeer>[2]) => {
    const ab = new PassThrough();
    const ba = new PassThrough();
    const a = new RpcPeer(ba, ab, {});
    const b = new RpcPeer(ab, ba, handlersB);
    return { a, b, ab };
  };

  it('answers requests, later with respond(), and gives errors their code and data', async () => {
    let later: number | string | undefined;
    const { a, b } = pair({
      onRequest: async (method, params, id) => {
        if (method === 'echo') return params;
        if (method === 'later') {
          later = id;
          return DEFERRED;
        }
        throw new RpcError('nope', -32001, { code: 'no_pending_approval' });
      },
    });
    expect(await a.call('echo', { x: 1 })).toEqual({ x: 1 });
    const pending = a.call('later');
    await new Promise((r) => setTimeout(r, 10));
    b.respond(later!, { outcome: 'selected' });
    expect(await pending).toEqual({ outcome: 'selected' });
    await expect(a.call('fail')).rejects.toMatchObject({ message: 'nope', code: -32001, data: { code: 'no_pending_approval' } });
  });

  it('rejects every outstanding call when the stream ends, and later calls at once', async () => {
    const { a, ab } = pair({ onRequest: () => new Promise(() => undefined) });
    const pending = a.call('forever');
    a.close('the stream ended');
    await expect(pending).rejects.toThrow('forever: the stream ended');
    await expect(a.call('again')).rejects.toThrow('cannot call again: the stream ended');
    ab.end();
  });

  it('ignores lines that are not JSON and passes notifications on', async () => {
    const seen: string[] = [];
    const { a, ab } = pair({ onNotification: (m) => seen.push(m) });
    ab.write('not json\n');
    a.notify('session/update', { update: {} });
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(['session/update']);
  });
});
