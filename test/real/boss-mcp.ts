/** An `--mcp-config` file that starts this project's built stdio server as MCP server "boss". */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../helpers/stdio-client.js';

export function bossMcpConfig(opts: { dataDir: string; tmuxSocket: string; agent?: string; space?: string; file?: string }): string {
  const args = [CLI, 'stdio', '--data-dir', opts.dataDir, '--tmux-socket', opts.tmuxSocket];
  if (opts.agent !== undefined) args.push('--agent', opts.agent);
  if (opts.space !== undefined) args.push('--space', opts.space);
  const file = opts.file ?? join(opts.dataDir, `mcp-${opts.agent ?? 'operator'}.json`);
  writeFileSync(file, `${JSON.stringify({ mcpServers: { boss: { command: process.execPath, args } } }, null, 2)}\n`);
  return file;
}
