// Browser notifications and the tab title: the hub decides each `notification` event once (the
// monitor's lease holder) and this page shows it with the Notification API, asked for only when the
// operator presses "Notify me" (a user gesture, never on load). Clicking a notification opens its
// prompt in the tray (`#prompt=<space>/<agent>`; a webhook's dashboard_url is the same link).

/**
 * A replayed event older than this (the stream caught up after a laptop slept) is not shown; wide
 * enough that a phone whose clock is a few minutes off still shows what is new.
 */
const FRESH_MS = 10 * 60_000;
const TITLE = 'agent-boss';

const button = () => document.getElementById('notify-enable');
const supported = () => typeof Notification === 'function';

/** Shows "Notify me" while the browser has not been asked; pressing it asks once. */
export function initNotifications() {
  const b = button();
  const refresh = () => {
    b.hidden = !supported() || Notification.permission !== 'default';
  };
  refresh();
  b.addEventListener('click', async () => {
    if (!supported()) return;
    b.disabled = true;
    try {
      await Notification.requestPermission();
    } finally {
      b.disabled = false;
      refresh();
    }
  });
  window.addEventListener('hashchange', () => openFromHash());
}

/** The tab's title carries how many prompts wait: "(2) agent-boss". */
export function setWaitingCount(n) {
  const title = n > 0 ? `(${n}) ${TITLE}` : TITLE;
  if (document.title !== title) document.title = title;
}

/** A `notification` event from the feed: a system notification, when allowed and still fresh. */
export function showNotification(event) {
  if (!supported() || Notification.permission !== 'granted' || !event || typeof event !== 'object') return;
  if (Date.now() - Date.parse(event.at) > FRESH_MS) return;
  const target = `${event.kind === 'prompt' ? 'prompt' : 'agent'}=${encodeURIComponent(event.space)}/${encodeURIComponent(event.agent)}`;
  const body = event.kind === 'prompt' ? [event.tool, event.subject].filter(Boolean).join(': ') : event.text;
  // One notification per prompt (or per agent and kind): another tab's, or a repeat, replaces it.
  const n = new Notification(String(event.title ?? TITLE), { body: String(body ?? ''), tag: `${event.space}/${event.agent}/${event.prompt_id ?? event.kind}` });
  n.addEventListener('click', () => {
    window.focus();
    if (location.hash === `#${target}`) openFromHash();
    else location.hash = target;
    n.close();
  });
}

/**
 * Opens what the address names: `#prompt=space/agent` scrolls to that prompt in the tray and puts the
 * focus on its first answer (or on the agent's card once the prompt is gone), `#agent=space/agent`
 * the agent's card.
 */
export function openFromHash() {
  const m = /^#(prompt|agent)=([^/]*)\/(.*)$/.exec(location.hash);
  if (!m) return;
  let space;
  let agent;
  try {
    space = decodeURIComponent(m[2]);
    agent = decodeURIComponent(m[3]);
  } catch {
    return;
  }
  const sel = `[data-space="${CSS.escape(space)}"][data-agent="${CSS.escape(agent)}"]`;
  const item = m[1] === 'prompt' ? document.querySelector(`#tray-list li${sel}`) : null;
  const node = item ?? document.querySelector(`article.agent${sel}`);
  if (!node) return;
  for (const old of document.querySelectorAll('.targeted')) old.classList.remove('targeted');
  node.classList.add('targeted');
  node.scrollIntoView({ block: 'start' });
  const first = item?.querySelector('.buttons button:not([hidden])') ?? node.querySelector('textarea');
  first?.focus({ preventScroll: true });
}
