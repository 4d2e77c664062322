// Entry (CDK app, lab): the optional sweep stack, apart from the bot's app. `kbot lab deploy` runs
// `cdk deploy --app "npx tsx bin/lab.ts"`; settings come as context (`-c lab.maxConcurrency=100`).
// cdk-nag's AwsSolutions and Serverless checks run over it as over the bot's stack.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { labSettingsFromContext } from '../lib/lab/labSettings.js';
import { LabStack } from '../lib/lab/labStack.js';

const app = new App();
try {
  const settings = labSettingsFromContext(app.node.getAllContext() as Record<string, unknown>);
  new LabStack(app, settings.prefix, { settings });
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new ServerlessChecks(app, { verbose: true }));
app.synth();
