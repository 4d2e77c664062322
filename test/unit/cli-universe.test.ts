// `kbot universe`: the preview on the sandbox's AssetPairs and tickers (or a saved AssetPairs
// snapshot), with a reason for every pair, and `--json` as one document.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markUniverseStale, runUniverseCli } from '../../functions/cli/universe.js';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import { universeIsFresh } from '../../functions/core/universe/tickUniverse.js';
import { universeKey } from '../../functions/core/universe/selectUniverse.js';
import { universeSchema } from '../../functions/core/universe/universeConfig.js';
import { ConfigError } from '../../functions/core/config.js';

const AT = '2026-06-01T12:00:00.000Z';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

function configFile(body: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'kbot-universe-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(body));
  return file;
}

describe('kbot universe', () => {
  it('prints one JSON document: sub-cent tokens only, the include list first, a reason for each pair', async () => {
    const file = configFile({ pairs: { quote: 'USD', maxPrice: 0.01, include: ['BTC/USD'], exclude: ['SHIB/USD'], topN: 4 } });
    const c = capture();
    await runUniverseCli({ config: file, at: AT, json: true, assetPairs: undefined }, c.io);
    expect(c.out).toHaveLength(1);
    const report = JSON.parse(c.out[0]!) as { selection: { pairs: string[]; verdicts: { pair: string; rule: string; included: boolean; tier?: number; price?: number }[] } };
    const { pairs, verdicts } = report.selection;
    expect(pairs[0]).toBe('BTC/USD');
    expect(pairs).toHaveLength(4);
    for (const pair of pairs.slice(1)) expect(verdicts.find((v) => v.pair === pair)).toMatchObject({ included: true, rule: 'selected', tier: 1 });
    for (const v of verdicts.filter((x) => x.rule === 'selected')) expect(v.price!).toBeLessThanOrEqual(0.01);
    expect(verdicts.find((v) => v.pair === 'SHIB/USD')).toMatchObject({ included: false, rule: 'exclude' });
    expect(verdicts.find((v) => v.pair === 'ETH/USD')).toMatchObject({ included: false, rule: 'price' });
  });

  it('reads listings from a saved AssetPairs snapshot: a pair the sandbox has no ticker for is out, and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbot-universe-'));
    const snapshot = join(dir, 'asset-pairs.json');
    const pair = (id: string, wsname: string, status = 'online') => [id, { altname: id, wsname, base: wsname.split('/')[0], quote: 'ZUSD', pair_decimals: 5, lot_decimals: 8, ordermin: '1', costmin: '0.5', status }];
    writeFileSync(snapshot, JSON.stringify({ error: [], result: Object.fromEntries([pair('XXBTZUSD', 'XBT/USD'), pair('WIFUSD', 'WIF/USD'), pair('XDGUSD', 'XDG/USD', 'cancel_only')]) }));
    const c = capture();
    const report = await runUniverseCli({ at: AT, assetPairs: snapshot }, c.io);
    expect(report.selection.pairs).toEqual(['BTC/USD']);
    expect(Object.fromEntries(report.selection.verdicts.map((v) => [v.pair, v.rule]))).toEqual({ 'BTC/USD': 'selected', 'WIF/USD': 'no-ticker', 'DOGE/USD': 'inactive' });
    expect(c.out.join('\n')).toMatch(/WIF\/USD +no .*no ticker for the pair/);
  });

  it('--refresh marks the stored universe stale, keeping its pairs, so the next tick rebuilds it', async () => {
    const store = new MemoryStore();
    const def = universeSchema.parse({});
    expect((await markUniverseStale(store, 'paper')).stale).toBe(false);
    const now = Date.parse(AT);
    await store.putUniverse({ mode: 'paper', key: universeKey(def), refreshedAtMs: now - 3_600_000, pairs: ['BTC/USD'], tiers: {}, firstSeenMs: {}, outByRule: {} });
    expect(universeIsFresh(def, await store.getUniverse('paper'), now)).toBe(true);
    const marked = await markUniverseStale(store, 'paper');
    expect(marked).toMatchObject({ stale: true, refreshedAtIso: '2026-06-01T11:00:00.000Z' });
    const stored = await store.getUniverse('paper');
    expect(stored?.pairs).toEqual(['BTC/USD']);
    expect(universeIsFresh(def, stored, now)).toBe(false);
  });

  it('refuses a configuration whose pairs is a list', async () => {
    await expect(runUniverseCli({ config: configFile({ pairs: ['BTC/USD'] }) }, capture().io)).rejects.toThrow(ConfigError);
  });
});
