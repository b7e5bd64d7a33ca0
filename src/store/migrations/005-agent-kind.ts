import type { Migration } from './index.js';

/**
 * The agent program each agent runs (`claude-code`, later Codex CLI, aider …): the session backend
 * reads and answers its screen with that program's UI (src/agents/<kind>/). NULL means the kind was
 * never named: the backend's default (claude-code). Existing rows keep NULL.
 */
export const agentKind: Migration = {
  version: 5,
  name: 'agent-kind',
  up(db) {
    db.exec(`ALTER TABLE agents ADD COLUMN agent_kind TEXT;`);
  },
};
