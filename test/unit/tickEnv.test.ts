// Primary adapter support: the Lambda environment refuses what the bot would otherwise misread.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/config.js';
import { loadTickEnv } from '../../functions/tick/env.js';

const base = { KBOT_TABLE_NAME: 'kbot-test' };

describe('Function: loadTickEnv', () => {
  it('reads no KBOT_CONFIG as the defaults', () => {
    expect(loadTickEnv(base).config.limits.maxDailyLossQuote).toBe(50);
  });

  it.each([
    ['null', 'null'],
    ['[]', 'an array'],
    ['"{}"', 'a string'],
    ['7', 'a number'],
  ])('refuses KBOT_CONFIG=%s instead of running on the defaults', (json, what) => {
    expect(messageOf(() => loadTickEnv({ ...base, KBOT_CONFIG: json }))).toBe(`Invalid Lambda environment:\n  KBOT_CONFIG: expected a JSON object, got ${what}`);
  });

  it('refuses a misspelt key in KBOT_CONFIG with the key meant', () => {
    expect(messageOf(() => loadTickEnv({ ...base, KBOT_CONFIG: '{"limits":{"maxDailyLossQuot":5}}' }))).toBe(
      'Invalid KBOT_CONFIG:\n  limits.maxDailyLossQuot: unknown key; did you mean maxDailyLossQuote?',
    );
  });

  it('names a missing or malformed variable', () => {
    expect(messageOf(() => loadTickEnv({ KRAKEN_API_URL: 'nope' }))).toBe('Invalid Lambda environment:\n  KBOT_TABLE_NAME: required\n  KRAKEN_API_URL: must be a URL');
    expect(messageOf(() => loadTickEnv({ ...base, KBOT_CONFIG: '{mode:' }))).toMatch(/^Invalid Lambda environment:\n {2}KBOT_CONFIG: not valid JSON/);
  });

  it('still refuses a KBOT_MODE that contradicts the configuration', () => {
    expect(messageOf(() => loadTickEnv({ ...base, KBOT_MODE: 'paper', KBOT_CONFIG: '{"mode":"live","allowLiveTrading":true}' }))).toBe(
      'Invalid Lambda environment:\n  KBOT_MODE: "paper" contradicts KBOT_CONFIG.mode "live"',
    );
  });
});

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}
