import type { Migration } from './index.js';

/**
 * What restarts an agent with its conversation (resume_agent): the agent program's own id of its
 * conversation (`program_session_id`, e.g. Claude Code's session id, from its SessionStart hook or
 * the resume command its screen shows on exit), the command spawn_agent started it with
 * (`launch_command`, its flags kept for the restart) and the directory it ran in (`work_dir`: a
 * conversation belongs to its directory). NULL: not known; existing rows keep NULL.
 */
export const resume: Migration = {
  version: 6,
  name: 'resume',
  up(db) {
    db.exec(`
      ALTER TABLE agents ADD COLUMN program_session_id TEXT;
      ALTER TABLE agents ADD COLUMN launch_command TEXT;
      ALTER TABLE agents ADD COLUMN work_dir TEXT;
    `);
  },
};
