/**
 * `agent-boss acp-runner SPEC`: one small detached process per ACP agent. It owns the agent program
 * (AcpAgent: the child, its transcript, queued prompts and pending permission requests) and serves
 * it over a Unix socket (0600, in the data directory) to any agent-boss process: the hub, a stdio
 * server, a later hub after a restart. So the agent, and a permission request it waits on, outlive
 * every agent-boss server. Socket methods (JSON-RPC, one JSON a line): snapshot, capture, prompt,
 * approve, interrupt, kill. A signal (shutdown, reboot) ends the program but keeps the spec and the
 * ACP session id, so the agent can be resumed with session/load; `kill` removes everything.
 */
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { AcpAgent, type RuleDecider } from './acp-agent.js';
import { readSpec, removeRunnerFiles, type RunnerFiles, type RunnerSpec, type RunnerState } from './files.js';
import { RpcError, RpcPeer } from './json-rpc.js';

export const RUNNER_USAGE = 'usage: agent-boss acp-runner SPEC_FILE   (started by the acp backend; not meant to be run by hand)\n';

export interface RunnerOptions {
  stderr?: NodeJS.WritableStream;
  /** The approval rules, asked about each permission request of the agent the spec names (wired by the CLI). */
  rules?: (spec: RunnerSpec, log: (line: string) => void) => RuleDecider | undefined;
}

export async function runAcpRunner(argv: string[], opts: RunnerOptions = {}): Promise<number> {
  const stderr = opts.stderr ?? process.stderr;
  const specFile = argv[0];
  if (specFile === undefined || argv.length !== 1 || specFile.startsWith('-')) {
    stderr.write(RUNNER_USAGE);
    return 2;
  }
  const spec = readSpec(specFile);
  if (!spec) {
    stderr.write(`agent-boss acp-runner: cannot read the spec ${specFile}\n`);
    return 1;
  }
  const log = (m: string) => stderr.write(`${new Date().toISOString()} ${m}\n`);
  const files: RunnerFiles = { spec: specFile, socket: spec.socket, state: specFile.replace(/\.json$/u, '.state.json'), log: specFile.replace(/\.json$/u, '.log') };
  const agent = new AcpAgent(spec, log, (snap) => {
    const state: RunnerState = { acpSessionId: snap.acpSessionId!, loadSession: snap.loadSession ?? false, runnerPid: process.pid };
    writeFileSync(files.state, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  }, opts.rules?.(spec, log));

  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let ending = false;
  const end = async (removeAll: boolean, code: number) => {
    if (ending) return;
    ending = true;
    await agent.kill();
    server?.close();
    for (const s of sockets) s.destroy();
    if (removeAll) removeRunnerFiles(files);
    else rmSync(files.socket, { force: true });
    log(`runner ends (${removeAll ? 'killed' : 'stopped by a signal'})`);
    process.exit(code);
  };

  const handle = async (method: string, params: unknown): Promise<unknown> => {
    const p = (params ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'snapshot':
        return agent.snapshot();
      case 'capture':
        return agent.capture(typeof p.lines === 'number' ? p.lines : 50);
      case 'prompt':
        if (typeof p.text !== 'string') throw new RpcError('prompt: text must be a string', -32602);
        return agent.prompt(p.text, typeof p.key === 'string' ? p.key : undefined);
      case 'approve':
        return agent.approve((p.decision as 'yes' | 'always' | 'no') ?? 'yes', {
          ...(typeof p.expectPromptId === 'string' && { expectPromptId: p.expectPromptId }),
          ...(typeof p.option === 'number' && { option: p.option }),
        });
      case 'interrupt':
        return agent.interrupt();
      case 'kill':
        setImmediate(() => void end(true, 0));
        return { killed: true };
      default:
        throw new RpcError(`method not found: ${method}`, -32601);
    }
  };

  rmSync(spec.socket, { force: true });
  const previous = process.umask(0o177);
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    new RpcPeer(socket, socket, { onRequest: (method, params) => handle(method, params) });
  });
  await new Promise<void>((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(spec.socket, () => resolve());
  });
  process.umask(previous);
  chmodSync(spec.socket, 0o600);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void end(false, 0));
  log(`runner serves session ${spec.sessionId} on ${spec.socket}`);
  await agent.start();
  return -1; // keeps serving
}
