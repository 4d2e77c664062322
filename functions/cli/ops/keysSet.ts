// Operator CLI (kbot ops): `kbot keys set`. Prompts for the Kraken key pair (never a command-line
// argument, never echoed), checks it, and stores it as the one SecureString parameter the tick reads.
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_KEYS_MAX_AGE_MS, putKeys, type KrakenKeys } from '../../adapters/ssm/keyProvider.js';
import { KRAKEN_KEY_PERMISSIONS, krakenKeysProblem, maskApiKey } from './krakenKeys.js';
import type { OpsContext } from './opsContext.js';
import { OpsError } from './opsIo.js';
import { requireOutput, StackNotFoundError } from './stackOutputs.js';

/** The deployment settings' default `keysParameterName` (lib/deployConfig.ts), for storing keys before the first deploy. */
export const DEFAULT_KEYS_PARAMETER_NAME = '/kbot/kraken/api-keys';

export interface KeysSetOptions {
  /** Parameter name; when absent it is read from the stack's `KeysParameterName` output. */
  parameter?: string;
  /**
   * KMS key (id, ARN or alias) to encrypt with instead of the default `aws/ssm` key; use the key
   * given as `keysKmsKeyArn` in the deployment settings.
   */
  kmsKeyId?: string;
}

/**
 * Stores the pair as the tick expects it. Without a KMS key this is the shared `putKeys`; with
 * one, the same PutParameter plus `KeyId`, its errors scrubbed of both values in the same way.
 */
export async function storeKrakenKeys(ssm: SSMClient, parameterName: string, keys: KrakenKeys, kmsKeyId?: string): Promise<void> {
  if (kmsKeyId === undefined) return putKeys(ssm, parameterName, keys);
  const value = JSON.stringify({ apiKey: keys.apiKey, apiSecret: keys.apiSecret });
  try {
    await ssm.send(new PutParameterCommand({ Name: parameterName, Type: 'SecureString', Overwrite: true, Value: value, KeyId: kmsKeyId }));
  } catch (error) {
    let detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // AWS validation messages may quote the refused value.
    for (const secret of [value, keys.apiKey, keys.apiSecret]) detail = detail.split(secret).join('[redacted]');
    throw new OpsError(`Could not store the Kraken keys in SSM parameter ${parameterName}: ${detail}`);
  }
}

async function keysParameterFromStack(ctx: OpsContext): Promise<string> {
  try {
    return requireOutput(await ctx.outputs(), 'KeysParameterName');
  } catch (error) {
    if (error instanceof StackNotFoundError) {
      throw new OpsError(`${error.message}; to store the keys before deploying, pass --parameter ${DEFAULT_KEYS_PARAMETER_NAME} (or your keysParameterName)`);
    }
    throw error;
  }
}

/** Asks for the key pair, checks it, stores it, and prints the parameter name and the masked key. */
export async function keysSet(ctx: OpsContext, options: KeysSetOptions): Promise<{ parameterName: string; maskedKey: string }> {
  const { io } = ctx;
  const parameterName = options.parameter ?? (await keysParameterFromStack(ctx));

  io.err(`storing Kraken API keys in SSM parameter ${parameterName} (SecureString)`);
  const apiKey = (await io.prompt('Kraken API key: ', { secret: true }))?.trim();
  if (apiKey === undefined) throw new OpsError('no API key given (cancelled or input ended); nothing was stored');
  const apiSecret = (await io.prompt('Kraken private key (secret): ', { secret: true }))?.trim();
  if (apiSecret === undefined) throw new OpsError('no API secret given (cancelled or input ended); nothing was stored');

  const problem = krakenKeysProblem(apiKey, apiSecret);
  if (problem) throw new OpsError(`${problem}; nothing was stored`);

  await storeKrakenKeys(ctx.clients.ssm, parameterName, { apiKey, apiSecret }, options.kmsKeyId);
  const maskedKey = maskApiKey(apiKey);
  io.out(`stored API key ${maskedKey} and its secret in SecureString parameter ${parameterName}${options.kmsKeyId ? ` (KMS key ${options.kmsKeyId})` : ''}`);
  io.out(`the key needs exactly these permissions on Kraken: ${KRAKEN_KEY_PERMISSIONS.grant.join(', ')}.`);
  io.out(`never grant ${KRAKEN_KEY_PERMISSIONS.never.join(', ')}: the bot does not need it.`);
  io.out(`a running function picks the new keys up within ${Math.round(DEFAULT_KEYS_MAX_AGE_MS / 60_000)} minutes (it caches them between ticks).`);
  return { parameterName, maskedKey };
}
