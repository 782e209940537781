// The only way the console talks to the service: the public /v1 API with the admin key as a Bearer token.
// The key lives in this module's memory and, unless the operator opts out, in sessionStorage (this tab only);
// it never goes into a URL, a cookie or local storage.

const STORAGE = 'budget-ledger.console.key';
const STARTED = 'budget-ledger.console.started';
const ACTIVE = 'budget-ledger.console.active';
const ROLE = 'budget-ledger.console.role';

/** A session ends after this long without a click or a key press (refreshes that run by themselves do not count)… */
export const IDLE_MS = 30 * 60 * 1000;
/** …and after this long in any case. */
export const MAX_MS = 12 * 3600 * 1000;

let key = sessionStorage.getItem(STORAGE);
let remembered = Boolean(key);
let started = Number(sessionStorage.getItem(STARTED)) || Date.now();
let active = Number(sessionStorage.getItem(ACTIVE)) || Date.now();
let role = sessionStorage.getItem(ROLE);

function store() {
  if (!remembered || !key) return;
  sessionStorage.setItem(STARTED, String(started));
  sessionStorage.setItem(ACTIVE, String(active));
  if (role) sessionStorage.setItem(ROLE, role);
}

export const session = {
  get signedIn() {
    return Boolean(key);
  },
  /** ADMIN or VIEWER (null until the service said). */
  get role() {
    return role;
  },
  set role(value) {
    role = value;
    store();
  },
  get readOnly() {
    return role !== 'ADMIN';
  },
  signIn(secret, remember) {
    key = secret;
    remembered = remember;
    started = Date.now();
    active = started;
    role = null;
    for (const name of [STORAGE, STARTED, ACTIVE, ROLE]) sessionStorage.removeItem(name);
    if (remember) sessionStorage.setItem(STORAGE, secret);
    store();
  },
  signOut() {
    key = null;
    role = null;
    for (const name of [STORAGE, STARTED, ACTIVE, ROLE]) sessionStorage.removeItem(name);
  },
  /** The person did something: the idle clock starts again. */
  touch() {
    active = Date.now();
    store();
  },
  /** Why the session is over (idle too long, open too long), or null while it lasts. */
  get expired() {
    if (!key) return null;
    // Another tab of the same session may have been active: its stored time counts.
    const stored = Number(sessionStorage.getItem(ACTIVE)) || 0;
    const last = Math.max(active, remembered ? stored : 0);
    if (Date.now() - last > IDLE_MS) return `the session ended after ${IDLE_MS / 60000} minutes without activity`;
    if (Date.now() - started > MAX_MS) return `the session ended after ${MAX_MS / 3600000} hours`;
    return null;
  },
};

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  get code() {
    return this.problem.code;
  }

  /** The endpoint itself does not exist on this server (an older version), as opposed to a missing budget. */
  get unavailable() {
    return (this.status === 404 && (this.code === 'NOT_FOUND' || !this.code)) || this.status === 405
      || this.status === 501;
  }
}

let onUnauthenticated = () => {};
let onExpired = () => {};

/** Called when the session is over (idle or too old): the console signs out. */
export function whenExpired(handler) {
  onExpired = handler;
}

/** Called when the service stops accepting the key (revoked, expired): the console signs out. */
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

export async function api(path, { method = 'GET', body, query, signingIn = false } = {}) {
  const ended = session.expired;
  if (ended) {
    onExpired(ended);
    throw new ApiError(401, { title: `Signed out: ${ended}.` });
  }
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  const headers = { Accept: 'application/json, application/problem+json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, { title: 'The service cannot be reached', detail: String(error.message || error) });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { title: text.slice(0, 200) };
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && key && !signingIn) onUnauthenticated(error);
    throw error;
  }
  return data;
}

/** Every item of a cursor-paged list, up to maxPages pages. */
export async function all(path, query = {}, maxPages = 10) {
  const items = [];
  let cursor;
  for (let page = 0; page < maxPages; page += 1) {
    const result = await api(path, { query: { ...query, limit: 200, cursor } });
    items.push(...result.items);
    cursor = result.nextCursor;
    if (!cursor) return { items, complete: true };
  }
  return { items, complete: false };
}
