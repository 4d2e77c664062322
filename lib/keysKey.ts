// Deployment: the customer managed KMS key of the Kraken key parameter. Only the tick role may
// decrypt with it, only through SSM and only for that one parameter; `kbot keys set` encrypts with it.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * What the account may do with the key through IAM: manage it, never use it. This is CDK's list of
 * key administrator actions with `kms:Create*` narrowed to `kms:CreateAlias`, so no IAM principal
 * can hand itself a decrypt grant (changing the key policy stays possible, and visible in CloudTrail).
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

export interface KeysKeyProps {
  prefix: string;
  /** ARN of the SSM parameter; SSM passes it as the `PARAMETER_ARN` encryption context. */
  parameterArn: string;
  /** The one principal allowed to decrypt: the tick function's role. */
  decrypter: IRole;
}

/** The key parameter's KMS key and its policy. */
export class KeysKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: KeysKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Standard SecureString parameters are encrypted and decrypted directly under the key (Encrypt
    // and Decrypt, no data keys), always with the parameter's ARN as encryption context.
    const throughSsmForTheParameter = {
      StringEquals: {
        'kms:ViaService': `ssm.${stack.region}.amazonaws.com`,
        'kms:EncryptionContext:PARAMETER_ARN': props.parameterArn,
      },
    };
    this.key = new Key(this, 'Key', {
      description: `${props.prefix}: encrypts the Kraken API key parameter; only the tick role decrypts, through SSM`,
      // Rotation bills each of the first two rotated key versions at 1 USD a month (see the
      // acknowledgement below), and the value that matters, the Kraken key, is rotated on Kraken.
      enableKeyRotation: false,
      // The parameter is not the stack's; once the stack is gone nothing may read it. The 7-day
      // window leaves time to cancel an accidental `cdk destroy` (KMS console: cancel deletion).
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            sid: 'AccountAdministersTheKeyButCannotUseIt',
            principals: [new AccountRootPrincipal()],
            actions: KEY_ADMIN_ACTIONS,
            resources: ['*'],
          }),
          new PolicyStatement({
            sid: 'OperatorsEncryptTheKeyParameterThroughSsm',
            principals: [new AccountRootPrincipal()],
            actions: ['kms:Encrypt'],
            resources: ['*'],
            conditions: throughSsmForTheParameter,
          }),
          new PolicyStatement({
            sid: 'TickRoleDecryptsTheKeyParameterThroughSsm',
            principals: [props.decrypter],
            actions: ['kms:Decrypt'],
            resources: ['*'],
            conditions: throughSsmForTheParameter,
          }),
        ],
      }),
    });
    Validations.of(this.key).acknowledge({
      id: 'AwsSolutions-KMS5',
      reason:
        'Automatic rotation bills each of the first two rotated key versions at 1 USD a month (up to 3 USD a month for a 1 USD key) and does not re-encrypt the stored value; the secret that matters is the Kraken API key, which is rotated on Kraken and stored again with kbot keys set (a fresh encryption).',
    });
  }
}
