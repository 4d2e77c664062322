// Deployment (lab, optional): the stack for parameter sweeps too big for a laptop. An S3 bucket
// (candles by hash, one folder per sweep), the backtest worker Lambda (the same engine, built by
// the tick's esbuild options) and a Step Functions state machine whose Distributed Map reads a
// manifest of work items from the bucket, batches them to the worker with a concurrency cap, and
// records the map run next to the results. Separate from the bot's stack: nothing here can trade.
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type CfnElement, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, type Code } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { DefinitionBody, DistributedMap, ItemBatcher, JsonPath, LogLevel, S3JsonItemReader, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct, IConstruct } from 'constructs';
import { DATA_PREFIX, RUNS_PREFIX } from '../../functions/lab/labKeys.js';
import { TICK_HANDLER } from '../../functions/tick/bundle.js';
import { TICK_RUNTIME } from '../tickService.js';
import { labWorkerCode } from './labWorkerCode.js';

/** Settings of the lab stack (context `lab.*`, see bin/lab.ts). */
export interface LabSettings {
  /** Stack name and prefix of resource names. */
  prefix: string;
  /** Most worker Lambdas running at once (the Distributed Map's MaxConcurrency). */
  maxConcurrency: number;
  /** Worker memory; 1,769 MB is one full vCPU. */
  workerMemoryMb: number;
  /** Work items per worker invocation (the map's item batcher). */
  itemsPerBatch: number;
  /** Days a sweep's folder (plan, manifests, results) is kept. */
  runRetentionDays: number;
  /** Days uploaded candles are kept (a later sweep uploads them again when gone). */
  dataRetentionDays: number;
}

export const DEFAULT_LAB_SETTINGS: LabSettings = {
  prefix: 'KbotLab',
  maxConcurrency: 50,
  workerMemoryMb: 1769,
  itemsPerBatch: 1,
  runRetentionDays: 30,
  dataRetentionDays: 90,
};

/** The worker's timeout: Lambda's maximum; items are sized to take a few minutes at most. */
export const LAB_WORKER_TIMEOUT = Duration.minutes(15);

export interface LabStackProps extends StackProps {
  settings?: Partial<LabSettings>;
  /** Worker code override (tests use a stub instead of bundling). */
  workerCode?: Code;
}

/** The lab stack. Its outputs are what `kbot optimize --cloud` reads. */
export class LabStack extends Stack {
  readonly bucket: Bucket;
  readonly worker: LambdaFunction;
  readonly stateMachine: StateMachine;
  readonly settings: LabSettings;

  /** A resource's logical id as cdk-nag names it in findings. */
  private logicalIdOf(c: IConstruct): string {
    return this.resolve(this.getLogicalId(c.node.defaultChild as CfnElement)) as string;
  }

  constructor(scope: Construct, id: string, props: LabStackProps = {}) {
    const settings = { ...DEFAULT_LAB_SETTINGS, ...props.settings };
    super(scope, id, { description: `kbot lab ${settings.prefix}: backtest sweeps on Lambda through a Step Functions Distributed Map (trades nothing)`, ...props });
    this.settings = settings;
    checkSettings(settings);
    // Access logs are delivered under a bucket policy, not the legacy log-delivery ACL (ACLs stay disabled).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the lab bucket; logging its own accesses would write a log object for every log object written, without end.',
    });

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'lab-bucket/',
      lifecycleRules: [
        { id: 'expire-runs', prefix: RUNS_PREFIX, expiration: Duration.days(settings.runRetentionDays) },
        { id: 'expire-data', prefix: DATA_PREFIX, expiration: Duration.days(settings.dataRetentionDays) },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Kept on `cdk destroy` (S3 refuses to delete a bucket with objects); the lifecycle rules empty it.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const workerLogs = new LogGroup(this, 'WorkerLogs', { retention: RetentionDays.TWO_WEEKS, removalPolicy: RemovalPolicy.DESTROY });
    const workerRole = new Role(this, 'WorkerRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${settings.prefix} backtest worker: reads plans and candles, writes results, in the lab bucket only`,
    });
    workerRole.addToPolicy(new PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [workerLogs.logGroupArn] }));
    workerRole.addToPolicy(
      new PolicyStatement({
        sid: 'ReadPlansAndCandles',
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${DATA_PREFIX}*`), this.bucket.arnForObjects(`${RUNS_PREFIX}*/plan.json`)],
      }),
    );
    workerRole.addToPolicy(new PolicyStatement({ sid: 'WriteResults', actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${RUNS_PREFIX}*/results/*`)] }));
    const bucketArn = `<${this.logicalIdOf(this.bucket)}.Arn>`;
    acknowledgeWildcards(
      workerRole.node.findChild('DefaultPolicy'),
      [`${bucketArn}/${DATA_PREFIX}*`, `${bucketArn}/${RUNS_PREFIX}*/plan.json`, `${bucketArn}/${RUNS_PREFIX}*/results/*`],
      'The worker reads candles under data/ (named by their content hash) and the plan of whichever sweep invokes it, and writes that sweep\'s results; sweeps are created at run time, so these object ARNs end in a wildcard, within three key patterns of this one bucket.',
    );

    this.worker = new LambdaFunction(this, 'Worker', {
      functionName: `${settings.prefix}-worker`,
      description: 'kbot lab: runs a batch of sweep items (parameter sets x time windows) through the live decision engine',
      code: props.workerCode ?? labWorkerCode(),
      handler: TICK_HANDLER,
      runtime: TICK_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: settings.workerMemoryMb,
      timeout: LAB_WORKER_TIMEOUT,
      role: workerRole,
      logGroup: workerLogs,
      // Invoked synchronously by Step Functions, which retries and records failures itself.
      retryAttempts: 0,
      environment: { NODE_OPTIONS: '--enable-source-maps' },
    });
    const runtimeReason =
      'Node.js 22 like the tick function: the tests run on Node 20 and 22 is the supported LTS runtime closest to it; the worker runs the same engine code as the tick.';
    Validations.of(this.worker).acknowledge(
      { id: 'AwsSolutions-L1', reason: runtimeReason },
      { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
      {
        id: 'Serverless-LambdaAsyncFailureDestination',
        reason: 'The worker is only invoked synchronously by the Step Functions Distributed Map (which records failed batches in its map run); there is no asynchronous invocation that an on-failure destination could catch.',
      },
      {
        id: 'Serverless-LambdaDLQ',
        reason: 'The worker is only invoked synchronously by the Step Functions Distributed Map, which retries a failed batch and records it in the map run; there is no asynchronous invocation whose event a dead-letter queue could keep.',
      },
      {
        id: 'Serverless-LambdaTracing',
        reason:
          'X-Ray needs xray:PutTraceSegments on Resource * (no resource-level permissions); a CPU-bound backtest batch has no downstream calls to trace beyond one S3 read and one write, which the Lambda duration metric and the map run already show.',
      },
    );

    const mapLogs = new LogGroup(this, 'StateMachineLogs', { retention: RetentionDays.TWO_WEEKS, removalPolicy: RemovalPolicy.DESTROY });
    const backtest = new LambdaInvoke(this, 'Backtest', {
      lambdaFunction: this.worker,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    const map = new DistributedMap(this, 'Sweep', {
      comment: 'Every work item of the manifest (parameter batch x data window) through the backtest worker',
      itemReader: new ManifestReader(this.bucket),
      itemBatcher: new ItemBatcher({
        maxItemsPerBatch: settings.itemsPerBatch,
        batchInput: { bucket: JsonPath.stringAt('$.bucket'), runId: JsonPath.stringAt('$.runId'), stage: JsonPath.numberAt('$.stage') },
      }),
      maxConcurrency: settings.maxConcurrency,
      toleratedFailurePercentage: 0,
      mapExecutionType: StateMachineType.STANDARD,
      // The worker writes its results to S3 itself; the map keeps none of them in its output.
      resultPath: JsonPath.DISCARD,
    });
    map.itemProcessor(backtest);
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: `${settings.prefix}-sweep`,
      definitionBody: DefinitionBody.fromChainable(map),
      stateMachineType: StateMachineType.STANDARD,
      timeout: Duration.hours(12),
      logs: { destination: mapLogs, level: LogLevel.ALL, includeExecutionData: false },
    });
    const smArn = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${this.logicalIdOf(this.stateMachine)}"}]}]}`;
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${smArn}`;
    acknowledgeWildcards(
      this.stateMachine.role.node.findChild('DefaultPolicy'),
      ['*', `<${this.logicalIdOf(this.worker)}.Arn>:*`, `${bucketArn}/${RUNS_PREFIX}*/manifests/*`],
      'Resource * only for the CloudWatch Logs log-delivery actions Step Functions logging needs (they have no resource-level permissions); the Lambda invoke covers the worker\'s own versions; the manifests are objects under runs/ of the lab bucket, one per sweep stage, created at run time.',
    );
    acknowledgeWildcards(
      this.stateMachine.node.findChild('DistributedMapPolicy'),
      [`${executions}:*`, `${executions}/*:*`],
      'The Distributed Map describes, stops and redrives the child executions it starts; their ARNs are made at run time under this state machine\'s own execution namespace, and nothing else is granted.',
    );
    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions-SF2',
        reason: 'X-Ray tracing needs xray:* on Resource *; the map run record (item counts, failures) and the ALL-level execution log already show what a sweep did, and the worker has no downstream services to trace.',
      },
      {
        id: 'Serverless-StepFunctionStateMachineXray',
        reason: 'X-Ray tracing needs xray:* on Resource *; the map run record (item counts, failures) and the ALL-level execution log already show what a sweep did, and the worker has no downstream services to trace.',
      },
    );

    const output = (key: string, value: string, description: string) => new CfnOutput(this, key, { value, description });
    output('BucketName', this.bucket.bucketName, 'Lab bucket: candles by hash (data/), one folder per sweep (runs/)');
    output('StateMachineArn', this.stateMachine.stateMachineArn, 'Sweep state machine kbot optimize --cloud starts');
    output('WorkerFunctionName', this.worker.functionName, 'Backtest worker Lambda');
    output('MaxConcurrency', String(settings.maxConcurrency), 'Most workers at once');
    output('WorkerMemoryMb', String(settings.workerMemoryMb), 'Worker memory (for the cost estimate)');
    output('ItemsPerBatch', String(settings.itemsPerBatch), 'Work items per worker invocation');
  }
}

/** Acknowledges cdk-nag's wildcard finding for exactly these resources of one policy (as cdk-nag prints them). */
function acknowledgeWildcards(policy: IConstruct, resources: string[], reason: string): void {
  Validations.of(policy).acknowledge(...resources.map((r) => ({ id: `AwsSolutions-IAM5[Resource::${r}]`, reason })));
}

/** The manifest named in the execution input, with read access to manifests only (not the whole bucket, as the stock reader grants). */
class ManifestReader extends S3JsonItemReader {
  constructor(private readonly labBucket: IBucket) {
    super({ bucket: labBucket, key: JsonPath.stringAt('$.manifestKey') });
  }

  override providePolicyStatements(): PolicyStatement[] {
    return [new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.labBucket.arnForObjects(`${RUNS_PREFIX}*/manifests/*`)] })];
  }
}

function checkSettings(s: LabSettings): void {
  const problems: string[] = [];
  if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(s.prefix)) problems.push('prefix: letters, digits and -, starting with a letter, at most 40');
  if (!(Number.isInteger(s.maxConcurrency) && s.maxConcurrency >= 1 && s.maxConcurrency <= 10_000)) problems.push('maxConcurrency: a whole number from 1 to 10000');
  if (!(Number.isInteger(s.workerMemoryMb) && s.workerMemoryMb >= 512 && s.workerMemoryMb <= 10_240)) problems.push('workerMemoryMb: a whole number from 512 to 10240');
  if (!(Number.isInteger(s.itemsPerBatch) && s.itemsPerBatch >= 1 && s.itemsPerBatch <= 100)) problems.push('itemsPerBatch: a whole number from 1 to 100');
  if (!(s.runRetentionDays >= 1) || !(s.dataRetentionDays >= 1)) problems.push('runRetentionDays, dataRetentionDays: at least 1');
  if (problems.length) throw new Error(`Invalid lab settings:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}
