// Use case (the assistant): the tools Bedrock may call. Each reads the bot's own records (status,
// positions, ledger, P&L, daily counters, decisions, analyzer figures and market prices when a
// source is given) and returns plain JSON; `propose_command` only records a proposal. No tool
// writes, trades or changes a setting.
import type { StatusReport } from '../cli/ops/status.js';
import type { StorePort } from '../core/ports.js';
import { ONE_DAY_MS, type Mode, type Pair } from '../core/types.js';
import { PROPOSABLE_COMMANDS, type CommandProposal } from './assistantTypes.js';
import { readDaily, readProfit, readTrades } from './botRecords.js';
import type { DecisionReader } from './decisionReader.js';

/** JSON a tool returns (always an object: Bedrock's tool result takes a JSON document). */
export type ToolResult = Record<string, unknown>;

/** A tool as Bedrock sees it (its spec) and as the loop runs it. */
export interface RecordTool {
  name: string;
  description: string;
  /** JSON Schema of the input. */
  inputSchema: Record<string, unknown>;
  run(input: Record<string, unknown>): Promise<ToolResult>;
  /** One line of what the result shows, for the refusal text when a statement is not supported. */
  summarize?(result: ToolResult): string | undefined;
}

/** Where the tools read from. Optional sources leave their tool out. */
export interface RecordSources {
  store: StorePort;
  mode: Mode;
  quote: string;
  /** The configured pairs (from the deployment), so "which pairs do you trade" has an answer. */
  pairs: readonly Pair[];
  decisions: DecisionReader;
  nowMs(): number;
  /** `kbot status`'s report (schedule, limits); without it the status tool reads the table only. */
  status?(): Promise<StatusReport | undefined>;
  /** The trade analyzer's figures, when the deployment has it. */
  analyzer?(): Promise<Record<string, unknown>>;
  /** The exchange's current price (Kraken's public ticker). */
  ticker?(pair: Pair): Promise<{ bid: number; ask: number; last: number; timestampMs: number }>;
}

/** Called when the model proposes a command (the loop keeps the last one). */
export type ProposalSink = (proposal: CommandProposal) => void;

const iso = (ms: number) => new Date(ms).toISOString();
const PAIR_SCHEMA = { type: 'string', description: 'a pair as the bot writes it, e.g. BTC/USD' };

/** The tools over `sources`; `propose` receives command proposals. */
export function recordTools(sources: RecordSources, propose: ProposalSink): RecordTool[] {
  const { store, mode } = sources;
  const tools: RecordTool[] = [
    {
      name: 'get_status',
      description: 'The bot now: mode, configured pairs, schedule (running or paused), halt flag, today\'s entries, exits and realized P&L, kill switch, limits, number of open positions, the last completed tick.',
      inputSchema: { type: 'object', properties: {} },
      async run() {
        const nowMs = sources.nowMs();
        const report = await sources.status?.();
        const day = iso(nowMs).slice(0, 10);
        const [halt, today, positions, lastTick] = report
          ? [report.halt, report.today, report.positions, report.lastTick ? { candleCloseIso: report.lastTick.candleCloseIso, completedAtIso: report.lastTick.completedAtIso, summary: report.lastTick.summary } : null]
          : await Promise.all([store.getControl(mode), store.getDay(mode, day), store.listPositions(mode), store.getLastTick(mode).then((t) => (t ? { candleCloseIso: t.candleCloseIso, completedAtIso: iso(t.completedAtMs), summary: t.summary } : null))]);
        return {
          mode,
          quoteCurrency: sources.quote,
          configuredPairs: [...sources.pairs],
          nowIso: iso(nowMs),
          schedule: report ? ('error' in report.schedule ? 'unknown' : report.schedule.state === 'ENABLED' ? 'running' : 'paused') : 'unknown',
          halt: { halted: halt.halted, haltExits: halt.haltExits, reason: halt.reason ?? null },
          today: { day: today.day, entries: today.trades, exits: today.exits, realizedPnlQuote: today.realizedPnlQuote, killSwitchTripped: today.killSwitchTripped },
          limits: report?.limits ?? null,
          openPositions: positions.length,
          lastTick,
        };
      },
      summarize: (r) => {
        const today = r.today as { entries: number; exits: number; realizedPnlQuote: number };
        return `today: ${today.entries} entries, ${today.exits} exits, realized P&L ${today.realizedPnlQuote} ${sources.quote}; ${String(r.openPositions)} open positions; schedule ${String(r.schedule)}`;
      },
    },
    {
      name: 'get_positions',
      description: 'Open positions: pair, amount, entry price and time, cost, entry fee, stop, take-profit, trailing stop, strategy.',
      inputSchema: { type: 'object', properties: {} },
      async run() {
        const positions = (await store.listPositions(mode)).sort((a, b) => a.pair.localeCompare(b.pair));
        return {
          count: positions.length,
          positions: positions.map((p) => ({
            pair: p.pair,
            amountBase: p.amountBase,
            entryPrice: p.entryPrice,
            entryTimeIso: iso(p.entryTimeMs),
            costQuote: p.costQuote,
            entryFeeQuote: p.entryFeeQuote,
            stopPrice: p.stopPrice ?? null,
            takeProfitPrice: p.takeProfitPrice ?? null,
            trailing: p.trailing ?? null,
            strategy: p.strategy,
          })),
        };
      },
      summarize: (r) => `${String(r.count)} open positions${(r.positions as { pair: string }[]).length ? ` (${(r.positions as { pair: string }[]).map((p) => p.pair).join(', ')})` : ''}`,
    },
    {
      name: 'get_trades',
      description: 'Rows of the trade ledger (fills and bookkeeping), newest first: time, pair, side, reason, amount, price, cost, fee, realized P&L of closing sells, client order id.',
      inputSchema: {
        type: 'object',
        properties: {
          days: { type: 'integer', minimum: 1, maximum: 90, description: 'how many days back, default 7' },
          pair: PAIR_SCHEMA,
          limit: { type: 'integer', minimum: 1, maximum: 50, description: 'at most this many rows, default 20' },
        },
      },
      async run(input) {
        const nowMs = sources.nowMs();
        const days = clampInt(input.days, 1, 90, 7);
        const rows = await readTrades(store, mode, { fromMs: nowMs - days * ONE_DAY_MS, toMs: nowMs, limit: clampInt(input.limit, 1, 50, 20), ...(typeof input.pair === 'string' ? { pair: input.pair.toUpperCase() } : {}) });
        return {
          days,
          count: rows.length,
          trades: rows.map((t) => ({
            timeIso: iso(t.timestampMs),
            pair: t.pair,
            side: t.side,
            reason: t.reason,
            amountBase: t.amountBase,
            price: t.price,
            costQuote: t.costQuote,
            feeQuote: t.feeQuote,
            realizedPnlQuote: t.realizedPnlQuote ?? null,
            clientOrderId: t.clientOrderId,
          })),
        };
      },
      summarize: (r) => `${String(r.count)} ledger rows in the last ${String(r.days)} days`,
    },
    {
      name: 'get_profit',
      description: 'Realized P&L (net of fees) from the ledger: today (UTC), last 7 days, last 30 days, all time; closed trades, wins, losses, fees, and P&L per pair. Use these totals as they are; do not add figures yourself.',
      inputSchema: { type: 'object', properties: {} },
      async run() {
        return { quoteCurrency: sources.quote, windows: await readProfit(store, mode, sources.nowMs()) };
      },
      summarize: (r) =>
        `realized P&L ${(r.windows as { window: string; realizedPnlQuote: number; closed: number }[]).map((w) => `${w.window} ${w.realizedPnlQuote} ${sources.quote} (${w.closed} closed)`).join(', ')}`,
    },
    {
      name: 'get_daily',
      description: 'The daily counters of the last UTC days, newest first: entries, exits, realized P&L, kill switch.',
      inputSchema: { type: 'object', properties: { days: { type: 'integer', minimum: 1, maximum: 31, description: 'default 7' } } },
      async run(input) {
        return { quoteCurrency: sources.quote, days: await readDaily(store, mode, sources.nowMs(), clampInt(input.days, 1, 31, 7)) };
      },
    },
    {
      name: 'get_decision',
      description: 'Why the bot did or did not trade a pair at a tick: market data verdict, entry or exit decision with the rule and its values, orders, halts, locks. From the decision journal when it is kept, otherwise from the last tick\'s summary only.',
      inputSchema: { type: 'object', properties: { pair: PAIR_SCHEMA, atIso: { type: 'string', description: 'ISO time; default the latest tick' } }, required: ['pair'] },
      async run(input) {
        const pair = String(input.pair ?? '').toUpperCase();
        const atMs = typeof input.atIso === 'string' && Number.isFinite(Date.parse(input.atIso)) ? Date.parse(input.atIso) : undefined;
        const decision = await sources.decisions.decisionFor(mode, pair, atMs);
        return decision ? { found: true, ...decision } : { found: false, pair, source: sources.decisions.source };
      },
      summarize: (r) => (r.found ? `a decision for ${String((r.decision as { pair: string }).pair)} at the tick of ${String(r.candleCloseIso)}` : `no recorded decision for ${String(r.pair)}`),
    },
    {
      name: 'propose_command',
      description: 'Propose an operator command for the user to confirm (pause, resume, halt, unhalt, flatten, or force-exit with a pair). It does NOT run anything: the user is shown a Confirm button and the command then runs the normal way.',
      inputSchema: {
        type: 'object',
        properties: { command: { type: 'string', enum: [...PROPOSABLE_COMMANDS] }, pair: PAIR_SCHEMA, reason: { type: 'string', description: 'why, in one sentence' } },
        required: ['command', 'reason'],
      },
      async run(input) {
        const command = PROPOSABLE_COMMANDS.find((c) => c === input.command);
        if (!command) return { proposed: false, error: `unknown command ${String(input.command)}` };
        const pair = typeof input.pair === 'string' ? input.pair.toUpperCase() : undefined;
        if (command === 'force-exit' && !pair) return { proposed: false, error: 'force-exit needs a pair' };
        propose({ command, ...(command === 'force-exit' && pair ? { pair } : {}), reason: String(input.reason ?? '').slice(0, 300) });
        return { proposed: true, note: 'Nothing was run. The user will be asked to confirm; tell them what the command does.' };
      },
    },
  ];
  if (sources.analyzer) {
    const analyzer = sources.analyzer;
    tools.push({
      name: 'get_analyzer',
      description: 'The trade analyzer\'s figures over the ledger: win rate, expectancy, profit factor, average win and loss, by strategy, pair, exit reason.',
      inputSchema: { type: 'object', properties: {} },
      run: () => analyzer(),
    });
  }
  if (sources.ticker) {
    const ticker = sources.ticker;
    tools.push({
      name: 'get_market_price',
      description: 'The exchange\'s current bid, ask and last price of a pair.',
      inputSchema: { type: 'object', properties: { pair: PAIR_SCHEMA }, required: ['pair'] },
      async run(input) {
        const pair = String(input.pair ?? '').toUpperCase();
        const t = await ticker(pair);
        return { pair, bid: t.bid, ask: t.ask, last: t.last, timeIso: iso(t.timestampMs) };
      },
      summarize: (r) => `${String(r.pair)} last ${String(r.last)}`,
    });
  }
  return tools;
}

function clampInt(value: unknown, min: number, max: number, fallback: number): number {
  const n = typeof value === 'number' ? Math.trunc(value) : typeof value === 'string' ? Number.parseInt(value, 10) : Number.NaN;
  return Number.isFinite(n) ? Math.min(Math.max(n, min), max) : fallback;
}
