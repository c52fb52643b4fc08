import { readFileSync, mkdirSync } from 'fs';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { marketingCsvString, messagingCsvString, transactionsCsvString } from '../../libs/datagen';
import { createOrg, startTestApp, TestApp } from '../factories/test-app';

/**
 * The dashboard (dist/web, built by `npm run build`) in a real headless Chromium (Debian's
 * chromium; CHROMIUM_PATH overrides), against the real app on this run's database and Redis:
 * sign in, upload and follow an import to COMPLETED, charts equal to the API's answers, delete
 * and see the numbers change. Each page is checked with axe-core (no serious or critical
 * violation), for CSP violations, and for overflow at 390 px; screenshots go to
 * artifacts/screenshots.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '..', '..', 'artifacts', 'screenshots');
const PASSWORD = 'dashboard-password-1234';
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const NOW = new Date('2026-06-30T12:00:00Z');
const CSV = transactionsCsvString({ rows: 3000, seed: 11, now: NOW, merchants: 200, days: 60 }).csv;
const SAMPLES = path.resolve(__dirname, '..', '..', '..', 'shared', 'samples');
const sample = (p: string) => readFileSync(path.join(SAMPLES, p));

describe('Dashboard in a real browser (e2e)', () => {
  let t: TestApp;
  let base: string;
  let key: string;
  let email: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const violations: string[] = [];

  const api = (p: string) => request(t.http).get(`/api/v1/${p}`).set('X-API-Key', key);

  /** axe-core over the page as it is: no serious or critical violation. */
  const expectAccessible = async (name: string) => {
    await page.evaluate(AXE);
    const found = await page.evaluate<Array<{ id: string; impact: string; targets: string[] }>>(
      `axe.run({ resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`,
    );
    expect({ name, serious: found.filter((v) => v.impact === 'serious' || v.impact === 'critical') }).toEqual({ name, serious: [] });
  };

  /** A screenshot at 1280 px, then the page at 390 px: nothing wider than the screen. */
  const shoot = async (name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    await page.screenshot({ path: path.join(SHOTS, `${name}-390.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect({ name, overflow }).toEqual({ name, overflow: 0 });
  };

  /** Polls a page expression until it is true (page.waitForFunction compiles its predicate in the page, which the CSP forbids). */
  const until = async (expression: string, timeoutMs = 15000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await page.evaluate<boolean>(expression))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const numbersOf = (chart: string) =>
    page.$$eval(`figure[data-chart="${chart}"] [data-value]`, (els) => els.map((e) => ({ label: e.getAttribute('data-label'), value: Number(e.getAttribute('data-value')) })));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // A short access token: the dashboard refreshes it a minute before it expires, so within seconds.
    t = await startTestApp({ ACCESS_TOKEN_TTL_S: 62 });
    await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;
    ({ key } = await createOrg(t, 'dashboard'));
    email = `analyst-${Date.now()}@example.com`;
    const created = await request(t.http).post('/api/v1/users').set('X-API-Key', key).send({ email, role: 'admin' }).expect(201);
    await request(t.http).post('/api/v1/auth/password').send({ token: created.body.passwordSetToken, password: PASSWORD }).expect(204);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && violations.push(m.text()));
    page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await t.close();
  });

  afterEach(() => {
    // No script, style or request refused by the CSP, no uncaught error.
    expect(violations).toEqual([]);
  });

  it('should serve the app under the CSP at /, and sign in with email and password across a reload and a token refresh', async () => {
    const res = await request(t.http).get('/').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.text).not.toMatch(/<script>(?!<\/script>)/);
    // Pages (the dashboard, Swagger UI) load over plain HTTP away from localhost; API answers keep the upgrade.
    expect(res.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    expect((await request(t.http).get('/api/docs/')).headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    expect((await request(t.http).get('/assets/main.js').expect(200)).headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    expect((await api('kinds').expect(200)).headers['content-security-policy']).toMatch(/upgrade-insecure-requests/);

    await page.goto(base);
    await page.getByRole('heading', { name: 'Sign in to the analytics platform' }).waitFor();
    await expectAccessible('sign-in');
    await shoot('sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong-password-123');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'LOGIN_FAILED' }).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Imports', level: 1 }).waitFor();
    const token = `JSON.parse(localStorage.getItem('analytics.credentials')).accessToken`;
    const first = await page.evaluate<string>(token);
    await page.reload();
    await page.getByRole('heading', { name: 'Imports', level: 1 }).waitFor();
    // The token has under a minute left: the next call refreshes it first, and keeps working.
    await page.getByRole('link', { name: 'Transactions' }).click();
    await page.getByRole('heading', { name: 'Transactions', level: 1 }).waitFor();
    await until(`${token} !== ${JSON.stringify(first)}`, 25000);
    await page.getByRole('link', { name: 'Imports' }).click();
    await page.getByRole('heading', { name: 'Imports', level: 1 }).waitFor();
  });

  it('should upload a file, follow its progress to COMPLETED and list its rejects', async () => {
    await page.goto(`${base}/#/imports`);
    await page.getByRole('heading', { name: 'Imports', level: 1 }).waitFor();
    await page.getByText('No imports yet').waitFor();
    await expectAccessible('imports-empty');
    await page.getByLabel('Kind of data').selectOption('transactions');
    await page.getByLabel(/File \(CSV/).setInputFiles({ name: 'june.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.getByRole('button', { name: 'Upload and import' }).click();
    const card = page.locator('.progress-card');
    await card.locator('.badge', { hasText: 'COMPLETED' }).waitFor({ timeout: 60000 });
    const imports = (await api('imports?kind=transactions').expect(200)).body.data;
    expect(imports).toHaveLength(1);
    const imp = imports[0];
    expect(await card.locator('[data-figure="rows"]').textContent()).toBe(`${imp.progress.rowsLoaded.toLocaleString('en-US')} rows loaded`);
    expect(await card.locator('[data-figure="percent"]').textContent()).toBe('100.0 %');
    // Rejects by reason, as the API counts them, and their download.
    const reasons = await card.locator('table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent)));
    expect(Object.fromEntries(reasons.map(([k, v]) => [k, Number(v!.replace(/,/g, ''))]))).toEqual(imp.rejectsByReason);
    const [file] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download rejected rows (CSV)' }).click()]);
    expect(readFileSync(await file.path(), 'utf8').split('\n')[0]).toBe('line,reason,raw');
    await page.locator('table', { hasText: 'june.csv' }).getByText('COMPLETED').waitFor();
    await expectAccessible('imports');
    await shoot('imports');
  });

  it('should draw the transactions answers with the numbers the API gives', async () => {
    await page.goto(`${base}/#/transactions`);
    await page.locator('figure[data-chart="Total amount by zone (top 20)"] [data-value]').first().waitFor();
    const zones = (await api('analytics/zone-leaderboard?limit=20').expect(200)).body.data;
    expect(await numbersOf('Total amount by zone (top 20)')).toEqual(zones.map((z: { zone: string; totalAmount: number }) => ({ label: z.zone, value: z.totalAmount })));
    const categories = (await api('analytics/category-distribution').expect(200)).body;
    const catChart = `Transactions by category (${categories.totalTransactions.toLocaleString('en-US')} in all)`;
    expect(await numbersOf(catChart)).toEqual(categories.data.map((c: { category: string; transactionCount: number }) => ({ label: c.category, value: c.transactionCount })));
    const hours = (await api('analytics/hourly-pattern').expect(200)).body.data;
    expect((await numbersOf('Transactions by hour of day (UTC)')).map((p) => p.value)).toEqual(hours.map((h: { transactionCount: number }) => h.transactionCount));
    const retention = (await api('analytics/customer-retention?cohorts=monthly').expect(200)).body;
    expect(await page.locator('[data-stat="Unique customers"] dd').first().textContent()).toBe(retention.totalUniqueCustomers.toLocaleString('en-US'));
    const cells = await page.$$eval('figure.heat td[data-value]', (els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(cells).toEqual(retention.cohorts.flatMap((c: { months: Array<{ percentage: number }> }) => c.months.map((m) => m.percentage)));
    const anomalies = (await api('analytics/anomalies?pageSize=20').expect(200)).body;
    const ids = await page.locator('section[aria-labelledby="panel-anomalies"] tbody tr td:first-child').allTextContents();
    expect(ids).toEqual(anomalies.data.map((a: { transactionId: string }) => a.transactionId));
    // A chart's table view shows the same numbers.
    const zoneFigure = page.locator('figure[data-chart="Total amount by zone (top 20)"]');
    await zoneFigure.getByRole('button', { name: 'Show table' }).click();
    expect(await zoneFigure.locator('tbody tr').count()).toBe(zones.length);
    await zoneFigure.getByRole('button', { name: 'Show chart' }).click();
    // A window: the panels answer for it.
    await page.getByLabel('From (UTC, inclusive)').fill('2026-06-01T00:00:00');
    await page.getByLabel('From (UTC, inclusive)').dispatchEvent('change');
    const windowed = (await api('analytics/zone-leaderboard?limit=20&from=2026-06-01T00:00:00Z').expect(200)).body.data;
    await until(`document.querySelectorAll('figure[data-chart="Total amount by zone (top 20)"] [data-value]').length === ${windowed.length}`);
    expect(await numbersOf('Total amount by zone (top 20)')).toEqual(windowed.map((z: { zone: string; totalAmount: number }) => ({ label: z.zone, value: z.totalAmount })));
    await page.getByRole('button', { name: 'All time, all imports' }).click();
    await expectAccessible('transactions');
    await shoot('transactions');
  });

  /** Uploads a file through the API (the upload page is tested above) and waits for it. */
  const loadByApi = async (kind: string, body: Buffer | string, contentType = 'text/csv') => {
    const res = await request(t.http).post(`/api/v1/imports/${kind}?rejectThreshold=0.9`).set('X-API-Key', key).set('Content-Type', contentType).send(body).expect(202);
    for (let i = 0; i < 600; i++) {
      const s = (await api(`imports/${res.body.importId}`).expect(200)).body;
      if (s.status !== 'QUEUED' && s.status !== 'PROCESSING') {
        expect(s.status).toBe('COMPLETED');
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`import ${res.body.importId} did not end`);
  };

  it('should draw the sales, marketing and messaging answers with the API numbers', async () => {
    await loadByApi('sales', sample('sales/sales_2000.csv'));
    await loadByApi('marketing', marketingCsvString({ rows: 2000, seed: 3, days: 60, endDay: '2026-06-30' }).csv);
    await loadByApi('message-events', messagingCsvString({ events: 3000, seed: 4, days: 5, end: new Date().toISOString() }).csv);

    await page.goto(`${base}/#/sales`);
    await page.locator('figure[data-chart="Revenue of the top 10 products"] [data-value]').first().waitFor();
    const products = (await api('sales/top-products?limit=10').expect(200)).body.data;
    expect(await numbersOf('Revenue of the top 10 products')).toEqual(products.map((p: { product: string; revenue: number }) => ({ label: p.product, value: p.revenue })));
    const months = (await api('sales/monthly-summary').expect(200)).body.data;
    expect((await numbersOf('Revenue by month')).map((p) => p.value)).toEqual(months.map((m: { revenue: number }) => m.revenue));
    await expectAccessible('sales');
    await shoot('sales');

    await page.goto(`${base}/#/marketing`);
    await page.getByRole('heading', { name: 'Marketing', level: 1 }).waitFor();
    const campaigns = (await api('marketing/breakdown?dimension=campaign&sort=roi&order=desc&limit=50').expect(200)).body.data;
    await page.locator('section[aria-labelledby="panel-campaigns"] tbody tr').first().waitFor();
    expect(await page.locator('section[aria-labelledby="panel-campaigns"] tbody tr td:first-child').allTextContents()).toEqual(
      campaigns.map((c: { key: string; name?: string }) => c.name ?? c.key),
    );
    await page.locator('figure[data-chart^="cost by day"] [data-value]').first().waitFor();
    const trend = (await api('marketing/trends?granularity=day&days=90').expect(200)).body.data;
    expect(
      (
        await numbersOf(
          await page
            .locator('figure[data-chart^="cost by day"]')
            .getAttribute('data-chart')
            .then((c) => c!),
        )
      ).map((p) => p.value),
    ).toEqual(trend.filter((d: { cost: number | null }) => d.cost !== null).map((d: { cost: number }) => d.cost));
    await expectAccessible('marketing');
    await shoot('marketing');

    await page.goto(`${base}/#/messaging`);
    await page.getByRole('heading', { name: 'Messaging', level: 1 }).waitFor();
    const failures = (await api('messaging/failures').expect(200)).body;
    await page.locator(`figure[data-chart="Failed messages by provider error code (${failures.failed.toLocaleString('en-US')} in all)"]`).waitFor();
    expect(await numbersOf(`Failed messages by provider error code (${failures.failed.toLocaleString('en-US')} in all)`)).toEqual(
      failures.data.map((f: { error_code: string; messages: number }) => ({ label: f.error_code, value: f.messages })),
    );
    await expectAccessible('messaging');
    await shoot('messaging');
  });

  it('should load the store feeds, trigger the store report, watch it and download it', async () => {
    await page.goto(`${base}/#/stores`);
    await page.getByLabel(/Store status polls/).setInputFiles(path.join(SAMPLES, 'store-monitoring', 'store_status.csv'));
    await page.getByLabel(/Business hours/).setInputFiles(path.join(SAMPLES, 'store-monitoring', 'menu_hours.csv'));
    await page.getByLabel(/Time zones/).setInputFiles(path.join(SAMPLES, 'store-monitoring', 'timezones.csv'));
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Queued store_status' }).waitFor();
    for (const kind of ['store-status', 'business-hours', 'timezones']) {
      for (let i = 0; i < 300; i++) {
        const [imp] = (await api(`imports?kind=${kind}`).expect(200)).body.data;
        if (imp.status === 'COMPLETED') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await page.getByRole('button', { name: 'Trigger a report' }).click();
    await page.locator('.progress-card .badge', { hasText: 'Complete' }).waitFor({ timeout: 60000 });
    const reportId = await page.locator('.progress-card code').first().textContent();
    const report = (await api(`store-monitoring/get_report/${reportId}`).expect(200)).body;
    const stores = report.csv.trim().split('\n').length - 1;
    expect(await page.locator('.progress-card tbody tr').count()).toBe(Math.min(stores, 200));
    // Sorted by a column, descending, from its header button.
    const header = page.getByRole('button', { name: 'uptime_last_week' });
    await header.click();
    await header.click();
    const firstRow = await page.locator('.progress-card tbody tr').first().locator('td').allTextContents();
    const max = Math.max(
      ...report.csv
        .trim()
        .split('\n')
        .slice(1)
        .map((l: string) => Number(l.split(',')[3])),
    );
    expect(Number(firstRow[3])).toBe(max);
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the report (CSV)' }).click()]);
    expect(readFileSync(await file.path(), 'utf8')).toBe(report.csv);
    await expectAccessible('stores');
    await shoot('stores');
  });

  it('should create a report and download it, and a schedule whose runs it lists', async () => {
    await page.goto(`${base}/#/reports`);
    const create = page.locator('section[aria-labelledby="panel-create-a-report"]');
    await create.getByLabel('Source').selectOption('transactions.zone-leaderboard');
    await create.getByLabel('Format').selectOption('csv');
    await create.getByRole('button', { name: 'Create the report' }).click();
    const row = page.locator('section[aria-labelledby="panel-reports"] tr', { hasText: 'transactions.zone-leaderboard' });
    await row.getByRole('button', { name: 'Download' }).waitFor({ timeout: 30000 });
    const [file] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
    const [listed] = (await api('reports?pageSize=1').expect(200)).body.data;
    const served = await request(t.http).get(`/api/v1/reports/${listed.id}/download`).set('X-API-Key', key).buffer(true).expect(200);
    expect(readFileSync(await file.path(), 'utf8')).toBe(served.text);

    const templates = page.locator('section[aria-labelledby="panel-templates"]');
    await templates.getByLabel('Name (required)').fill('Zones every 5 s');
    await templates.getByLabel('Source').selectOption('transactions.zone-leaderboard');
    await templates.getByRole('button', { name: 'Save the template' }).click();
    await templates.getByRole('cell', { name: 'Zones every 5 s' }).waitFor();
    const schedules = page.locator('section[aria-labelledby="panel-schedules"]');
    await schedules.getByLabel('Cron').fill('*/5 * * * * *');
    await schedules.getByLabel('Time zone (IANA)').fill('Europe/London');
    await schedules.getByRole('button', { name: 'Create the schedule' }).click();
    await schedules.getByRole('cell', { name: '*/5 * * * * *' }).waitFor();
    const [schedule] = (await api('report-schedules').expect(200)).body.data;
    expect(schedule).toMatchObject({ cron: '*/5 * * * * *', timezone: 'Europe/London', enabled: true });
    await schedules.getByRole('button', { name: 'Runs' }).click();
    await schedules.locator('table', { hasText: 'Runs of' }).locator('.badge', { hasText: 'SUCCESS' }).first().waitFor({ timeout: 30000 });
    await request(t.http).patch(`/api/v1/report-schedules/${schedule.id}`).set('X-API-Key', key).send({ enabled: false }).expect(200);
    await expectAccessible('reports');
    await shoot('reports');
  });

  it('should delete an import after a confirmation and show the numbers without it', async () => {
    await page.goto(`${base}/#/imports`);
    const row = page.locator('tr', { hasText: 'june.csv' });
    await row.getByRole('button', { name: 'Delete june.csv' }).click();
    await row.getByRole('button', { name: 'Keep' }).click();
    expect((await api('imports?kind=transactions').expect(200)).body.total).toBe(1);
    await row.getByRole('button', { name: 'Delete june.csv' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('status').filter({ hasText: 'removed with its' }).waitFor();
    expect((await api('imports?kind=transactions').expect(200)).body.total).toBe(0);
    await page.getByRole('link', { name: 'Transactions' }).click();
    await page.locator('figure[data-chart="Total amount by zone (top 20)"]').getByText('Nothing in this window.').waitFor();
    expect((await api('analytics/zone-leaderboard').expect(200)).body.data).toEqual([]);
  });

  it('should be usable from the keyboard: skip link, navigation, sign out', async () => {
    // A fresh load (a hash change alone keeps the focus where it was).
    await page.goto('about:blank');
    await page.goto(`${base}/#/imports`);
    await page.getByRole('heading', { name: 'Imports', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    const focused = () => page.evaluate<string | undefined>('document.activeElement?.textContent');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Transactions');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Transactions', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the analytics platform' }).waitFor();
    // With an API key instead.
    await page.getByRole('button', { name: 'API key' }).click();
    await page.getByLabel('API key').fill('ak_not-a-key');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'API_KEY_INVALID' }).waitFor();
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // Back on the page it signed out from.
    await page.getByRole('heading', { name: 'Transactions', level: 1 }).waitFor();
    expect(await page.locator('.who').textContent()).toContain('API key');
  });
});
