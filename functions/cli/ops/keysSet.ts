// Operator CLI (kbot ops): `kbot keys set`. Prompts for the Kraken key pair (never a command-line
// argument, never echoed), checks it, and stores it as the one SecureString parameter the tick
// reads, encrypted with the deployment's KMS key (stack output KeysKmsKeyArn) when it has one.
import type { SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_KEYS_MAX_AGE_MS, KeysStoreError, putKeys, type KrakenKeys } from '../../adapters/ssm/keyProvider.js';
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
   * KMS key (id, ARN or alias) to encrypt with. Default: the stack's `KeysKmsKeyArn` output (the
   * key the deployment created, or the `keysKmsKeyArn` it names), else the account's aws/ssm key.
   */
  kmsKeyId?: string;
}

/** Stores the pair as the tick expects it; a failure says why without any part of the value. */
export async function storeKrakenKeys(ssm: SSMClient, parameterName: string, keys: KrakenKeys, kmsKeyId?: string): Promise<void> {
  try {
    await putKeys(ssm, parameterName, keys, kmsKeyId ? { kmsKeyId } : {});
  } catch (error) {
    if (error instanceof KeysStoreError) throw new OpsError(error.message);
    throw error;
  }
}

/** Where to store the keys and with which KMS key, from the options and else the stack's outputs. */
async function target(ctx: OpsContext, options: KeysSetOptions): Promise<{ parameterName: string; kmsKeyId: string | undefined; fromStack: boolean }> {
  if (options.parameter) return { parameterName: options.parameter, kmsKeyId: options.kmsKeyId, fromStack: false };
  let outputs;
  try {
    outputs = await ctx.outputs();
  } catch (error) {
    if (error instanceof StackNotFoundError) {
      throw new OpsError(`${error.message}; to store the keys before deploying, pass --parameter ${DEFAULT_KEYS_PARAMETER_NAME} (or your keysParameterName)`);
    }
    throw error;
  }
  return { parameterName: requireOutput(outputs, 'KeysParameterName'), kmsKeyId: options.kmsKeyId ?? outputs.values.KeysKmsKeyArn, fromStack: true };
}

/** Asks for the key pair, checks it, stores it, and prints the parameter name, the KMS key and the masked key. */
export async function keysSet(ctx: OpsContext, options: KeysSetOptions): Promise<{ parameterName: string; maskedKey: string; kmsKeyId: string | undefined }> {
  const { io } = ctx;
  const { parameterName, kmsKeyId, fromStack } = await target(ctx, options);
  const keyText = kmsKeyId ? `KMS key ${kmsKeyId}` : 'the account\'s aws/ssm key';

  io.err(`storing Kraken API keys in SSM parameter ${parameterName} (SecureString, ${keyText})`);
  const apiKey = (await io.prompt('Kraken API key: ', { secret: true }))?.trim();
  if (apiKey === undefined) throw new OpsError('no API key given (cancelled or input ended); nothing was stored');
  const apiSecret = (await io.prompt('Kraken private key (secret): ', { secret: true }))?.trim();
  if (apiSecret === undefined) throw new OpsError('no API secret given (cancelled or input ended); nothing was stored');

  const problem = krakenKeysProblem(apiKey, apiSecret);
  if (problem) throw new OpsError(`${problem}; nothing was stored`);

  await storeKrakenKeys(ctx.clients.ssm, parameterName, { apiKey, apiSecret }, kmsKeyId);
  const maskedKey = maskApiKey(apiKey);
  io.out(`stored API key ${maskedKey} and its secret in SecureString parameter ${parameterName} (${keyText})`);
  if (!kmsKeyId && !fromStack) {
    io.out('if your deployment creates its own KMS key (stack output KeysKmsKeyArn), run kbot keys set again after deploying, so only the function can decrypt the keys.');
  }
  io.out(`the key needs exactly these permissions on Kraken: ${KRAKEN_KEY_PERMISSIONS.grant.join(', ')}.`);
  io.out(`never grant ${KRAKEN_KEY_PERMISSIONS.never.join(', ')}: the bot does not need it.`);
  io.out(`a running function picks the new keys up within ${Math.round(DEFAULT_KEYS_MAX_AGE_MS / 60_000)} minutes (it caches them between ticks).`);
  return { parameterName, maskedKey, kmsKeyId };
}
