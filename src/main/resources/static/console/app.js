// Entry point: sign-in, navigation between views (hash routes carry ids only, never the key), announcements.

import { api, session, whenUnauthenticated, whenExpired } from './api.js';
import { h, clear, field } from './dom.js';
import { problemText } from './components.js';
import { budgetsView } from './views/budgets.js';
import { dashboardView } from './views/dashboard.js';
import { spendView } from './views/spend.js';
import { budgetView } from './views/budget.js';
import { holdsView } from './views/holds.js';
import { keysView } from './views/keys.js';
import { webhooksView } from './views/webhooks.js';

// The element views render into. Each render gets a fresh one: a slower render that started before (a list still
// loading when the user moved on) keeps writing into its own, detached element, never over the newer view.
let main = document.getElementById('view');
const nav = document.getElementById('nav');
const signOutButton = document.getElementById('sign-out');
const status = document.getElementById('status');
const errorBanner = document.getElementById('error');
const who = document.getElementById('who');

let cleanup = null;

/** Read out by screen readers (aria-live polite) without moving focus. */
export function announce(text) {
  status.textContent = text;
}

export function showError(error) {
  errorBanner.hidden = !error;
  errorBanner.textContent = error ? problemText(error) : '';
}

const routes = [
  [/^#\/dashboard(?:\/(24h|7d|30d|period))?$/, dashboardView],
  [/^#\/budgets\/([0-9a-f-]{36})\/spend(?:\/(24h|7d|30d|period))?(?:\/(time|model|key|enduser|metadata|budget|child|run))?(?:\/([^/]{1,300}))?$/,
    spendView],
  [/^#\/budgets\/([0-9a-f-]{36})$/, budgetView],
  [/^#\/keys\/([0-9a-f-]{36})$/, keysView],
  [/^#\/holds$/, holdsView],
  [/^#\/keys$/, keysView],
  [/^#\/webhooks$/, webhooksView],
  [/^#\/budgets$/, budgetsView],
];

async function render() {
  if (cleanup) cleanup();
  cleanup = null;
  showError(null);
  const ended = session.expired;
  if (ended) session.signOut();
  if (!session.signedIn) {
    signInView();
    if (ended) showError({ problem: { title: `Signed out: ${ended}.` } });
    return;
  }
  if (!session.role) {
    try {
      session.role = (await api('/v1/api-keys/self')).role;
    } catch (error) {
      if (!session.signedIn) return;
      session.role = 'VIEWER';
    }
  }
  document.body.classList.toggle('read-only', session.readOnly);
  who.textContent = session.readOnly ? 'read-only (VIEWER key)' : '';
  nav.hidden = false;
  signOutButton.hidden = false;
  const hash = window.location.hash || '#/dashboard';
  let view = dashboardView;
  let match = [];
  for (const [pattern, candidate] of routes) {
    const found = hash.match(pattern);
    if (found) {
      view = candidate;
      match = found;
      break;
    }
  }
  for (const link of nav.querySelectorAll('a')) {
    const current = hash.startsWith(link.getAttribute('href'));
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const target = main.cloneNode(false);
  main.replaceWith(target);
  main = target;
  clear(target, h('p', { class: 'muted' }, 'Loading…'));
  target.setAttribute('aria-busy', 'true');
  let viewCleanup = null;
  try {
    viewCleanup = await view(target, match.slice(1), { announce, rerender: render }) || null;
  } catch (error) {
    // Signed out meanwhile (key refused, session over): the sign-in form is already there.
    if (!session.signedIn) return;
    clear(target, h('h1', {}, 'Something went wrong'), h('p', { class: 'notice error' }, problemText(error)));
  } finally {
    target.removeAttribute('aria-busy');
  }
  if (target !== main) {
    // A newer render has taken over while this one loaded.
    if (viewCleanup) viewCleanup();
    return;
  }
  cleanup = viewCleanup;
  // After a change of view, keyboard and screen-reader users start at its heading, not at a link left behind.
  const heading = target.querySelector('h1');
  if (heading && !document.querySelector('dialog[open]')) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

function signInView() {
  nav.hidden = true;
  signOutButton.hidden = true;
  who.textContent = '';
  document.body.classList.remove('read-only');
  const secret = h('input', { type: 'password', name: 'api-key', autocomplete: 'off', required: true,
    spellcheck: 'false', placeholder: 'bl_live_…' });
  const remember = h('input', { type: 'checkbox', id: 'remember', checked: true });
  const message = h('div', { role: 'alert' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'panel sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in'),
    h('p', {}, 'Use an ADMIN key, or a VIEWER key to look without changing anything. It is sent only as an '
      + 'Authorization header to this service\'s /v1 API. A session ends after 30 minutes without activity.'),
    field('API key', secret),
    h('div', { class: 'check' }, remember, h('label', { for: 'remember' },
      'Keep me signed in in this browser tab (sessionStorage; closing the tab forgets the key)')),
    message, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = secret.value.trim();
    if (!value) {
      secret.focus();
      return;
    }
    button.disabled = true;
    session.signIn(value, remember.checked);
    try {
      // What the key is: a CLIENT key is for agents, not for the console; an unknown key gets 401.
      const self = await api('/v1/api-keys/self', { signingIn: true });
      if (self.role !== 'ADMIN' && self.role !== 'VIEWER') {
        throw Object.assign(new Error('client'), { status: 403 });
      }
      session.role = self.role;
      secret.value = '';
      announce('Signed in.');
      if (!window.location.hash) window.location.hash = '#/dashboard';
      else render();
    } catch (error) {
      session.signOut();
      message.replaceChildren(h('p', { class: 'notice error' }, error.status === 403
        ? 'This key is valid but is a CLIENT key; the console needs an ADMIN or a VIEWER key.'
        : error.status === 401 ? 'The service does not accept this key (unknown, revoked or expired).'
          : problemText(error)));
      secret.focus();
    } finally {
      button.disabled = false;
    }
  });
  clear(main, form);
  secret.focus();
}

signOutButton.addEventListener('click', () => {
  session.signOut();
  announce('Signed out.');
  render();
});

whenUnauthenticated(() => {
  session.signOut();
  render().then(() => showError({ problem: { title: 'Signed out: the service no longer accepts the key.' } }));
});

whenExpired((why) => {
  session.signOut();
  render().then(() => showError({ problem: { title: `Signed out: ${why}.` } }));
});

// Only what a person does keeps the session open; the live view's own refreshes do not.
for (const type of ['click', 'keydown']) document.addEventListener(type, () => session.touch(), { passive: true });
setInterval(() => {
  const ended = session.expired;
  if (ended) {
    session.signOut();
    render().then(() => showError({ problem: { title: `Signed out: ${ended}.` } }));
  }
}, 30 * 1000);

window.addEventListener('hashchange', render);
render();
