// End-to-end checks of the admin console, in headless Chromium against a running service.
// Usage: BASE_URL=http://localhost:8080 ADMIN_KEY=bl_live_... [SCREENSHOT_DIR=dir] [CHROMIUM=/usr/bin/chromium] node e2e.mjs
// Prints "ok <check>" for each check that passed; exits 1 at the first failure.

import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = (process.env.BASE_URL || '').replace(/\/$/, '');
const adminKey = process.env.ADMIN_KEY || '';
const shots = process.env.SCREENSHOT_DIR || '';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base || !adminKey) {
  console.error('BASE_URL and ADMIN_KEY are required');
  process.exit(2);
}
const suffix = Date.now().toString(36);

function check(condition, name, detail = '') {
  if (!condition) throw new Error(`FAILED ${name}${detail ? `: ${detail}` : ''}`);
  console.log(`ok ${name}`);
}

async function call(method, path, body, key = adminKey) {
  const response = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function shot(page, name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  // A full-page PNG on two busy cores can take longer than the UI waits' 8 s; the picture is documentation, not
  // something the test checks, so it gets its own bound.
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true, timeout: 30000 });
}

const profile = mkdtempSync(join(tmpdir(), 'console-e2e-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1366, height: 800 },
  timeout: 30000,
});
context.setDefaultTimeout(8000);
const page = context.pages()[0] || await context.newPage();
const problems = [];
page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
page.on('console', (message) => {
  if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
});
const keyInUrl = [];
page.on('request', (request) => {
  if (request.url().includes(adminKey)) keyInUrl.push(request.url());
  const auth = request.headers().authorization;
  if (auth && !new URL(request.url()).pathname.startsWith('/v1/')) keyInUrl.push(`key sent to ${request.url()}`);
});

let exitCode = 0;
try {
  // Sign in: a wrong key is refused, the admin key opens the console.
  await page.goto(`${base}/console`);
  check(page.url().startsWith(`${base}/console/`), 'console is served at /console/', page.url());
  await page.getByLabel('Admin API key').fill('bl_live_thisIsNotAKeyThisIsNotAKeyThisIsNotAKey00');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('does not accept this key').waitFor();
  check(true, 'an unknown key is refused');
  await page.getByLabel('Admin API key').fill(adminKey);
  await shot(page, 'sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Budgets', level: 1 }).waitFor();
  check(true, 'signed in with the admin key');

  // A budget tree made in the console: an organisation and two teams under it.
  const orgName = `e2e org ${suffix}`;
  await page.getByRole('button', { name: 'New budget' }).click();
  let dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill(orgName);
  await dialog.getByLabel('Limit').fill('10.00');
  await dialog.getByRole('button', { name: 'Create' }).click();
  const orgLink = page.getByRole('link', { name: orgName, exact: true });
  await orgLink.waitFor();
  const orgId = (await orgLink.getAttribute('href')).split('/').pop();
  await orgLink.click();
  for (const [name, limit] of [[`e2e team ${suffix}`, '4.00'], [`e2e research ${suffix}`, '5.00']]) {
    await page.getByRole('button', { name: 'New child budget' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Limit').fill(limit);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('link', { name, exact: true }).waitFor();
  }
  const tree = (await call('GET', `/v1/budgets/${orgId}/tree`)).body;
  const team = tree.children.find((c) => c.budget.name.startsWith('e2e team')).budget;
  const research = tree.children.find((c) => c.budget.name.startsWith('e2e research')).budget;
  check(tree.children.length === 2 && team.limit === '4.00', 'budget tree created in the console',
    JSON.stringify(tree.children.map((c) => c.budget.name)));

  // Reservations through the API: a hold on the team, two settled calls on research, one deny on the team.
  const held = await call('POST', '/v1/reservations', { budgetId: team.id, amount: '3.00' });
  check(held.status === 201, 'reserve 3.00 on the team is allowed', held.status);
  const priced = await call('POST', '/v1/reservations',
    { budgetId: research.id, model: 'gpt-4o', inputTokens: 1200, maxOutputTokens: 800 });
  check(priced.status === 201, 'token-priced reserve on research is allowed', JSON.stringify(priced.body));
  await call('POST', `/v1/reservations/${priced.body.id}/settle`, { inputTokens: 1200, outputTokens: 310 });
  const money = await call('POST', '/v1/reservations', { budgetId: research.id, amount: '2.00' });
  await call('POST', `/v1/reservations/${money.body.id}/settle`, { amount: '1.50' });
  const denied = await call('POST', '/v1/reservations', { budgetId: team.id, amount: '2.00' });
  check(denied.status === 402 && denied.body.reason === 'INSUFFICIENT_FUNDS', 'reserve 2.00 more on the team is denied',
    JSON.stringify(denied.body));

  // The tree shows the bars: the team is 75% used (3.00 held of 4.00), past its 50% threshold.
  await page.getByRole('link', { name: 'Budgets', exact: true }).first().click();
  await page.getByRole('heading', { name: 'Budgets', level: 1 }).waitFor();
  const teamMeter = page.locator(`li[data-budget-id="${team.id}"] > .node [role="meter"]`);
  await teamMeter.waitFor();
  check(await teamMeter.getAttribute('aria-valuenow') === '75', 'team bar shows 75% used',
    await teamMeter.getAttribute('aria-valuenow'));
  const teamLevel = await page.locator(`li[data-budget-id="${team.id}"] > .node .usage`).getAttribute('data-level');
  check(teamLevel === 'warning', 'team bar is coloured at its alert threshold', teamLevel);
  check((await teamMeter.getAttribute('aria-valuetext')).includes('reserved 3.00 USD'), 'team bar names what is reserved');
  const researchText = await page.locator(`li[data-budget-id="${research.id}"] > .node .usage-legend`).innerText();
  check(researchText.includes('spent 1.5061'), 'research bar shows what was spent', researchText);
  await shot(page, 'budget-tree');

  // The team's page shows the denial and its reason.
  await page.getByRole('link', { name: team.name, exact: true }).click();
  await page.getByRole('heading', { name: team.name, level: 1 }).waitFor();
  const denials = page.locator('section', { has: page.getByRole('heading', { name: 'Denials' }) });
  await denials.getByText('INSUFFICIENT_FUNDS').first().waitFor();
  check(true, 'the denial and its reason appear on the budget page');

  // Freeze the team in the console (confirmation with a reason); a reserve is then denied with BUDGET_FROZEN.
  await page.getByRole('button', { name: 'Freeze' }).click();
  dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Freeze' }).click();
  check(await dialog.isVisible(), 'freezing asks for a reason first');
  await dialog.getByLabel(/Reason/).fill('e2e: agent loop suspected');
  await dialog.getByRole('button', { name: 'Freeze' }).click();
  await page.getByRole('heading', { name: team.name, level: 1 }).getByText('FROZEN').waitFor();
  check(true, 'the budget shows as frozen');
  const frozenReserve = await call('POST', '/v1/reservations', { budgetId: team.id, amount: '0.10' });
  check(frozenReserve.status === 402 && frozenReserve.body.reason === 'BUDGET_FROZEN',
    'a reserve on the frozen budget is denied', JSON.stringify(frozenReserve.body));
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.getByRole('heading', { name: team.name, level: 1 }).waitFor();
  const deniedFact = page.locator('dl.facts dt', { hasText: /^Denied$/ }).locator('xpath=following-sibling::dd[1]');
  check(await deniedFact.innerText() === '2', 'the budget page counts both denials', await deniedFact.innerText());
  await page.getByText('frozen: e2e: agent loop suspected').first().waitFor();
  check(true, 'the freeze appears among the alerts');
  const denialList = denials.getByText('BUDGET_FROZEN');
  if (await denials.locator('[data-unavailable]').count() === 0) {
    await denialList.first().waitFor();
    check(true, 'the frozen denial is listed with its reason');
  } else {
    console.log('note the denials list is not available on this server; the count and denial events were shown');
  }
  await shot(page, 'budget-page');

  // Edit the limit and unfreeze: the bar follows, and the budget takes reservations again.
  await page.getByRole('button', { name: 'Edit' }).click();
  dialog = page.getByRole('dialog');
  await dialog.getByLabel('Limit').fill('6.00');
  await dialog.getByRole('button', { name: 'Save' }).click();
  const pageMeter = page.locator('section', { has: page.getByRole('heading', { name: 'Balance' }) })
    .locator('[role="meter"]');
  await page.waitForFunction(() => document.querySelector('[role="meter"]')?.getAttribute('aria-valuenow') === '50');
  check(await pageMeter.getAttribute('aria-valuenow') === '50', 'a new limit of 6.00 shows the team 50% used');
  await page.getByRole('button', { name: 'Unfreeze' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Unfreeze' }).click();
  await page.getByRole('heading', { name: team.name, level: 1 }).getByText('ACTIVE').waitFor();
  const thawed = await call('POST', '/v1/reservations', { budgetId: team.id, amount: '0.10' });
  check(thawed.status === 201, 'after unfreezing, the team takes reservations again', thawed.status);
  await call('POST', `/v1/reservations/${thawed.body.id}/release`, {});

  // The organisation's page: usage over time (when the server has the usage report).
  await page.goto(`${base}/console/#/budgets/${orgId}`);
  await page.getByRole('heading', { name: orgName, level: 1 }).waitFor();
  const usage = page.locator('section', { has: page.getByRole('heading', { name: 'Usage over time' }) });
  await usage.locator('svg.chart, [data-unavailable], .notice, .empty').first().waitFor();
  if (await usage.locator('[data-unavailable]').count() === 0) {
    await usage.getByRole('button', { name: 'By model' }).click();
    await usage.getByRole('cell', { name: 'gpt-4o' }).first().waitFor();
    check(true, 'usage by model shows the model used');
  } else {
    console.log('note the usage report is not available on this server; the page says so');
  }
  await shot(page, 'budget-usage');

  // Live holds refresh by themselves: a new hold on research appears without navigating.
  await page.getByRole('link', { name: 'Live holds' }).click();
  await page.getByRole('heading', { name: 'Live holds', level: 1 }).waitFor();
  const holdingBudgets = page.getByRole('table', { name: 'Budgets with holds' });
  const researchRow = holdingBudgets.getByRole('row', { name: new RegExp(research.name) });
  check(await researchRow.count() === 0, 'research holds nothing yet');
  await holdingBudgets.getByRole('row', { name: new RegExp(team.name) }).waitFor();
  const later = await call('POST', '/v1/reservations', { budgetId: research.id, amount: '0.50' });
  check(later.status === 201, 'reserve 0.50 on research is allowed');
  await researchRow.waitFor({ timeout: 12000 });
  await page.getByRole('table', { name: 'Active holds' }).getByRole('row', { name: new RegExp(research.name) })
    .waitFor();
  check(true, 'the new hold appears after an automatic refresh');
  check(/active holds?/.test(await page.locator('#status').innerText()), 'the refresh is announced (aria-live)');
  await shot(page, 'live-holds');

  // API keys: a key made in the console is shown once and works.
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'New API key' }).click();
  dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill(`e2e agent ${suffix}`);
  await dialog.getByLabel('Bound to budget').selectOption(team.id);
  await dialog.getByRole('button', { name: 'Create key' }).click();
  const secret = await page.getByRole('dialog').getByLabel('Secret').inputValue();
  check(/^bl_live_[A-Za-z0-9_-]{43}$/.test(secret), 'the new key is shown once');
  await page.getByRole('dialog').getByRole('button', { name: 'I have stored it' }).click();
  await page.getByRole('cell', { name: `e2e agent ${suffix}`, exact: true }).waitFor();
  check(!(await page.content()).includes(secret), 'the secret is gone from the page afterwards');
  check((await call('GET', `/v1/budgets/${team.id}`, undefined, secret)).status === 200, 'the new key works');
  check((await call('GET', `/v1/budgets/${orgId}`, undefined, secret)).status === 404, 'the new key is bound to the team');
  await shot(page, 'api-keys');
  await page.getByRole('button', { name: `Revoke e2e agent ${suffix}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('row', { name: new RegExp(`e2e agent ${suffix}.*REVOKED`) }).waitFor();
  check((await call('GET', `/v1/budgets/${team.id}`, undefined, secret)).status === 401, 'a revoked key stops working');

  // Webhooks: managed here, or a clear notice on servers without them.
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  if (await page.locator('[data-unavailable]').count() > 0) {
    check((await page.locator('main').innerText()).includes('not available on this server'),
      'webhooks say they are not available on this server');
  } else {
    await page.getByRole('button', { name: 'New webhook' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByLabel('URL').fill('https://example.com/hooks/e2e');
    await dialog.getByRole('button', { name: 'Create webhook' }).click();
    const hookSecret = await page.getByRole('dialog').getByLabel('Secret').inputValue();
    check(hookSecret.length > 0, 'a new webhook shows its secret once');
    await page.getByRole('dialog').getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('cell', { name: 'https://example.com/hooks/e2e' }).first().waitFor();
    check(true, 'the webhook is listed');
    const row = page.getByRole('row', { name: /example\.com\/hooks\/e2e/ }).first();
    await row.getByRole('button', { name: 'Deliveries' }).click();
    await page.getByRole('heading', { name: /Deliveries to/ }).waitFor();
    check(true, 'the deliveries of a webhook are shown');
    await row.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    check((await page.getByRole('dialog').getByLabel('Secret').inputValue()).length > 0, 'a rotated secret is shown once');
    await page.getByRole('dialog').getByRole('button', { name: 'I have stored it' }).click();
  }
  await shot(page, 'webhooks');

  // Sign out: the key is forgotten.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Admin API key').waitFor();
  check(await page.evaluate(() => sessionStorage.length) === 0, 'signing out forgets the key');

  check(keyInUrl.length === 0, 'the key never appears in a URL or goes anywhere but /v1', keyInUrl.join(', '));
  check(problems.length === 0, 'no script errors and no Content-Security-Policy violations', problems.join('; '));
  console.log('E2E PASSED');
} catch (error) {
  console.error(error.message);
  if (shots) await shot(page, 'failure').catch(() => {});
  exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);
