// Test support (infra): synthesizes the bot's stack from deployment settings with a stub Lambda
// asset, so template tests run in milliseconds instead of bundling the tick every time.
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { parseDeployConfig, type DeployConfig, type DeployConfigInput } from '../../lib/deployConfig.js';
import { KrakenBotStack } from '../../lib/krakenBotStack.js';

export const STUB_TICK_CODE = 'export const handler = async () => ({ status: "stub" });';

export interface SynthesizedBot {
  app: App;
  stack: KrakenBotStack;
  config: DeployConfig;
  template: Template;
}

/**
 * Builds the stack for `input`. `validate: true` runs cdk-nag's AwsSolutions and Serverless packs
 * during synthesis, as bin/app.ts does (synthesis then throws on any unacknowledged finding). CDK's built-in CloudFormation schema
 * validation stays off here (seconds per run); the app test runs it with the real `bin/app.ts`.
 * `extend` may add constructs to the stack before synthesis.
 */
export function synthBotStack(
  input: DeployConfigInput = {},
  options: { validate?: boolean; extend?: (stack: KrakenBotStack) => void } = {},
): SynthesizedBot {
  const app = new App({ builtinCloudFormationValidation: false });
  if (options.validate) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new ServerlessChecks(app, { verbose: true }));
  const config = parseDeployConfig(input);
  const stack = new KrakenBotStack(app, config.prefix, { config, tickCode: Code.fromInline(STUB_TICK_CODE), learningCode: Code.fromInline(STUB_TICK_CODE) });
  options.extend?.(stack);
  return { app, stack, config, template: Template.fromStack(stack) };
}

/** The one resource of `type`, failing when there is not exactly one. */
export function onlyResource(template: Template, type: string): { logicalId: string; resource: Record<string, unknown> & { Properties: Record<string, unknown> } } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  const [logicalId, resource] = found[0]!;
  return { logicalId, resource: resource as { Properties: Record<string, unknown> } };
}
