// Entry point: sign-in, navigation between views (hash routes carry ids only, never the key), announcements.

import { api, session, whenUnauthenticated } from './api.js';
import { h, clear, field } from './dom.js';
import { problemText } from './components.js';
import { budgetsView } from './views/budgets.js';
import { dashboardView } from './views/dashboard.js';
import { spendView } from './views/spend.js';
import { budgetView } from './views/budget.js';
import { holdsView } from './views/holds.js';
import { keysView } from './views/keys.js';
import { webhooksView } from './views/webhooks.js';

const main = document.getElementById('view');
const nav = document.getElementById('nav');
const signOutButton = document.getElementById('sign-out');
const status = document.getElementById('status');
const errorBanner = document.getElementById('error');

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
  [/^#\/budgets\/([0-9a-f-]{36})\/spend(?:\/(24h|7d|30d|period))?(?:\/(time|model|key|enduser|metadata|budget|child))?(?:\/([^/]{1,300}))?$/,
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
  if (!session.signedIn) {
    signInView();
    return;
  }
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
  clear(main, h('p', { class: 'muted' }, 'Loading…'));
  main.setAttribute('aria-busy', 'true');
  try {
    cleanup = await view(main, match.slice(1), { announce, rerender: render }) || null;
  } catch (error) {
    clear(main, h('h1', {}, 'Something went wrong'), h('p', { class: 'notice error' }, problemText(error)));
  } finally {
    main.removeAttribute('aria-busy');
  }
  // After a change of view, keyboard and screen-reader users start at its heading, not at a link left behind.
  const heading = main.querySelector('h1');
  if (heading && !document.querySelector('dialog[open]')) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

function signInView() {
  nav.hidden = true;
  signOutButton.hidden = true;
  const secret = h('input', { type: 'password', name: 'api-key', autocomplete: 'off', required: true,
    spellcheck: 'false', placeholder: 'bl_live_…' });
  const remember = h('input', { type: 'checkbox', id: 'remember', checked: true });
  const message = h('div', { role: 'alert' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'panel sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in'),
    h('p', {}, 'Use an ADMIN API key. It is sent only as an Authorization header to this service\'s /v1 API.'),
    field('Admin API key', secret),
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
      // An admin-only endpoint: a client key gets 403 here, an unknown key 401.
      await api('/v1/api-keys', { query: { limit: 1 }, signingIn: true });
      secret.value = '';
      announce('Signed in.');
      if (!window.location.hash) window.location.hash = '#/dashboard';
      else render();
    } catch (error) {
      session.signOut();
      message.replaceChildren(h('p', { class: 'notice error' }, error.status === 403
        ? 'This key is valid but is not an ADMIN key; the console needs an ADMIN key.'
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

window.addEventListener('hashchange', render);
render();
