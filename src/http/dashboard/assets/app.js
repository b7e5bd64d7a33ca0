// The operator's dashboard. Loads /dashboard/api/overview once, then follows /events and updates
// only the DOM nodes of the agent an event is about (one card per agent, keyed by space and name).

import { api, clearToken, getToken, setToken, Unauthorized } from './api.js';
import { initNotifications, openFromHash, setWaitingCount, showNotification } from './notify.js';
import { follow } from './sse.js';
import { clockTime, el, formatDuration, setAttr, setHidden, setText } from './view.js';

/** Every state and how it reads, in display order: from the overview (the hub's one list), never written here. */
let STATES = [];
let STATE_LABELS = {};
/** How often the terminal previews are refreshed while the tab is visible. */
const PREVIEW_EVERY_MS = 3000;
/** A full reload of the overview now and then picks up what no event carries (stale flags). */
const OVERVIEW_EVERY_MS = 30_000;
const PREVIEW_LINES = 8;

const $ = (id) => document.getElementById(id);
/** How names are folded for matching: the page's copy of the one rule (src/store/name-key.ts), checked equal by a test. */
const nameKey = (name) => String(name).toLowerCase();
const keyOf = (space, agent) => JSON.stringify([nameKey(space), nameKey(agent)]);

/** agent key → { data, view, space }; space key → { name, section, grid, count }; agent key → tray item. */
const agents = new Map();
const spaces = new Map();
const tray = new Map();
let actions = new Set();
let stream;
let signedIn = false;
let filterText = '';

// ── boot and sign-in ────────────────────────────────────────────────────────

async function boot() {
  try {
    const overview = await api('/dashboard/api/overview');
    signedIn = true;
    setHidden($('login'), true);
    setHidden($('main'), false);
    setHidden($('signout'), !overview.token_required);
    applyOverview(overview);
    // A link to a prompt or an agent (a notification's, a webhook's dashboard_url) opens it.
    openFromHash();
    if (!stream) startStream(overview.event_id);
    void loadPreviews();
  } catch (err) {
    if (err instanceof Unauthorized) return showLogin(getToken() ? 'That token was refused: check the one the hub was started with.' : '');
    showLoadError(err);
    setTimeout(boot, 2000);
  }
}

function showLogin(message) {
  signedIn = false;
  stream?.stop();
  stream = undefined;
  clearToken();
  setConn('signed-out', 'sign in to see the agents');
  setHidden($('main'), true);
  setHidden($('login'), false);
  setText($('login-error'), message ?? '');
  $('token').focus();
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = $('token').value.trim();
  if (!token) return;
  setToken(token);
  $('token').value = '';
  setText($('login-error'), '');
  void boot();
});

$('signout').addEventListener('click', () => showLogin(''));

function showLoadError(err) {
  const node = $('load-error');
  setText(node, `Could not load the agents: ${err instanceof Error ? err.message : String(err)}. Retrying…`);
  setHidden(node, false);
  setHidden($('main'), false);
}

function setConn(state, detail) {
  const node = $('conn');
  node.dataset.state = state;
  setText(node, state === 'live' ? 'live' : state === 'reconnecting' ? 'reconnecting…' : state === 'signed-out' ? 'signed out' : 'connecting…');
  node.title = detail ?? '';
}

// ── live events ─────────────────────────────────────────────────────────────

function startStream(eventId) {
  let wasLive = false;
  stream = follow('/events', {
    lastId: eventId,
    onStatus: (state, detail) => {
      setConn(state, detail);
      if (state === 'live') {
        // Replay after Last-Event-ID covers the gap; a reload also catches a reset database.
        if (wasLive) scheduleOverview();
        wasLive = true;
      }
    },
    onUnauthorized: () => showLogin('The hub refused the token.'),
    onEvent: ({ event, data }) => {
      if (event === 'session_liveness' && Array.isArray(data)) {
        for (const row of data) {
          const entry = agents.get(keyOf(row.space, row.agent));
          if (entry) applyLiveness(entry, row);
          else scheduleOverview();
        }
      } else if (event === 'agent_updated') {
        const entry = agents.get(keyOf(data.space, data.agent));
        if (entry) {
          entry.data.status = data.status;
          entry.data.summary = data.summary;
          entry.data.stale = false;
          entry.data.reported_at = new Date().toISOString();
          render(entry);
        } else scheduleOverview();
      } else if (event === 'agent_registered') {
        scheduleOverview();
      } else if (event === 'agent_deleted') {
        removeAgent(keyOf(data.space, data.agent));
      } else if (event === 'notification') {
        showNotification(data);
      }
      renderCounts();
    },
  });
}

let overviewTimer;
function scheduleOverview() {
  clearTimeout(overviewTimer);
  overviewTimer = setTimeout(async () => {
    try {
      applyOverview(await api('/dashboard/api/overview'));
      setHidden($('load-error'), true);
    } catch (err) {
      if (err instanceof Unauthorized) showLogin('The hub refused the token.');
      else showLoadError(err);
    }
  }, 250);
}
setInterval(() => {
  if (signedIn && document.visibilityState === 'visible') scheduleOverview();
}, OVERVIEW_EVERY_MS);

// ── the model ───────────────────────────────────────────────────────────────

function applyOverview(overview) {
  actions = new Set(overview.actions ?? []);
  STATES = overview.states.map((s) => s.state);
  STATE_LABELS = Object.fromEntries(overview.states.map((s) => [s.state, s.label]));
  document.body.dataset.readOnly = String(Boolean(overview.read_only));
  const keep = new Set();
  for (const row of overview.agents) {
    const key = keyOf(row.space, row.agent);
    keep.add(key);
    const entry = agents.get(key) ?? createAgent(key, row);
    const preview = entry.data.preview;
    entry.data = { ...row, preview };
    render(entry);
  }
  for (const key of [...agents.keys()]) if (!keep.has(key)) removeAgent(key);
  setHidden($('no-agents'), agents.size > 0);
  setHidden($('load-error'), true);
  renderCounts();
}

/** A session_liveness row: the live fields replace the old ones (absent = cleared). */
function applyLiveness(entry, row) {
  const d = entry.data;
  const stateChanged = d.state !== row.state;
  for (const f of ['exists', 'state', 'resumable', 'needs_approval', 'tool_name', 'prompt_text', 'prompt_id', 'since', 'approval_since', 'prompt_since', 'source']) d[f] = row[f];
  render(entry);
  if (stateChanged) schedulePreviews();
}

function removeAgent(key) {
  const entry = agents.get(key);
  if (!entry) return;
  agents.delete(key);
  entry.view.root.remove();
  removeTrayItem(key);
  const space = entry.space;
  space.size--;
  if (space.size === 0) {
    space.section.remove();
    spaces.delete(space.key);
  } else renderSpace(space);
  setHidden($('no-agents'), agents.size > 0);
}

// ── agent cards ─────────────────────────────────────────────────────────────

function spaceFor(name) {
  const key = nameKey(name);
  let space = spaces.get(key);
  if (space) return space;
  const count = el('span', { className: 'space-count' });
  const grid = el('div', { className: 'grid' });
  const section = el('section', { className: 'space', 'data-space': name }, el('h2', {}, el('span', { className: 'space-name' }, name), count), grid);
  space = { key, name, section, grid, count, size: 0 };
  spaces.set(key, space);
  const container = $('spaces');
  const after = [...spaces.values()].filter((s) => s !== space && s.key > key).sort((a, b) => (a.key < b.key ? -1 : 1))[0];
  container.insertBefore(section, after?.section ?? null);
  return space;
}

function createAgent(key, row) {
  const space = spaceFor(row.space);
  const v = {};
  v.badge = el('span', { className: 'badge' });
  v.name = el('h3', { className: 'name' });
  v.role = el('span', { className: 'role' });
  v.parent = el('span', { className: 'parent' });
  v.program = el('span', { className: 'program', title: 'the agent program its screen is read as' });
  v.source = el('span', { className: 'source', title: 'where the state was read from' });
  v.since = el('time', { className: 'since' });
  v.status = el('span', { className: 'status' });
  v.stale = el('span', { className: 'stale', title: 'no report for a long time' }, 'stale');
  v.reported = el('time', { className: 'reported' });
  v.summary = el('p', { className: 'summary' });
  v.preview = el('pre', { className: 'preview', tabIndex: 0, 'aria-label': 'last lines of the terminal' });
  v.result = el('output', { className: 'result', 'aria-live': 'polite' });
  v.text = el('textarea', { rows: 2, placeholder: `Type to ${row.agent}… (Ctrl+Enter sends)`, 'aria-label': `message to ${row.agent}` });
  v.send = el('button', { type: 'submit', className: 'primary' }, 'Send');
  v.interrupt = el('button', { type: 'button', className: 'interrupt', title: "Stop its current work (the program's own key: Escape, or Ctrl-C for a shell)" }, 'Interrupt');
  v.resume = el('button', { type: 'button', className: 'resume', title: 'Start it again in its work directory with its conversation (resume_agent)' }, 'Resume');
  v.form = el('form', { className: 'send' }, v.text, el('div', { className: 'buttons' }, v.send, v.interrupt, v.resume));
  v.root = el(
    'article',
    { className: 'agent', 'data-key': key, 'data-space': row.space, 'data-agent': row.agent },
    el('div', { className: 'head' }, v.badge, v.name, v.role),
    el('div', { className: 'meta' }, v.parent, v.program, v.source, el('span', { className: 'for' }, 'for ', v.since)),
    el('div', { className: 'report' }, v.status, v.stale, v.reported),
    v.summary,
    v.preview,
    v.form,
    v.result,
  );
  const entry = { key, data: { ...row }, view: v, space, shown: {} };
  v.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void sendText(entry);
  });
  v.text.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      void sendText(entry);
    }
  });
  v.interrupt.addEventListener('click', () => void interrupt(entry));
  v.resume.addEventListener('click', () => void resume(entry));

  // Keep the space's cards in name order.
  const lower = nameKey(row.agent);
  const next = [...space.grid.children].find((c) => nameKey(agents.get(c.dataset.key)?.data.agent ?? '') > lower);
  space.grid.insertBefore(v.root, next ?? null);
  space.size++;
  agents.set(key, entry);
  markSpace(space);
  return entry;
}

/** Writes what changed since the last render of this card, and nothing else. */
function render(entry) {
  const d = entry.data;
  const v = entry.view;
  if (v.root.dataset.state !== d.state) v.root.dataset.state = d.state;
  setText(v.badge, STATE_LABELS[d.state] ?? d.state);
  setText(v.name, d.agent);
  setText(v.role, d.role ?? '');
  setHidden(v.role, !d.role);
  setText(v.parent, d.parent ? `reports to ${d.parent}` : 'top level');
  // The program, and the host whose hub owns the session (hubs of several hosts sharing one store).
  setText(v.program, [d.agent_kind, d.host && `on ${d.host}`].filter(Boolean).join(' · '));
  setHidden(v.program, !d.agent_kind && !d.host);
  setText(v.source, d.source ?? 'screen');
  // A headless agent (backend acp) has no terminal: its preview is the conversation's transcript.
  const kind = d.backend === 'acp' ? 'transcript' : 'terminal';
  if (v.preview.dataset.kind !== kind) {
    v.preview.dataset.kind = kind;
    v.preview.setAttribute('aria-label', kind === 'transcript' ? 'last lines of the conversation (headless agent)' : 'last lines of the terminal');
    v.preview.title = kind === 'transcript' ? 'the conversation of a headless agent (no terminal)' : '';
  }
  // A prompt has waited since it first showed (even if its text or source changed since), not
  // since the first of several prompts in a row.
  setTime(v.since, d.state === 'waiting_approval' ? promptSince(d) : d.since);
  setHidden(v.since.parentNode, !d.since);
  setText(v.status, d.status);
  if (v.status.dataset.status !== d.status) v.status.dataset.status = d.status;
  setHidden(v.stale, !d.stale);
  setTime(v.reported, d.reported_at, 'reported ', ' ago');
  setHidden(v.reported, !d.reported_at);
  setText(v.summary, d.summary || '(no report yet)');
  setHidden(v.form, !actions.has('send'));
  setHidden(v.interrupt, !actions.has('interrupt'));
  setHidden(v.resume, !actions.has('resume') || !d.resumable);
  v.send.disabled = !d.registered;
  v.interrupt.disabled = !d.registered;
  setHidden(v.root, !matchesFilter(d));
  syncTray(entry);
  markSpace(entry.space);
}

/** Space headings are recounted once per batch of renders, not once per card. */
const dirtySpaces = new Set();
function markSpace(space) {
  if (dirtySpaces.size === 0) queueMicrotask(() => {
    for (const s of dirtySpaces) if (spaces.get(s.key) === s) renderSpace(s);
    dirtySpaces.clear();
  });
  dirtySpaces.add(space);
}

function renderPreview(entry, preview) {
  entry.data.preview = preview;
  const node = entry.view.preview;
  const what = entry.data.backend === 'acp' ? 'transcript' : 'screen';
  const text = preview.lines
    ? preview.lines.join('\n')
    : entry.data.state === 'missing'
      ? `(no ${what}: the session no longer exists)`
      : `(no ${what}: ${preview.error ?? 'not readable'})`;
  setText(node, text);
  node.classList.toggle('unavailable', !preview.lines);
}

function renderSpace(space) {
  let shown = 0;
  const counts = {};
  for (const entry of agents.values()) {
    if (entry.space !== space) continue;
    counts[entry.data.state] = (counts[entry.data.state] ?? 0) + 1;
    if (!entry.view.root.hidden) shown++;
  }
  const parts = STATES.filter((s) => counts[s]).map((s) => `${counts[s]} ${STATE_LABELS[s]}`);
  setText(space.count, parts.join(' · '));
  setHidden(space.section, shown === 0 && filterText !== '');
}

function renderCounts() {
  const counts = {};
  for (const entry of agents.values()) counts[entry.data.state] = (counts[entry.data.state] ?? 0) + 1;
  const parts = [`${agents.size} agent${agents.size === 1 ? '' : 's'}`, ...STATES.filter((s) => counts[s]).map((s) => `${counts[s]} ${STATE_LABELS[s]}`)];
  setText($('counts'), parts.join(' · '));
  setText($('tray-count'), String(tray.size));
  setWaitingCount(tray.size);
  setHidden($('tray-empty'), tray.size > 0);
  $('tray').dataset.pending = String(tray.size > 0);
}

// ── time stamps ─────────────────────────────────────────────────────────────

function setTime(node, iso, prefix = '', suffix = '') {
  setAttr(node, 'datetime', iso ?? undefined);
  node.dataset.prefix = prefix;
  node.dataset.suffix = suffix;
  node.title = iso ? clockTime(iso) : '';
  tickTime(node, Date.now());
}

function tickTime(node, now) {
  const iso = node.getAttribute('datetime');
  if (!iso) return setText(node, '');
  setText(node, `${node.dataset.prefix ?? ''}${formatDuration(now - Date.parse(iso))}${node.dataset.suffix ?? ''}`);
}

setInterval(() => {
  const now = Date.now();
  for (const node of document.querySelectorAll('time[datetime]')) tickTime(node, now);
}, 1000);

// ── approval tray ───────────────────────────────────────────────────────────

function syncTray(entry) {
  const d = entry.data;
  if (!(d.needs_approval || d.state === 'waiting_approval')) return removeTrayItem(entry.key);
  let item = tray.get(entry.key);
  if (!item) {
    item = { promptId: undefined };
    item.agent = el('strong', { className: 'who' });
    item.space = el('span', { className: 'space-name' });
    item.tool = el('span', { className: 'tool' });
    item.since = el('time', { className: 'since' });
    item.subject = el('pre', { className: 'subject' });
    item.result = el('output', { className: 'result', 'aria-live': 'polite' });
    const button = (decision, label, title) => {
      const b = el('button', { type: 'button', className: `decision-${decision}`, title, 'data-decision': decision }, label);
      b.addEventListener('click', () => void approve(entry, item, decision));
      return b;
    };
    item.buttons = el(
      'div',
      { className: 'buttons' },
      button('yes', 'Yes', 'Allow once'),
      button('always', 'Always', 'Allow and stop asking for this kind of call'),
      button('no', 'No', 'Refuse'),
    );
    item.root = el(
      'li',
      { className: 'prompt', 'data-key': entry.key, 'data-space': d.space, 'data-agent': d.agent },
      el('div', { className: 'line' }, item.agent, item.space, item.tool, el('span', { className: 'for' }, 'waiting ', item.since)),
      item.subject,
      item.buttons,
      item.result,
    );
    tray.set(entry.key, item);
    const list = $('tray-list');
    const next = [...list.children].find((c) => c.dataset.key > entry.key);
    list.insertBefore(item.root, next ?? null);
  }
  if (item.promptId !== d.prompt_id) {
    // A different prompt: an answer shown for the old one no longer applies.
    item.promptId = d.prompt_id;
    setAttr(item.root, 'data-prompt-id', d.prompt_id);
    setText(item.result, '');
    item.result.className = 'result';
  }
  setText(item.agent, d.agent);
  setText(item.space, d.space);
  setText(item.tool, d.tool_name ?? 'permission prompt');
  setText(item.subject, d.prompt_text ?? '');
  setTime(item.since, promptSince(d));
  for (const b of item.buttons.children) setHidden(b, !actions.has('approve'));
}

/** When the pending prompt first showed (approval_since: the first of several in a row; from an older hub). */
function promptSince(d) {
  return d.prompt_since ?? d.approval_since ?? d.since;
}

function removeTrayItem(key) {
  const item = tray.get(key);
  if (!item) return;
  tray.delete(key);
  item.root.remove();
}

// ── actions ─────────────────────────────────────────────────────────────────

function showResult(node, ok, text) {
  node.className = `result ${ok ? 'ok' : 'error'}`;
  setText(node, text);
}

async function run(buttons, node, pending, call, describe) {
  for (const b of buttons) b.disabled = true;
  node.className = 'result pending';
  setText(node, pending);
  try {
    const res = await call();
    showResult(node, true, describe(res));
    return true;
  } catch (err) {
    if (err instanceof Unauthorized) showLogin('The hub refused the token.');
    else showResult(node, false, err instanceof Error ? err.message : String(err));
    return false;
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

async function sendText(entry) {
  const { view: v, data: d } = entry;
  const text = v.text.value;
  if (text.trim() === '') return showResult(v.result, false, 'Type a message first.');
  const ok = await run([v.send], v.result, 'sending…', () => api('/dashboard/api/send', { space: d.space, agent: d.agent, text }), () => `sent at ${new Date().toLocaleTimeString()}`);
  if (ok && v.text.value === text) v.text.value = '';
  schedulePreviews();
}

async function interrupt(entry) {
  const { view: v, data: d } = entry;
  await run([v.interrupt], v.result, 'interrupting…', () => api('/dashboard/api/interrupt', { space: d.space, agent: d.agent }), (r) =>
    r.stopped ? 'interrupted' : 'interrupt sent; it still looks busy',
  );
  schedulePreviews();
}

async function resume(entry) {
  const { view: v, data: d } = entry;
  await run([v.resume], v.result, 'resuming…', () => api('/dashboard/api/resume', { space: d.space, agent: d.agent }), (r) =>
    r.ready ? `resumed in session ${r.session_id}` : `started in session ${r.session_id}; its input box did not show yet (${r.state})`,
  );
  scheduleOverview();
}

async function approve(entry, item, decision) {
  const d = entry.data;
  const body = { space: d.space, agent: d.agent, decision, ...(item.promptId && { prompt_id: item.promptId }) };
  const ok = await run([...item.buttons.children], item.result, 'answering…', () => api('/dashboard/api/approve', body), (r) =>
    `answered "${r.decision}"${r.tool_name ? ` to ${r.tool_name}` : ''}${r.cleared ? '' : ' (the prompt is still shown)'}`,
  );
  if (ok) showResult(entry.view.result, true, `${item.result.textContent} at ${new Date().toLocaleTimeString()}`);
  schedulePreviews();
}

// ── terminal previews ───────────────────────────────────────────────────────

let previewTimer;
let previewsRunning = false;
function schedulePreviews() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => void loadPreviews(), 300);
}

async function loadPreviews() {
  if (!signedIn || previewsRunning) return;
  previewsRunning = true;
  try {
    const { previews } = await api(`/dashboard/api/previews?lines=${PREVIEW_LINES}`);
    for (const p of previews) {
      const entry = agents.get(keyOf(p.space, p.agent));
      if (entry) renderPreview(entry, p);
    }
  } catch (err) {
    if (err instanceof Unauthorized) showLogin('The hub refused the token.');
  } finally {
    previewsRunning = false;
  }
}
setInterval(() => {
  if (document.visibilityState === 'visible') void loadPreviews();
}, PREVIEW_EVERY_MS);

// ── filter ──────────────────────────────────────────────────────────────────

function matchesFilter(d) {
  if (filterText === '') return true;
  return [d.agent, d.space, d.role, d.parent, d.agent_kind, d.host, d.summary, d.state, d.status].some((s) => typeof s === 'string' && s.toLowerCase().includes(filterText));
}

$('filter').addEventListener('input', () => {
  filterText = $('filter').value.trim().toLowerCase();
  for (const entry of agents.values()) setHidden(entry.view.root, !matchesFilter(entry.data));
  for (const space of spaces.values()) renderSpace(space);
});

initNotifications();
void boot();
