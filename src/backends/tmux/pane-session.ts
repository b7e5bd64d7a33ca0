import { execFile } from 'node:child_process';

/**
 * The tmux session a process inherited (`TMUX`, `TMUX_PANE`): one `tmux display-message`, bounded
 * by `timeoutMs`; undefined outside tmux or when tmux does not answer in time. Node built-ins only,
 * so the hook command (which starts once per hook event) can use it cheaply.
 */
export function tmuxSessionOf(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | undefined> {
  const pane = env.TMUX_PANE;
  const socket = env.TMUX?.split(',')[0];
  if (!pane || !/^%\d+$/.test(pane) || !socket) return Promise.resolve(undefined);
  return new Promise((done) => {
    execFile('tmux', ['-S', socket, 'display-message', '-p', '-t', pane, '#{session_name}'], { timeout: Math.max(1, Math.floor(timeoutMs)), encoding: 'utf8' }, (err, out) => {
      const name = err ? '' : out.trim();
      done(name === '' ? undefined : name);
    });
  });
}
