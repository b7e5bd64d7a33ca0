import type { Migration } from './index.js';

/**
 * FIFO queues of actions on agent sessions (send input, approve, interrupt), shared by every
 * process on the database: a process appends a ticket and acts when its ticket is the lowest live
 * one of the queue. `host`/`pid` and `expires_at` (renewed while the owner waits and acts) let
 * others drop the ticket of a process that died, so a crash cannot block a queue.
 */
export const actionTickets: Migration = {
  version: 4,
  name: 'action-tickets',
  up(db) {
    db.exec(`
      CREATE TABLE action_tickets (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        queue       TEXT NOT NULL,
        holder      TEXT NOT NULL,
        host        TEXT NOT NULL,
        pid         INTEGER NOT NULL,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX action_tickets_queue ON action_tickets(queue, id);
    `);
  },
};
