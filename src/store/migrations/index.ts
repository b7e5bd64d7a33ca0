import type { Database } from 'better-sqlite3';
import { initial } from './001-initial.js';
import { agentTokens } from './002-agent-tokens.js';
import { hooks } from './003-hooks.js';
import { actionTickets } from './004-action-tickets.js';
import { agentKind } from './005-agent-kind.js';
import { resume } from './006-resume.js';
import { hosts } from './007-hosts.js';
import { remoteActions } from './008-remote-actions.js';

export interface Migration {
  /** Becomes `PRAGMA user_version` once applied; consecutive from 1. */
  version: number;
  name: string;
  up(db: Database): void;
}

/** The ledger: append only, never edit an applied entry. */
export const migrations: readonly Migration[] = [initial, agentTokens, hooks, actionTickets, agentKind, resume, hosts, remoteActions];

/** The version of the last entry. */
export const LATEST_VERSION = migrations.at(-1)!.version;
