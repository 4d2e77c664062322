// The dependency rule: functions/core imports no adapter library. Lint enforces it; this proves the rule bites.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function lintAs(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('functions/core import boundary', () => {
  it.each([
    ["import { kraken } from 'ccxt';", 'ccxt'],
    ["import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", 'AWS SDK'],
    ["import { Stack } from 'aws-cdk-lib';", 'CDK'],
    ["import { Logger } from '@aws-lambda-powertools/logger';", 'Powertools'],
    ["import dynalite from 'dynalite';", 'dynalite'],
    ["import { MemoryStore } from '../adapters/memory/memoryStore.js';", 'nothing outside itself'],
  ])('rejects %s in functions/core', async (line, expected) => {
    const messages = await lintAs('functions/core/probe.ts', `${line}\nexport const probe = 1;\n`);
    expect(messages.join('\n')).toContain(expected);
  });

  it('allows the same imports in adapters', async () => {
    const messages = await lintAs('functions/adapters/kraken/probe.ts', "import { kraken } from 'ccxt';\nexport const probe = kraken;\n");
    expect(messages).toEqual([]);
  });
});
