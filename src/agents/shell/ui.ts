/**
 * A plain shell or REPL (bash, zsh, python, node …) as an AgentUi: idle at its prompt, working
 * while a command runs, interrupted with Ctrl-C. It shows no dialogs and draws no input box (typed
 * text is given a fixed pause before Enter).
 *
 * What is read from the screen alone (the cursor is not seen): the last non-empty line ends with
 * a prompt (`$`, `#`, `%`, `>`, `>>>`, `❯`, `»`, `:` of `In [1]:`) → idle; anything else (a command
 * line with the command after its prompt, output) → working. So text typed at a prompt but not
 * submitted reads as working, like a silent command would.
 */
import type { AgentUi, DialogAnswer, InterruptPlan, ScreenReading } from '../../backends/agent-ui.js';
import { BackendError } from '../../backends/errors.js';

export const SHELL = 'shell';

/** Shells and REPLs as the pane's foreground program (not node: Codex and Gemini run as node). */
const SHELL_PROGRAMS = ['bash', 'zsh', 'sh', 'dash', 'ksh', 'fish', 'tcsh', 'csh', 'python', 'python3', 'ipython', 'irb', 'psql', 'sqlite3'];

/** A prompt at the end of the last line: shells (`$ # %`), REPLs (`> >>> ❯ » In [1]:`). */
const PROMPT_END = /(?:[$#%>❯»]|\bIn \[\d+\]:|\.\.\.)$/u;

export function parseShellScreen(lines: readonly string[]): ScreenReading {
  const rows = lines.flatMap((l) => l.split('\n')).map((l) => l.trimEnd());
  const last = rows.filter((r) => r.trim() !== '').at(-1);
  if (last === undefined) return { state: 'working', starting: true };
  const lastLine = last.trim();
  if (PROMPT_END.test(lastLine)) return { state: 'idle', lastLine };
  return { state: 'working', lastLine };
}

/** Ctrl-C; a second one if the command still runs a second later (a program that asks to confirm). */
const INTERRUPT: InterruptPlan = { key: 'C-c', confirmWaitMs: 1_000 };

function answerKeys(_dialog: ScreenReading, _decision: unknown, _option: unknown, where: string): DialogAnswer {
  throw new BackendError(`${where} runs a plain shell, which shows no permission prompts. Nothing was sent.`, 'option_unavailable');
}

export function shellUi(): AgentUi {
  return {
    kind: SHELL,
    // The session's own shell is the program: nothing is typed, no ignite prompt, nothing to skip.
    launch: { takesIgnition: false, skipPermissionWords: [] },
    programNames: SHELL_PROGRAMS,
    parse: parseShellScreen,
    answerKeys,
    interruptPlan: INTERRUPT,
    dialogSettleMs: 0,
    // No input box to watch: the backend pauses briefly before Enter instead.
    inputBoxText: () => undefined,
    inputShows: () => true,
    mustShowExactly: () => false,
    inputIs: () => true,
    lostStart: () => false,
    clearInputKey: 'C-u',
  };
}
