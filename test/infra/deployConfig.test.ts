// Infra tests: deployment settings — defaults, validation with named fields, and where they are
// read from (kbot.deploy.json, another file named by context, single-field context overrides).
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runMarketsCli } from '../../functions/cli/data.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';
import { createsKeysKmsKey, DeployConfigError, parseDeployConfig } from '../../lib/deployConfig.js';
import { loadDeployConfig, type LoadDeployConfigOptions } from '../../lib/loadDeployConfig.js';

describe('Function: parseDeployConfig', () => {
  it('defaults to a paper bot named KrakenBot on a 5-minute schedule, no alerts', () => {
    const config = parseDeployConfig({});
    expect(config).toMatchObject({
      prefix: 'KrakenBot',
      mode: 'paper',
      allowLiveTrading: false,
      validateOnly: false,
      scheduleEnabled: true,
      keysParameterName: '/kbot/kraken/api-keys',
      logRetentionDays: 30,
      memoryMb: 256,
      timeoutSeconds: 90,
    });
    expect(config.alertEmail).toBeUndefined();
    expect(config.alertPhone).toBeUndefined();
    expect(config.bot.mode).toBe('paper');
    expect(config.bot.pairs).toEqual(['BTC/USD', 'ETH/USD']);
  });

  it('puts the top-level mode, gates and pairs into the bot config', () => {
    const config = parseDeployConfig({ mode: 'live', allowLiveTrading: true, validateOnly: true, pairs: ['SOL/USD'], bot: { limits: { maxTradesPerDay: 2 } } });
    expect(config.bot).toMatchObject({ mode: 'live', allowLiveTrading: true, validateOnly: true, pairs: ['SOL/USD'], limits: { maxTradesPerDay: 2 } });
    expect(JSON.parse(config.botConfigJson)).toEqual({ limits: { maxTradesPerDay: 2 }, mode: 'live', allowLiveTrading: true, validateOnly: true, pairs: ['SOL/USD'] });
  });

  it('refuses a pair count or a universe topN a tick cannot read within the timeout, with the estimate', () => {
    const many = Array.from({ length: 50 }, (_, i) => `T${String(i + 1).padStart(2, '0')}/USD`);
    // 50 pairs: about 62 s, within 80% of the default 90 s.
    expect(parseDeployConfig({ pairs: many }).bot.pairs).toHaveLength(50);
    expect(() => parseDeployConfig({ pairs: many, timeoutSeconds: 60 })).toThrow(
      /pairs: 50 pairs: a tick would take about 62 s \(1\.22 s per pair, measured by npm run bench:tick\), more than 80% of the 60 s timeout; at most 38 pairs fit, or raise timeoutSeconds/,
    );
    expect(() => parseDeployConfig({ timeoutSeconds: 45, bot: { pairs: { quote: 'USD', topN: 30 } } })).toThrow(/bot\.pairs\.topN: topN 30 plus up to 3 held pairs outside the universe: a tick would take about 41 s/);
    expect(parseDeployConfig({ bot: { pairs: { quote: 'USD', topN: 30 } } }).bot.universe?.topN).toBe(30);
    // The market recorder reads Depth too: 2.6 s per pair.
    expect(() => parseDeployConfig({ pairs: many.slice(0, 30), bot: { strategies: { use: ['microstructure'] } } })).toThrow(/30 pairs: a tick would take about 79 s \(2\.6 s per pair with the market recorder, measured by npm run bench:tick\).*at most 27 pairs fit/);
  });

  it('names the bad bot config field as written in the file', () => {
    expect(() => parseDeployConfig({ bot: { tick: { closeDelayMs: -1 } } })).toThrow(/bot\.tick\.closeDelayMs: /);
    expect(() => parseDeployConfig({ bot: { limits: { maxTradesPerDay: -1 } } })).toThrow(/bot\.limits\.maxTradesPerDay: /);
    expect(() => parseDeployConfig({ pairs: ['BTC/USD', 'ETH/EUR'] })).toThrow(/\n {2}pairs: all pairs must share one quote currency/);
  });

  it('names bad deployment fields and refuses unknown ones', () => {
    const error = catchError(() => parseDeployConfig({ alertPhone: '555-1234', alertEmail: 'nope', logRetentionDays: 10, prefix: '1bot', colour: 'red' }));
    expect(error).toBeInstanceOf(DeployConfigError);
    expect(error.message).toMatch(/alertPhone: must be an E\.164 phone number/);
    expect(error.message).toMatch(/alertEmail: must be an email address/);
    expect(error.message).toMatch(/logRetentionDays: must be one of 1, 3, 5, 7, 14, 30/);
    expect(error.message).toMatch(/prefix: must start with a letter/);
    expect(error.message).toMatch(/colour/);
  });

  it('names deployment and bot config mistakes together, so one run shows them all', () => {
    const error = catchError(() => parseDeployConfig({ alertPhone: '555', bot: { limits: { maxTradesPerDay: -1 } } }));
    expect(error.message).toMatch(/^Invalid deployment config:\n {2}alertPhone: must be an E\.164/);
    expect(error.message).toMatch(/\n {2}bot\.limits\.maxTradesPerDay: /);
  });

  it('refuses mode, gates or pairs set inside bot, where they would be ignored', () => {
    expect(() => parseDeployConfig({ bot: { mode: 'live' } })).toThrow(/bot\.mode: set mode at the top level/);
    expect(() => parseDeployConfig({ pairs: ['BTC/USD'], bot: { pairs: ['ETH/USD'] } })).toThrow(/bot\.pairs: set pairs at the top level/);
    // bot.pairs alone is fine: nothing overrides it.
    expect(parseDeployConfig({ bot: { pairs: ['ETH/USD'] } }).bot.pairs).toEqual(['ETH/USD']);
  });

  it('refuses live mode without allowLiveTrading', () => {
    expect(() => parseDeployConfig({ mode: 'live' })).toThrow(/allowLiveTrading: must be true to deploy mode "live"/);
    expect(parseDeployConfig({ mode: 'live', allowLiveTrading: true }).bot.mode).toBe('live');
  });

  it('refuses a timeout the tick lease does not cover', () => {
    expect(() => parseDeployConfig({ timeoutSeconds: 120, bot: { tick: { leaseMs: 100_000 } } })).toThrow(/bot\.tick\.leaseMs: 100000 ms must exceed timeoutSeconds \(120 s\)/);
    expect(() => parseDeployConfig({ timeoutSeconds: 300 })).toThrow(/timeoutSeconds/);
    expect(parseDeployConfig({ timeoutSeconds: 120, bot: { tick: { leaseMs: 200_000 } } }).timeoutSeconds).toBe(120);
  });

  it('accepts E.164 phone numbers and customer managed key ARNs', () => {
    const config = parseDeployConfig({ alertPhone: '+447700900123', keysKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' });
    expect(config.alertPhone).toBe('+447700900123');
    expect(() => parseDeployConfig({ keysKmsKeyArn: 'alias/aws/ssm' })).toThrow(/keysKmsKeyArn: must be a KMS key ARN/);
  });
});

describe('Strict deployment settings: typos are refused with the key meant', () => {
  it('refuses a misspelt key inside bot, at its path in the file, instead of deploying the default', () => {
    const error = catchError(() => parseDeployConfig({ bot: { limits: { maxDailyLoss: 5 } } }));
    expect(error).toBeInstanceOf(DeployConfigError);
    expect(error.message).toBe('Invalid deployment config:\n  bot.limits.maxDailyLoss: unknown key; did you mean maxDailyLossQuote?');
    expect((error as DeployConfigError).issues).toEqual([{ path: ['bot', 'limits', 'maxDailyLoss'], message: 'unknown key', suggestion: 'maxDailyLossQuote' }]);
  });

  it('suggests the nearest top-level field, the new key fields included', () => {
    const error = catchError(() => parseDeployConfig({ alertMail: 'me@example.com', keysKmsKeyArm: 'x', existingTable: 'T1', keysKmsKeys: true }));
    expect(error.message.split('\n').slice(1).sort()).toEqual([
      '  alertMail: unknown key; did you mean alertEmail?',
      '  existingTable: unknown key; did you mean existingTableName?',
      '  keysKmsKeyArm: unknown key; did you mean keysKmsKeyArn?',
      '  keysKmsKeys: unknown key; did you mean keysKmsKey?',
    ]);
  });

  it('says where a bot setting written at the top level belongs', () => {
    expect(() => parseDeployConfig({ limits: { maxTradesPerDay: 2 } })).toThrow('limits: unknown key; bot settings go inside "bot" (bot.limits)');
  });

  it('refuses null and non-objects for the settings and for bot', () => {
    expect(catchError(() => parseDeployConfig(null)).message).toBe('Invalid deployment config:\n  (root): expected a JSON object, got null');
    expect(catchError(() => parseDeployConfig({ bot: null })).message).toBe('Invalid deployment config:\n  bot: expected a JSON object, got null');
    expect(catchError(() => parseDeployConfig({ bot: { exits: [] } })).message).toBe('Invalid deployment config:\n  bot.exits: expected a JSON object, got an array');
  });
});

describe('Deployment fields: keysKmsKey and existingTableName', () => {
  it('creates the key parameter\'s KMS key for live and not for paper unless asked, never beside a key of your own', () => {
    expect(createsKeysKmsKey(parseDeployConfig({}))).toBe(false);
    expect(createsKeysKmsKey(parseDeployConfig({ mode: 'live', allowLiveTrading: true }))).toBe(true);
    expect(createsKeysKmsKey(parseDeployConfig({ keysKmsKey: true }))).toBe(true);
    expect(createsKeysKmsKey(parseDeployConfig({ mode: 'live', allowLiveTrading: true, keysKmsKey: false }))).toBe(false);
    expect(createsKeysKmsKey(parseDeployConfig({ mode: 'live', allowLiveTrading: true, keysKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' }))).toBe(false);
  });

  it('refuses keysKmsKey true together with keysKmsKeyArn, and a non-boolean', () => {
    expect(() => parseDeployConfig({ keysKmsKey: true, keysKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' })).toThrow(/keysKmsKey: the stack cannot create a key when keysKmsKeyArn names your own/);
    expect(() => parseDeployConfig({ keysKmsKey: 'yes' })).toThrow(/keysKmsKey: /);
  });

  it('accepts a DynamoDB table name to re-use and refuses anything else', () => {
    expect(parseDeployConfig({ existingTableName: 'KrakenBot-StateTable1A2B3C-XYZ' }).existingTableName).toBe('KrakenBot-StateTable1A2B3C-XYZ');
    expect(parseDeployConfig({}).existingTableName).toBeUndefined();
    expect(() => parseDeployConfig({ existingTableName: 'arn:aws:dynamodb:eu-west-1:123456789012:table/x' })).toThrow(/existingTableName: must be a DynamoDB table name/);
  });

  it('reads keysKmsKey from -c kbot.keysKmsKey=false as a boolean', () => {
    const empty = mkdtempSync(join(tmpdir(), 'kbot-deploy-'));
    try {
      const config = loadDeployConfig({ 'kbot.keysKmsKey': 'false', 'kbot.mode': 'live', 'kbot.allowLiveTrading': 'true' }, empty);
      expect(config.keysKmsKey).toBe(false);
      expect(createsKeysKmsKey(config)).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('Function: loadDeployConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kbot-deploy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the defaults when there is no kbot.deploy.json', () => {
    expect(loadDeployConfig({}, dir)).toMatchObject({ prefix: 'KrakenBot', mode: 'paper' });
  });

  it('reads kbot.deploy.json from the working directory', () => {
    writeFileSync(join(dir, 'kbot.deploy.json'), JSON.stringify({ prefix: 'KbFile', alertEmail: 'me@example.com', pairs: ['SOL/USD'] }));
    expect(loadDeployConfig({}, dir)).toMatchObject({ prefix: 'KbFile', alertEmail: 'me@example.com', bot: { pairs: ['SOL/USD'] } });
  });

  it('reads the file named by context kbotConfigFile, and fails when it is missing', () => {
    writeFileSync(join(dir, 'live.json'), JSON.stringify({ prefix: 'KbLive', mode: 'live', allowLiveTrading: true }));
    expect(loadDeployConfig({ kbotConfigFile: 'live.json' }, dir)).toMatchObject({ prefix: 'KbLive', mode: 'live' });
    expect(() => loadDeployConfig({ kbotConfigFile: 'absent.json' }, dir)).toThrow(/absent\.json .*does not exist/);
  });

  it('lets -c kbot.<field>=<value> override the file, with values converted to their types', () => {
    writeFileSync(join(dir, 'kbot.deploy.json'), JSON.stringify({ scheduleEnabled: true, memoryMb: 256, pairs: ['BTC/USD'] }));
    const config = loadDeployConfig(
      { 'kbot.scheduleEnabled': 'false', 'kbot.memoryMb': '512', 'kbot.pairs': 'ETH/USD, SOL/USD', 'kbot.bot': '{"limits":{"maxTradesPerDay":1}}', unrelated: 'x' },
      dir,
    );
    expect(config).toMatchObject({ scheduleEnabled: false, memoryMb: 512, bot: { pairs: ['ETH/USD', 'SOL/USD'], limits: { maxTradesPerDay: 1 } } });
  });

  it('names the source and the field when a value is bad', () => {
    writeFileSync(join(dir, 'kbot.deploy.json'), JSON.stringify({ bot: { paper: { slippageBps: 9999 } } }));
    expect(() => loadDeployConfig({}, dir)).toThrow(/Invalid deployment config \(kbot\.deploy\.json\):\n {2}bot\.paper\.slippageBps: /);
    expect(() => loadDeployConfig({ 'kbot.scheduleEnabled': 'maybe' }, dir)).toThrow(/scheduleEnabled: /);
  });

  it('refuses a file holding null or an array', () => {
    writeFileSync(join(dir, 'kbot.deploy.json'), 'null');
    expect(() => loadDeployConfig({}, dir)).toThrow(/kbot\.deploy\.json: expected a JSON object, got null$/);
    writeFileSync(join(dir, 'kbot.deploy.json'), '[]');
    expect(() => loadDeployConfig({}, dir)).toThrow(/kbot\.deploy\.json: expected a JSON object, got an array$/);
  });

  it('says so when the file is not JSON', () => {
    writeFileSync(join(dir, 'kbot.deploy.json'), '{ prefix: KbBad }');
    expect(() => loadDeployConfig({}, dir)).toThrow(/kbot\.deploy\.json is not valid JSON/);
  });
});

describe('Function: loadDeployConfig checks the pairs against a saved AssetPairs snapshot', () => {
  let sandbox: SandboxHandle;
  let dir: string;
  const logged: string[] = [];
  const options: LoadDeployConfigOptions = { log: (line) => logged.push(line) };
  beforeAll(async () => {
    sandbox = await startSandbox({ pairs: ['BTC/USD', 'ETH/USD', 'SOL/USD'], seed: 2 });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kbot-deploy-pairs-'));
    logged.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The snapshot `kbot data markets` writes, taken from the project's sandbox. */
  async function saveSnapshot(file = join(dir, '.kbot', 'kraken-asset-pairs.json')): Promise<string> {
    expect(await runMarketsCli({ out: file, exchangeUrl: sandbox.url }, { out: () => undefined, err: () => undefined })).toBe(0);
    return file;
  }

  it('refuses a pair the snapshot does not list, naming the nearest listed one, at its place in the file', async () => {
    const saved = statSync(await saveSnapshot()).mtime.toISOString().slice(0, 10);
    writeFileSync(join(dir, 'kbot.deploy.json'), JSON.stringify({ pairs: ['BTC/USD', 'SOLL/USD'] }));
    const error = catchError(() => loadDeployConfig({}, dir, options));
    expect(error).toBeInstanceOf(DeployConfigError);
    expect(error.message).toBe(
      `Invalid deployment config (kbot.deploy.json):\n  pairs.1: SOLL/USD is not listed by Kraken (snapshot .kbot/kraken-asset-pairs.json of ${saved}); did you mean SOL/USD?`,
    );
    writeFileSync(join(dir, 'kbot.deploy.json'), JSON.stringify({ bot: { pairs: ['ETHH/USD'] } }));
    expect(() => loadDeployConfig({}, dir, options)).toThrow(/\n {2}bot\.pairs\.0: ETHH\/USD is not listed by Kraken .*; did you mean ETH\/USD\?$/);
    expect(logged).toEqual([]);
  });

  it('accepts listed pairs, and reads another snapshot named by context', async () => {
    await saveSnapshot(join(dir, 'elsewhere.json'));
    writeFileSync(join(dir, 'kbot.deploy.json'), JSON.stringify({ pairs: ['SOL/USD', 'ETH/USD'] }));
    expect(loadDeployConfig({ kbotAssetPairsFile: 'elsewhere.json' }, dir, options).bot.pairs).toEqual(['SOL/USD', 'ETH/USD']);
    expect(() => loadDeployConfig({ kbotAssetPairsFile: 'elsewhere.json', 'kbot.pairs': 'DOGE/USD' }, dir, options)).toThrow(
      /pairs\.0: DOGE\/USD is not listed by Kraken \(snapshot elsewhere\.json of \d{4}-\d{2}-\d{2}\)$/,
    );
    expect(logged).toEqual([]);
  });

  it('says in one line that the check was skipped when there is no snapshot', () => {
    writeFileSync(join(dir, 'kbot.deploy.json'), JSON.stringify({ pairs: ['DOGE/USDD'] }));
    expect(loadDeployConfig({}, dir, options).bot.pairs).toEqual(['DOGE/USDD']);
    expect(logged).toEqual(["Pairs not checked against Kraken's listing: no .kbot/kraken-asset-pairs.json (save one with: npm run kbot -- data markets)"]);
  });

  it('refuses a snapshot that is not one rather than skipping the check', () => {
    mkdirSync(join(dir, '.kbot'));
    writeFileSync(join(dir, '.kbot', 'kraken-asset-pairs.json'), '{"error":["EGeneral:Internal error"]}');
    expect(() => loadDeployConfig({}, dir, options)).toThrow(/kraken-asset-pairs\.json answered EGeneral:Internal error/);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
