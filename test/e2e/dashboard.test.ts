// The dashboard end to end in headless Chromium: a local paper bot (the real handler, dynalite, the
// Kraken sandbox on 127.0.0.1) served by the same pieces `kbot paper --dashboard` uses, and a
// "deployed" bot whose AWS calls are mocked (aws-sdk-client-mock) reading the same table. Every
// page renders real data; controls go through (flatten sells at the sandbox's prices, pause
// disables the rule); a request without the token and a cross-site POST are refused.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../functions/adapters/dynamo/createDynamoClient.js';
import { DynamoStore } from '../../functions/adapters/dynamo/dynamoStore.js';
import { LOCAL_TABLE, scheduledEvent, startLocalStack, type LocalStack } from '../../functions/cli/localStack.js';
import { createAwsClients } from '../../functions/cli/ops/awsClients.js';
import { parseConfig } from '../../functions/core/config.js';
import { noMetrics, silentLogger } from '../../functions/core/ports.js';
import type { TickResult } from '../../functions/core/tickResult.js';
import { FIVE_MINUTES_MS } from '../../functions/core/types.js';
import { deployedBackend } from '../../functions/dashboard/deployedBackend.js';
import { startDashboardServer, type DashboardServer } from '../../functions/dashboard/dashboardServer.js';
import { createSerializer, localBackend, type LocalSchedule } from '../../functions/dashboard/localBackend.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'dashboard');
const DOCS_IMAGES = join(process.cwd(), 'docs', 'images');
const START = Date.UTC(2026, 2, 2, 9, 0, 0);
const TICKS = 48;
const PAIRS = ['BTC/USD', 'ETH/USD', 'SOL/USD'];

const config = parseConfig({ mode: 'paper', pairs: PAIRS, tick: { closeDelayMs: 0 }, strategies: { use: ['regime'], regime: { aggressive: true } }, paper: { startingBalances: { USD: 5_000 } } });

let sandbox: SandboxHandle;
let stack: LocalStack;
let store: DynamoStore;
let dynamoClient: ReturnType<typeof createDynamoClient>;
let local: DashboardServer;
let browser: Browser;
const schedule: LocalSchedule = { paused: false };
const results: TickResult[] = [];

async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage });
  // `KBOT_DOCS_IMAGES=1 npx vitest run test/e2e/dashboard.test.ts` refreshes the pictures in docs/.
  if (process.env.KBOT_DOCS_IMAGES === '1' && name !== 'after-flatten') {
    mkdirSync(DOCS_IMAGES, { recursive: true });
    copyFileSync(file, join(DOCS_IMAGES, `dashboard-${name}.png`));
  }
}

/** Opens a page of the dashboard in a fresh browser context that has visited the token URL. */
async function openDashboard(server: DashboardServer, problems: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(server.origin)) problems.push(`request to ${r.url()}`);
  });
  await page.goto(server.url);
  // The token left the address bar: the cookie carries the session from here on.
  expect(page.url()).toBe(`${server.origin}/`);
  await page.waitForSelector('body[data-loaded="true"][data-page="overview"]');
  return page;
}

async function go(page: Page, hash: string, pageName: string): Promise<void> {
  await page.evaluate((h) => {
    document.body.setAttribute('data-loaded', 'false');
    // The same hash again fires nothing: ask for a fresh render as the page's own router would.
    if (location.hash === h) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = h;
  }, hash);
  await page.waitForSelector(`body[data-loaded="true"][data-page="${pageName}"]`);
}

/** Raw HTTP to the dashboard with any headers (fetch would not let a test forge Host or Origin). */
function raw(server: DashboardServer, o: { method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method: o.method, path: o.path, headers: o.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The session cookie the token URL sets. */
async function sessionCookie(server: DashboardServer): Promise<string> {
  const res = await raw(server, { method: 'GET', path: new URL(server.url).pathname + new URL(server.url).search, headers: { Host: `127.0.0.1:${server.port}` } });
  expect(res.status).toBe(303);
  // The answer that carries the session cookie is never cached and names no referrer.
  expect([res.headers['cache-control'], res.headers['referrer-policy']]).toEqual(['no-store', 'no-referrer']);
  const cookie = String(res.headers['set-cookie']);
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  return cookie.split(';')[0]!;
}

beforeAll(async () => {
  sandbox = await startSandbox({ pairs: PAIRS, seed: 21, startTimeMs: START, speed: 0, historyMs: 3 * 86_400_000 });
  stack = await startLocalStack({
    config,
    exchangeUrl: sandbox.url,
    overrides: { clock: { nowMs: () => sandbox.nowMs(), sleep: async (ms) => sandbox.advance(ms) }, alerts: { send: async () => undefined }, logger: silentLogger, metrics: noMetrics, enableRateLimit: false },
  });
  // Four simulated hours of paper trading, with one operator force-entry halfway.
  for (let k = 1; k <= TICKS; k++) {
    const boundary = START + k * FIVE_MINUTES_MS;
    sandbox.setTime(boundary + 1_000);
    results.push(await stack.handler(scheduledEvent(boundary), { awsRequestId: `dash-${k}` }));
    const entryPair = { 12: 'BTC/USD', 24: 'ETH/USD', 30: 'SOL/USD' }[k];
    if (entryPair) await stack.handler({ kbot: { command: 'force-entry', pair: entryPair, amountQuote: 400, requestId: `dash-force-entry-${k}` } }, { awsRequestId: `dash-fe-${k}` });
  }
  dynamoClient = createDynamoClient({ endpoint: stack.dynamoEndpoint });
  store = new DynamoStore({ client: dynamoClient, tableName: LOCAL_TABLE });
  local = await startDashboardServer({ backend: localBackend({ stack, config, exchangeUrl: sandbox.url, dataDir: '.kbot-e2e', schedule, serialize: createSerializer(), nowMs: () => sandbox.nowMs() }), nowMs: () => sandbox.nowMs() });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await local?.close();
  dynamoClient?.destroy();
  await stack?.close();
  await sandbox?.close();
});

describe('Dashboard on the local paper bot', () => {
  it('renders every page with the bot\'s real data and no console errors, nothing fetched from elsewhere', async () => {
    // Prepare
    expect(existsSync(CHROMIUM)).toBe(true);
    expect(results.filter((r) => r.status === 'completed')).toHaveLength(TICKS);
    const positions = await store.listPositions('paper');
    expect(positions.map((p) => p.pair)).toContain('BTC/USD');
    const trades = await store.listTrades('paper', 0, sandbox.nowMs());
    const problems: string[] = [];
    // Act and assess, page by page
    const page = await openDashboard(local, problems);
    await expect(page.locator('#mode').textContent()).resolves.toBe('paper');
    await expect(page.locator('#schedule').textContent()).resolves.toBe('running');
    await expect(page.locator('#alarms').textContent()).resolves.toContain('no CloudWatch alarms');
    await expect(page.locator('#holdings').textContent()).resolves.toBe('agree');
    expect(await page.locator('#equity-chart canvas').count()).toBeGreaterThan(0);
    await screenshot(page, 'overview');

    await go(page, '#/positions', 'positions');
    expect(await page.locator('section.position').count()).toBe(positions.length);
    const btc = page.locator('section.position[data-pair="BTC/USD"]');
    await expect(btc.textContent()).resolves.toContain('stop');
    expect(await btc.locator('canvas').count()).toBeGreaterThan(0);
    await screenshot(page, 'positions');

    await go(page, '#/trades', 'trades');
    await expect(page.locator('#trade-count').textContent()).resolves.toBe(String(trades.length));
    expect(await page.locator('tr.trade').count()).toBe(trades.length);
    // The fill links to the decision that placed it: the tick's journal row, highlighted.
    const entryRow = trades.find((t) => t.reason === 'force-entry')!;
    expect(entryRow.candleCloseIso).toBeDefined();
    await page.locator('a.decision-link').last().click();
    await page.waitForSelector('body[data-loaded="true"][data-page="decisions"]');
    expect(await page.locator('tr.decision.highlight').count()).toBeGreaterThan(0);

    await go(page, '#/decisions?pair=ETH%2FUSD', 'decisions');
    const rows = page.locator('tr.decision');
    expect(await rows.count()).toBeGreaterThan(10);
    expect(await page.locator('tr.decision[data-pair="BTC/USD"]').count()).toBe(0);
    await expect(rows.first().textContent()).resolves.toMatch(/no entry|hold|buy|sell/);
    // Each tick's holdings check heads it: the three traded assets agree.
    expect(results.at(-1)!.holdings.map((h) => h.status)).toEqual(['ok', 'ok', 'ok']);
    await expect(page.locator('.tick .head').first().textContent()).resolves.toContain('holdings: 3 agree');
    await screenshot(page, 'decisions', false);
    // Searching by rule keeps exactly the pairs and ticks where that rule decided.
    const refusals = results.flatMap((r) => r.pairs.flatMap((p) => (p.entry?.decision === 'none' && p.entry.stage === 'signal' ? [p.entry.rule] : [])));
    const rule = refusals.find((r) => refusals.filter((x) => x === r).length < refusals.length);
    expect(rule).toBeDefined();
    await go(page, `#/decisions?q=${encodeURIComponent(rule!)}`, 'decisions');
    const texts = await page.locator('tr.decision').allTextContents();
    expect(texts).toHaveLength(refusals.filter((r) => r === rule).length);
    for (const t of texts) expect(t).toContain(rule);

    await go(page, '#/analyzer', 'analyzer');
    const closed = trades.filter((t) => t.side === 'sell' && t.realizedPnlQuote !== undefined).length;
    await expect(page.locator('#analyzer-trades').textContent()).resolves.toBe(String(closed));

    await go(page, '#/controls', 'controls');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('exports the ledger as CSV with the session cookie', async () => {
    const cookie = await sessionCookie(local);
    const res = await raw(local, { method: 'GET', path: '/api/trades.csv', headers: { Host: `127.0.0.1:${local.port}`, Cookie: cookie } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^time,pair,side,reason,amountBase,price,costQuote,feeQuote,realizedPnlQuote,clientOrderId/);
    expect(lines.length - 1).toBe((await store.listTrades('paper', 0, sandbox.nowMs())).length);
  });

  it('force-exits one position, then flattens the rest, each after a confirmation: the local handler sells at the sandbox\'s prices', async () => {
    // Prepare
    expect((await store.listPositions('paper')).map((p) => p.pair)).toEqual(['BTC/USD', 'ETH/USD', 'SOL/USD']);
    const problems: string[] = [];
    const page = await openDashboard(local, problems);
    await go(page, '#/controls', 'controls');
    // Act: force-exit of SOL/USD.
    await page.selectOption('#force-exit-pair', 'SOL/USD');
    await page.click('#btn-force-exit');
    await expect(page.locator('#confirm-text').textContent()).resolves.toContain('SOL/USD');
    await page.click('#confirm-ok');
    await page.waitForSelector('body[data-control="ok"]', { timeout: 30_000 });
    await expect(page.locator('#control-output').textContent()).resolves.toMatch(/force-exit SOL\/USD \(paper, request force-exit-.*\): filled/);
    const before = await store.listPositions('paper');
    expect(before.map((p) => p.pair)).toEqual(['BTC/USD', 'ETH/USD']);
    await go(page, '#/controls', 'controls');
    // Act: cancel once (nothing is sent), then confirm.
    await page.click('#btn-flatten');
    await page.click('#confirm-cancel');
    await page.waitForFunction(() => document.getElementById('control-output')!.textContent!.includes('nothing was sent'));
    expect(await store.listPositions('paper')).toHaveLength(before.length);
    await page.click('#btn-flatten');
    await page.click('#confirm-ok');
    await page.waitForSelector('body[data-control="ok"]', { timeout: 30_000 });
    // Assess
    await expect(page.locator('#control-output').textContent()).resolves.toMatch(/flatten \(paper, request flatten-/);
    await screenshot(page, 'controls');
    expect(await store.listPositions('paper')).toEqual([]);
    expect((await store.getControl('paper')).halted).toBe(true);
    const ledger = await store.listTrades('paper', 0, sandbox.nowMs() + 60_000);
    const sells = ledger.filter((t) => t.reason === 'flatten');
    expect(sells.map((t) => t.pair).sort()).toEqual(before.map((p) => p.pair).sort());
    expect(ledger.filter((t) => t.reason === 'force-exit').map((t) => t.pair)).toEqual(['SOL/USD']);
    // Every closing row carries what the engine saw at its entry.
    for (const t of ledger.filter((r) => r.side === 'sell')) expect(t.entryFeatures?.strategy).toBe('force-entry');
    for (const s of [...sells, ...ledger.filter((t) => t.reason === 'force-exit')]) {
      const last = sandbox.candles(s.pair).at(-1)!.close;
      expect(Math.abs(s.price / last - 1)).toBeLessThan(0.01);
    }
    await go(page, '#/positions', 'positions');
    expect(await page.locator('#no-positions').count()).toBe(1);
    await screenshot(page, 'after-flatten');
    await go(page, '#/analyzer', 'analyzer');
    await expect(page.locator('#analyzer-trades').textContent()).resolves.toBe('3');
    await screenshot(page, 'analyzer');
    await go(page, '#/trades', 'trades');
    await screenshot(page, 'trades');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('Dashboard security', () => {
  // Each refusal is checked against a flag that must not change: the bot halted.
  beforeAll(async () => {
    await store.setControl('paper', { halted: true, haltExits: false, reason: 'security tests', updatedAtMs: sandbox.nowMs() });
  });
  it('refuses requests without the session token, with a wrong one, or for another Host', async () => {
    const host = { Host: `127.0.0.1:${local.port}` };
    for (const path of ['/', '/api/overview', '/api/trades.csv', '/app.js', '/?token=wrong']) {
      const res = await raw(local, { method: 'GET', path, headers: host });
      expect(res.status, path).toBe(401);
      expect(res.body).not.toContain('"mode"');
      expect([res.headers['cache-control'], res.headers['x-frame-options']], path).toEqual(['no-store', 'DENY']);
    }
    const cookie = await sessionCookie(local);
    const ok = await raw(local, { method: 'GET', path: '/api/overview', headers: { ...host, Cookie: cookie } });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    // DNS rebinding: the right cookie under a foreign Host name is refused before anything else.
    expect((await raw(local, { method: 'GET', path: '/api/overview', headers: { Host: `evil.example:${local.port}`, Cookie: cookie } })).status).toBe(421);
    expect((await raw(local, { method: 'OPTIONS', path: '/api/controls', headers: { ...host, Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses state-changing requests from another origin, without the CSRF token, or not POST', async () => {
    const cookie = await sessionCookie(local);
    const headers = { Host: `127.0.0.1:${local.port}`, Cookie: cookie, 'Content-Type': 'application/json' };
    const unhalt = JSON.stringify({ action: 'unhalt' });
    const before = await store.getControl('paper');
    expect(before.halted).toBe(true);
    expect((await raw(local, { method: 'POST', path: '/api/controls', headers: { ...headers, Origin: 'http://evil.example' }, body: unhalt })).status).toBe(403);
    expect((await raw(local, { method: 'POST', path: '/api/controls', headers: { ...headers, Origin: local.origin }, body: unhalt })).status).toBe(403);
    expect((await raw(local, { method: 'POST', path: '/api/controls', headers, body: unhalt })).status).toBe(403);
    expect((await raw(local, { method: 'GET', path: '/api/controls?action=unhalt', headers })).status).toBe(404);
    expect(await store.getControl('paper')).toEqual(before);
  });

  it('a page on another origin cannot unhalt the bot from the user\'s browser (form post and fetch)', async () => {
    // Prepare: the user's browser holds the session cookie; a hostile page on another port of this machine.
    const evil: Server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end(`<!doctype html><form id="f" method="POST" action="${local.origin}/api/controls" enctype="text/plain"><input name='{"action":"unhalt","x":"' value='"}'></form>
<script>fetch('${local.origin}/api/controls', { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: '{"action":"unhalt"}' }).catch(() => {}).finally(() => { document.title = 'fetched'; document.getElementById('f').submit(); });</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(local.url);
    expect((await context.cookies()).some((c) => c.name.startsWith('kbot_dashboard_'))).toBe(true);
    // Act
    const posted = page.waitForResponse((r) => r.url() === `${local.origin}/api/controls` && r.request().method() === 'POST');
    await page.goto(evilUrl);
    const response = await posted;
    // Assess: the form post arrived with the cookie and was refused; the flag is unchanged.
    expect(response.status()).toBe(403);
    expect((await store.getControl('paper')).halted).toBe(true);
    await context.close();
    await new Promise<void>((resolve) => evil.close(() => resolve()));
  });
});

describe('Dashboard on a deployed bot (AWS mocked)', () => {
  const outputs = {
    RuleName: 'KrakenBot-tick-schedule',
    FunctionName: 'KrakenBot-tick',
    ExitCommandsAliasArn: 'arn:aws:lambda:eu-west-1:123456789012:function:KrakenBot-tick:exit-commands',
    TableName: 'KrakenBot-Table',
    Mode: 'paper',
    HeartbeatAlarmName: 'KrakenBot-no-completed-tick',
  };
  let deployed: DashboardServer;
  const cloudFormation = mockClient(CloudFormationClient);
  const eventBridge = mockClient(EventBridgeClient);
  const lambda = mockClient(LambdaClient);
  const cloudWatch = mockClient(CloudWatchClient);
  let ruleState = 'ENABLED';
  let mismatchTick: TickResult;

  beforeAll(async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'KrakenBot', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(START), Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
    eventBridge.on(DescribeRuleCommand).callsFake(() => ({ Name: outputs.RuleName, State: ruleState, ScheduleExpression: 'cron(0/5 * * * ? *)' }));
    eventBridge.on(DisableRuleCommand).callsFake(() => {
      ruleState = 'DISABLED';
      return {};
    });
    eventBridge.on(EnableRuleCommand).callsFake(() => {
      ruleState = 'ENABLED';
      return {};
    });
    lambda.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { KBOT_CONFIG: JSON.stringify({ pairs: PAIRS, limits: { maxTradesPerDay: 9, maxTradesPerPairPerDay: 3, maxDailyLossQuote: 75 } }) } } });
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'KrakenBot-no-completed-tick', StateValue: 'ALARM', StateReason: 'Threshold Crossed: no datapoint for 3 periods', StateUpdatedTimestamp: new Date(START) }] });
    // Coins of a traded asset turn up in the (paper) account outside the bot: the next tick finds a holdings mismatch.
    const wallet = (await store.getWallet())!;
    expect(await store.putWallet({ ...wallet.balances, BTC: (wallet.balances.BTC ?? 0) + 0.05 }, wallet.version)).toBe(true);
    const boundary = Math.floor(sandbox.nowMs() / FIVE_MINUTES_MS) * FIVE_MINUTES_MS + FIVE_MINUTES_MS;
    sandbox.setTime(boundary + 1_000);
    mismatchTick = await stack.handler(scheduledEvent(boundary), { awsRequestId: 'dash-mismatch' });
    const clients = createAwsClients({ region: 'eu-west-1' });
    // The deployed function's table is, here, the local bot's: real ledger, journal and positions.
    const backend = deployedBackend({ clients, stackName: 'KrakenBot', openStore: () => store, cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }), exchangeUrl: sandbox.url, nowMs: () => sandbox.nowMs() });
    deployed = await startDashboardServer({ backend, nowMs: () => sandbox.nowMs() });
  });
  afterAll(async () => {
    await deployed?.close();
    cloudFormation.restore();
    eventBridge.restore();
    lambda.restore();
    cloudWatch.restore();
  });

  it('shows the schedule, the limits and the alarms in ALARM; pause disables the rule after a confirmation', async () => {
    // Prepare
    const problems: string[] = [];
    const page = await openDashboard(deployed, problems);
    await expect(page.locator('#schedule').textContent()).resolves.toBe('running');
    await expect(page.locator('#entries').textContent()).resolves.toMatch(/ \/ 9$/);
    await expect(page.locator('tr.alarm').textContent()).resolves.toContain('KrakenBot-no-completed-tick');
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toMatchObject({ AlarmNamePrefix: 'KrakenBot-', StateValue: 'ALARM' });
    // The last tick's holdings check, as the tick found it.
    const btcCheck = mismatchTick.holdings.find((h) => h.asset === 'BTC');
    expect(btcCheck).toMatchObject({ status: 'mismatch', diffBase: expect.closeTo(0.05, 8) });
    await expect(page.locator('#holdings').textContent()).resolves.toBe('MISMATCH');
    await expect(page.locator('tr.holding').first().textContent()).resolves.toMatch(/^BTCmismatch.*\+0\.05/);
    await screenshot(page, 'deployed-overview');
    // Act
    await go(page, '#/controls', 'controls');
    await page.click('#btn-pause');
    await expect(page.locator('#confirm-text').textContent()).resolves.toContain('not watched');
    await page.click('#confirm-ok');
    await page.waitForSelector('body[data-control="ok"]');
    // Assess: the CLI's pause ran: DisableRule on the stack's rule, and its own words are shown.
    expect(eventBridge.commandCalls(DisableRuleCommand).map((c) => c.args[0].input)).toEqual([{ Name: outputs.RuleName }]);
    expect(eventBridge.commandCalls(EnableRuleCommand)).toHaveLength(0);
    await expect(page.locator('#control-output').textContent()).resolves.toContain(`schedule rule ${outputs.RuleName}: DISABLED`);
    await go(page, '#/overview', 'overview');
    await expect(page.locator('#schedule').textContent()).resolves.toBe('PAUSED');
    expect(problems).toEqual([]);
    await page.context().close();
    writeFileSync(join(ARTIFACTS, 'README.txt'), 'Screenshots written by test/e2e/dashboard.test.ts (gitignored). KBOT_DOCS_IMAGES=1 copies them to docs/images/.\n');
  });
});
