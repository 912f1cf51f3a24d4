import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

// The operator console in a real browser: Debian's chromium (`.ci/run` installs it) driven by playwright-core.
// UPDATE_SCREENSHOTS=1 rewrites the README's screenshots in docs/images/.

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1';

let t: TestHub;
let rx: WebhookReceiver;
let browser: Browser;
beforeAll(async () => {
  t = await startTestHub({ env: { SWITCHBOARD_SHED_EVENT_LOOP_MS: '0' } });
  rx = await new WebhookReceiver().start(t.webhookSecret);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await rx?.stop();
  await t?.stop();
});

async function create(body: Record<string, unknown>): Promise<string> {
  const res = await t.api('POST', '/v1/requests', { recipients: [{ channel: 'web' }], ...body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** A few requests in different states, so the list (and its screenshot) shows what the console is for. */
async function seed(): Promise<void> {
  const answered = await create({ title: 'Scale the search cluster to 12 nodes?', workflow_id: 'capacity-planner', recipients: [{ channel: 'web' }] });
  await t.api('POST', `/v1/requests/${answered}/responses`, { value: 'approve' });
  const cancelled = await create({ title: 'Delete the stale staging database?', workflow_id: 'cleanup-bot' });
  await t.api('POST', `/v1/requests/${cancelled}/cancel`, { reason: 'done by hand' });
  await create({ title: 'Which region should the new tenant live in?', type: 'choice', workflow_id: 'onboarding',
    options: [{ value: 'eu', label: 'EU (Frankfurt)' }, { value: 'us', label: 'US (Virginia)' }] });
}

const attemptRows = (page: Page) => page.locator('h2:text("Webhook attempts") + table tbody tr');

it('signs in, sees a new request appear live, answers it, sees the audit trail and webhook attempts, redelivers, signs out', async () => {
  await seed();
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  let navigations = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });

  await page.goto(`${t.baseUrl}/ui`);
  expect(page.url()).toBe(`${t.baseUrl}/ui/sign-in`);
  await page.getByLabel('API key').fill(t.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Requests' }).waitFor();
  expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly: no script sees the session
  await page.getByText('Live: changes appear as they happen.').waitFor({ timeout: 15_000 });

  // Keyboard: the first Tab reaches the skip link.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');

  const before = navigations;
  rx.answer({ status: 500 });
  const id = await create({
    title: 'Deploy v2.3 to production?', body: 'Changes: **payments** retry fix', workflow_id: 'release-train',
    context: { service: 'payments', risk: 'high', commit: '4f1c2e9' }, callback_url: rx.url,
  });
  const row = page.locator(`#row-${id}`);
  await row.waitFor({ timeout: 20_000 });
  expect(navigations).toBe(before); // it appeared without a reload
  await page.getByRole('status').filter({ hasText: 'New request: Deploy v2.3 to production?' }).waitFor();
  if (SHOTS) {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.screenshot({ path: 'docs/images/console-list.png' });
  }

  await row.getByRole('link', { name: 'Deploy v2.3 to production?' }).click();
  await page.getByRole('heading', { name: 'Deploy v2.3 to production?' }).waitFor();
  await page.getByLabel('Comment (optional)').fill('Looks good; ship it.');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByText('Your answer decided the request.').waitFor();
  expect((await t.api('GET', `/v1/requests/${id}`)).body.response.responder.id).toBe('operator:SWITCHBOARD_API_KEY');

  const audit = page.locator('h2:text("Audit trail") + table');
  await expect.poll(() => audit.innerText()).toContain('request.resolved');
  expect(await audit.innerText()).toContain('web:operator:SWITCHBOARD_API_KEY');

  // The webhook failed once (500) and was retried; the page shows both attempts after a refresh.
  await waitFor(async () => {
    await page.getByRole('link', { name: 'Refresh' }).click();
    return (await attemptRows(page).count()) >= 2;
  }, 20_000, 'two webhook attempts on the page');
  expect(await attemptRows(page).first().innerText()).toContain('500');
  if (SHOTS) await page.screenshot({ path: 'docs/images/console-request.png', fullPage: true });

  const received = rx.received.length;
  await page.getByRole('button', { name: 'Redeliver webhook' }).click();
  await page.getByText('The webhook was queued again.').waitFor();
  await waitFor(() => rx.received.length > received, 15_000, 'the redelivered webhook');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.goto(`${t.baseUrl}/ui/requests/${id}`);
  expect(page.url()).toBe(`${t.baseUrl}/ui/sign-in`);
}, 120_000);
