// The only way the console talks to the service: the public /v1 API with the admin key as a Bearer token.
// The key lives in this module's memory and, unless the operator opts out, in sessionStorage (this tab only);
// it never goes into a URL, a cookie or local storage.

const STORAGE = 'budget-ledger.console.key';

let key = sessionStorage.getItem(STORAGE);

export const session = {
  get signedIn() {
    return Boolean(key);
  },
  signIn(secret, remember) {
    key = secret;
    if (remember) sessionStorage.setItem(STORAGE, secret);
    else sessionStorage.removeItem(STORAGE);
  },
  signOut() {
    key = null;
    sessionStorage.removeItem(STORAGE);
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

/** Called when the service stops accepting the key (revoked, expired): the console signs out. */
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

export async function api(path, { method = 'GET', body, query, signingIn = false } = {}) {
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
