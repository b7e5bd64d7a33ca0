/** The tools every server offers, in the order clients list them: written out, so a test of the surface can fail. */
export const TOOL_NAMES = [
  'register_session',
  'report_status',
  'send_input',
  'approve',
  'interrupt',
  'list_liveness',
  'set_approval_rule',
  'list_approval_rules',
  'delete_approval_rule',
  'list_approval_decisions',
  'spawn_agent',
  'stop_agent',
  'resume_agent',
  'delete_agent',
  'capture_output',
  'wait_for',
];
