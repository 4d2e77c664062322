// Deployment (Telegram, optional): the customer managed KMS key of the bot token and webhook secret
// parameters, on the model of lib/keysKey.ts: the account administers it and encrypts the two
// parameters through SSM; each function's role decrypts only the parameters it reads, through SSM.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KEY_ADMIN_ACTIONS } from './keysKey.js';

export interface TelegramKeyProps {
  prefix: string;
  /** ARNs of the parameters the key encrypts (SSM passes each as the PARAMETER_ARN encryption context). */
  parameterArns: string[];
  /** Who may decrypt which parameters. */
  decrypters: { role: IRole; parameterArns: string[] }[];
}

/** The Telegram parameters' KMS key and its policy. */
export class TelegramKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: TelegramKeyProps) {
    super(scope, id);
    const viaSsm = `ssm.${Stack.of(this).region}.amazonaws.com`;
    // A list under StringEquals is an OR over a single-valued key: any one of these parameters.
    const throughSsmFor = (arns: string[]) => ({ StringEquals: { 'kms:ViaService': viaSsm, 'kms:EncryptionContext:PARAMETER_ARN': arns.length === 1 ? arns[0] : arns } });
    this.key = new Key(this, 'Key', {
      description: `${props.prefix}: encrypts the Telegram bot token and webhook secret parameters; only the Telegram functions decrypt, through SSM`,
      enableKeyRotation: false,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({ sid: 'AccountAdministersTheKeyButCannotUseIt', principals: [new AccountRootPrincipal()], actions: KEY_ADMIN_ACTIONS, resources: ['*'] }),
          new PolicyStatement({
            sid: 'OperatorsEncryptTheTelegramParametersThroughSsm',
            principals: [new AccountRootPrincipal()],
            actions: ['kms:Encrypt'],
            resources: ['*'],
            conditions: throughSsmFor(props.parameterArns),
          }),
          ...props.decrypters.map(
            (d, i) =>
              new PolicyStatement({
                sid: `TelegramRole${i + 1}DecryptsItsParametersThroughSsm`,
                principals: [d.role],
                actions: ['kms:Decrypt'],
                resources: ['*'],
                conditions: throughSsmFor(d.parameterArns),
              }),
          ),
        ],
      }),
    });
    Validations.of(this.key).acknowledge({
      id: 'AwsSolutions-KMS5',
      reason:
        'Automatic rotation bills each of the first two rotated key versions at 1 USD a month and does not re-encrypt the stored values; the secrets that matter, the bot token and the webhook secret, are rotated at Telegram (BotFather /revoke, setWebhook) and stored again with kbot telegram setup.',
    });
  }
}
