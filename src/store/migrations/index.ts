import type { Database } from 'better-sqlite3';
import { initial } from './001-initial.js';
import { actionTickets } from './002-action-tickets.js';

export interface Migration {
  /** Becomes `PRAGMA user_version` once applied; consecutive from 1. */
  version: number;
  name: string;
  up(db: Database): void;
}

/** The ledger: append only, never edit an applied entry. */
export const migrations: readonly Migration[] = [initial, actionTickets];

export const LATEST_VERSION = migrations.length;
