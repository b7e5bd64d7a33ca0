// Requests to the hub. With --token every data route needs "Authorization: Bearer <token>"; the
// token is asked for once and kept in sessionStorage (this tab only, never in a URL).

const TOKEN_KEY = 'agent-boss.token';

export const getToken = () => sessionStorage.getItem(TOKEN_KEY) ?? '';
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** Thrown for a 401: the page shows the login form. */
export class Unauthorized extends Error {}

/** Headers every request carries (plus the token when there is one). */
export function authHeaders(extra = {}) {
  const token = getToken();
  return token ? { ...extra, Authorization: `Bearer ${token}` } : { ...extra };
}

/** GET or POST JSON; resolves with the parsed body, rejects with the server's error sentence. */
export async function api(path, body) {
  const init = body === undefined
    ? { headers: authHeaders(), cache: 'no-store' }
    : { method: 'POST', headers: authHeaders({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) };
  let res;
  try {
    res = await fetch(path, { ...init, credentials: 'same-origin' });
  } catch (err) {
    throw new Error(`the hub did not answer (${err instanceof Error ? err.message : String(err)})`);
  }
  const text = await res.text();
  let data;
  try {
    data = text === '' ? {} : JSON.parse(text);
  } catch {
    data = { error: text.slice(0, 300) };
  }
  if (res.status === 401) throw new Unauthorized(data.error ?? 'unauthorized');
  if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}
