// Dashboard: the local web server (Hono on Node's http server). Listens on 127.0.0.1 only; every
// request needs the session token (from the printed URL, then a cookie); state-changing requests
// are POSTs from the dashboard's own origin carrying the session's CSRF token; no CORS.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../projectRoot.js';
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { ONE_DAY_MS } from '../core/types.js';
import { CONTROL_ACTIONS, type ControlRequest, type DashboardBackend } from './dashboardBackend.js';
import {
  DEFAULT_DECISION_WINDOW_MS,
  DEFAULT_TRADE_WINDOW_MS,
  analyzerData,
  candlesData,
  decisionsData,
  overviewData,
  positionsData,
  timeParam,
  tradesCsv,
  tradesData,
} from './dashboardData.js';

// From the project root, so the compiled CLI (which runs from node_modules/.cache) finds it too.
const STATIC_DIR = join(PROJECT_ROOT, 'functions', 'dashboard', 'static');

/** The page, its script and style, read once; lightweight-charts' standalone build from node_modules. */
function staticFiles(): Record<string, { body: string; type: string }> {
  const require = createRequire(import.meta.url);
  const charts = join(dirname(require.resolve('lightweight-charts/package.json')), 'dist', 'lightweight-charts.standalone.production.js');
  return {
    '/': { body: readFileSync(join(STATIC_DIR, 'index.html'), 'utf8'), type: 'text/html; charset=utf-8' },
    '/app.js': { body: readFileSync(join(STATIC_DIR, 'app.js'), 'utf8'), type: 'text/javascript; charset=utf-8' },
    '/style.css': { body: readFileSync(join(STATIC_DIR, 'style.css'), 'utf8'), type: 'text/css; charset=utf-8' },
    '/lightweight-charts.js': { body: readFileSync(charts, 'utf8'), type: 'text/javascript; charset=utf-8' },
  };
}

/** Everything the page may load: its own files, no inline script (inline styles only: the chart library sets them), nothing from elsewhere, never framed. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const controlSchema = z.discriminatedUnion('action', [
  z.object({ action: z.enum(['pause', 'resume', 'unhalt', 'flatten']) }),
  z.object({ action: z.literal('halt'), reason: z.string().max(200).optional(), exits: z.boolean().optional() }),
  z.object({ action: z.literal('force-exit'), pair: z.string().regex(/^[A-Z0-9]{2,10}\/[A-Z]{2,5}$/) }),
]);

export interface DashboardServerOptions {
  backend: DashboardBackend;
  /** 0 (default) picks a free port. */
  port?: number;
  nowMs?: () => number;
  /** Called with each control and its result (the CLI logs them to stderr). */
  onControl?: (request: ControlRequest, ok: boolean) => void;
}

/** A running dashboard. `url` carries the session token: give it only to the browser. */
export interface DashboardServer {
  url: string;
  origin: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Builds the Hono app for a dashboard bound to `origin` (`http://127.0.0.1:<port>`), with a fresh
 * session token and CSRF token.
 */
export function dashboardApp(options: DashboardServerOptions, port: () => number, tokens: { session: string; csrf: string }): Hono {
  const { backend } = options;
  const nowMs = options.nowMs ?? (() => Date.now());
  const files = staticFiles();
  const app = new Hono();
  const cookieName = () => `kbot_dashboard_${port()}`;
  const allowedHosts = () => [`127.0.0.1:${port()}`, `localhost:${port()}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);

  app.onError((err, c) => {
    // The message only: stack traces and SDK internals stay in this process.
    return c.json({ error: err instanceof Error ? err.message : String(err) }, 500);
  });

  // Headers on every answer (refusals and the token redirect included), and the checks every request passes first.
  app.use('*', async (c, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    // A Host other than our own is a DNS-rebinding page talking to this port: refuse before anything.
    const host = c.req.header('host') ?? '';
    if (!allowedHosts().includes(host)) return c.text('unknown host', 421);
    if (c.req.method !== 'GET' && c.req.method !== 'POST') return c.text('method not allowed', 405);
    const fromUrl = c.req.method === 'GET' ? c.req.query('token') : undefined;
    const fromCookie = getCookie(c, cookieName());
    if (fromUrl !== undefined && sameSecret(fromUrl, tokens.session)) {
      // The token URL: set the session cookie and drop the token from the address bar and history.
      setCookie(c, cookieName(), tokens.session, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return c.redirect('/', 303);
    }
    if (fromCookie === undefined || !sameSecret(fromCookie, tokens.session)) {
      return c.text('This dashboard needs the session token: open the URL kbot printed when it started.', 401);
    }
    if (c.req.method === 'POST') {
      const origin = c.req.header('origin');
      if (!origin || !allowedOrigins().includes(origin)) return c.json({ error: 'cross-site request refused' }, 403);
      const csrf = c.req.header('x-kbot-csrf');
      if (!csrf || !sameSecret(csrf, tokens.csrf)) return c.json({ error: 'missing or wrong CSRF token' }, 403);
      if (!(c.req.header('content-type') ?? '').startsWith('application/json')) return c.json({ error: 'expected application/json' }, 415);
    }
    await next();
  });

  for (const [path, file] of Object.entries(files)) app.get(path, (c) => c.body(file.body, 200, { 'Content-Type': file.type }));

  app.get('/api/session', async (c) => c.json({ csrfToken: tokens.csrf, kind: backend.kind, label: backend.label, mode: await backend.mode(), actions: CONTROL_ACTIONS }));
  app.get('/api/overview', async (c) => c.json(await overviewData(backend, nowMs(), Number(c.req.query('days') ?? 2) || 2)));
  app.get('/api/positions', async (c) => c.json(await positionsData(backend)));
  app.get('/api/candles', async (c) => {
    const pair = c.req.query('pair') ?? '';
    if (!/^[A-Z0-9]{2,10}\/[A-Z]{2,5}$/.test(pair)) return c.json({ error: 'pair must look like BTC/USD' }, 400);
    return c.json(await candlesData(backend, pair));
  });
  const tradeFilter = (c: Context) => {
    const toMs = timeParam(c.req.query('to'), nowMs());
    return {
      fromMs: timeParam(c.req.query('from'), toMs - DEFAULT_TRADE_WINDOW_MS),
      toMs,
      ...optional('pair', c.req.query('pair')),
      ...optional('side', c.req.query('side')),
      ...optional('reason', c.req.query('reason')),
    };
  };
  app.get('/api/trades', async (c) => c.json(await tradesData(backend, tradeFilter(c))));
  app.get('/api/trades.csv', async (c) => {
    const { trades, mode } = await tradesData(backend, tradeFilter(c));
    return c.body(tradesCsv(trades), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="kbot-${mode}-trades.csv"` });
  });
  app.get('/api/decisions', async (c) => {
    const toMs = timeParam(c.req.query('to'), nowMs());
    const limit = Math.min(2_000, Math.max(1, Number(c.req.query('limit') ?? 288) || 288));
    return c.json(await decisionsData(backend, { fromMs: timeParam(c.req.query('from'), toMs - DEFAULT_DECISION_WINDOW_MS), toMs, limit, ...optional('pair', c.req.query('pair')), ...optional('query', c.req.query('q')) }));
  });
  app.get('/api/analyzer', async (c) => {
    const toMs = timeParam(c.req.query('to'), nowMs());
    return c.json(await analyzerData(backend, timeParam(c.req.query('from'), toMs - 365 * ONE_DAY_MS), toMs));
  });
  app.post('/api/controls', async (c) => {
    const parsed = controlSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: `invalid control: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` }, 400);
    const result = await backend.control(parsed.data as ControlRequest);
    options.onControl?.(parsed.data as ControlRequest, result.ok);
    return c.json(result, result.ok ? 200 : 409);
  });
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  return app;
}

/** Starts the dashboard on 127.0.0.1 and returns its token URL. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const tokens = { session: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url') };
  let port = 0;
  const app = dashboardApp(options, () => port, tokens);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: options.port ?? 0 }, () => resolve(s));
    s.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${tokens.session}`,
    origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
