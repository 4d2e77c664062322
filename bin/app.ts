// Entry (CDK app): reads the deployment settings, builds the bot's stack and runs cdk-nag's
// AwsSolutions and Serverless checks over it. `npx cdk synth` / `npx cdk deploy` run this through tsx (cdk.json).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { DeployConfigError } from '../lib/deployConfig.js';
import { KrakenBotStack } from '../lib/krakenBotStack.js';
import { loadDeployConfig } from '../lib/loadDeployConfig.js';

const app = new App();
try {
  const config = loadDeployConfig(app.node.getAllContext() as Record<string, unknown>);
  new KrakenBotStack(app, config.prefix, { config });
} catch (error) {
  if (!(error instanceof DeployConfigError)) throw error;
  // A configuration mistake is not a crash: say which field, without a stack trace.
  console.error(error.message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new ServerlessChecks(app, { verbose: true }));
app.synth();
