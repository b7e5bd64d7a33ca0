#!/usr/bin/env node
/**
 * Makes sure the pinned claude-agent-acp (Claude Code behind the Agent Client Protocol, with the
 * native Claude Code binary of the Claude Agent SDK inside it) that the ACP real-binary tests drive
 * is installed in the project's cache folder (BOSS_CLAUDE_AGENT_ACP_DIR, else
 * <project>/.cache/claude-agent-acp), and that it starts.
 *
 *   node scripts/ensure-claude-agent-acp.mjs          install when missing, then check `--version`
 *   node scripts/ensure-claude-agent-acp.mjs --print  same, then print the binary's path on stdout
 */
import { join, resolve } from 'node:path';
import { ensureNpmProgram, PROJECT, runAsScript } from './ensure-npm-program.mjs';

/** The claude-agent-acp version the ACP tests are written against. */
export const CLAUDE_AGENT_ACP_VERSION = '0.101.0';
export const CLAUDE_AGENT_ACP_PACKAGE = '@agentclientprotocol/claude-agent-acp';

export const claudeAgentAcpDir = (env = process.env) =>
  env.BOSS_CLAUDE_AGENT_ACP_DIR ? resolve(env.BOSS_CLAUDE_AGENT_ACP_DIR) : join(PROJECT, '.cache', 'claude-agent-acp');
export const claudeAgentAcpBinary = (env = process.env) => join(claudeAgentAcpDir(env), 'node_modules', '.bin', 'claude-agent-acp');

export function ensureClaudeAgentAcp({ env = process.env, log } = {}) {
  return ensureNpmProgram({
    label: 'claude-agent-acp',
    pkg: CLAUDE_AGENT_ACP_PACKAGE,
    version: CLAUDE_AGENT_ACP_VERSION,
    bin: 'claude-agent-acp',
    dir: claudeAgentAcpDir(env),
    expect: CLAUDE_AGENT_ACP_VERSION,
    dirEnv: 'BOSS_CLAUDE_AGENT_ACP_DIR',
    size: 'about 250 MB',
    allowScripts: true,
    missingHint: 'check that npm did not skip optional dependencies (--omit=optional): the Claude Code binary inside comes from one.',
    log,
  });
}

runAsScript(import.meta.url, 'claude-agent-acp', ensureClaudeAgentAcp);
