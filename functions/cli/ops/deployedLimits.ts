// Operator CLI (kbot ops): reads the limits the deployed function runs with from its environment
// (KBOT_CONFIG), so `kbot status` shows today's counters against the real caps.
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { parseConfig } from '../../core/config.js';
import type { StatusLimits } from './status.js';

/**
 * The function's daily limits, parsed with the same schema the tick uses (defaults included).
 * Throws when the configuration cannot be read or parsed; callers treat that as "unknown".
 */
export async function readDeployedLimits(lambda: LambdaClient, functionName: string): Promise<StatusLimits> {
  const reply = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  const variables = reply.Environment?.Variables ?? {};
  const raw: unknown = variables.KBOT_CONFIG ? JSON.parse(variables.KBOT_CONFIG) : {};
  // KBOT_MODE overrides the config's mode in the function; mirror it so mode-dependent checks agree.
  const merged = variables.KBOT_MODE && typeof raw === 'object' && raw !== null ? { ...raw, mode: variables.KBOT_MODE } : raw;
  const config = parseConfig(merged, 'KBOT_CONFIG');
  return {
    maxTradesPerDay: config.limits.maxTradesPerDay,
    maxTradesPerPairPerDay: config.limits.maxTradesPerPairPerDay,
    maxDailyLossQuote: config.limits.maxDailyLossQuote,
  };
}
