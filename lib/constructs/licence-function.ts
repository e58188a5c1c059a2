import path from 'node:path';
import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, StartingPosition, Tracing } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { Construct } from 'constructs';
import { BUNDLING } from '../bundling.ts';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/** A table together with the names of its global secondary indexes (Query needs the index ARNs). */
export interface LicenceTable {
  readonly table: Table;
  readonly indexNames: readonly string[];
}

/**
 * What a function may do with a table. No mode includes DeleteItem on application data or
 * UpdateItem on the audit table, and only `scanAndUpdate` may Scan.
 */
export const TABLE_ACCESS = {
  /** Domain writes: application Update/Put in one TransactWriteItems with its guards. */
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:ConditionCheckItem',
  ],
  /** The audit trail: events are put once, conditioned on attribute_not_exists, and read back. */
  appendOnly: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
  /** Read and update single items by key (task tokens, counters). */
  update: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  /** The relay bumps `generation` (a conditional update) when an appeal leaves a final status. */
  advanceGeneration: ['dynamodb:UpdateItem'],
  /** A publishing stream consumer records each domain event once (a conditional Put). */
  record: ['dynamodb:PutItem'],
  /** The stats consumer: a version-guarded Put of a contribution and an ADD on the aggregate, in one transaction. */
  contributions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  /** The reconciler walks all applications and bumps `generation` when it starts a new execution. */
  scanAndUpdate: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
  /**
   * The checkpoint writer: finds the marked heads through the sparse `anchorPending` index, reads
   * them by key and removes the mark (a conditional update); it never writes domain attributes.
   */
  anchorMarks: ['dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
  /**
   * Idempotency records: the claim, the answer (also a Put inside a transition's transaction) and
   * deleting a failed request's claim.
   */
  idempotencyStore: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
} as const satisfies Record<string, readonly string[]>;

export type TableAccess = keyof typeof TABLE_ACCESS;

/** The state machine as the functions see it: its ARN and the ARN pattern of its executions. */
export interface WorkflowRef {
  readonly stateMachineArn: string;
  readonly executionArnPattern: string;
}

export const WORKFLOW_ACCESS = {
  /** Show an execution and its visited states to operators. */
  observe: { actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], on: 'executions' },
  list: { actions: ['states:ListExecutions'], on: 'stateMachine' },
  start: { actions: ['states:StartExecution'], on: 'stateMachine' },
  /** Wake a waiting human step (the task token belongs to an execution of this state machine). */
  sendTaskSuccess: { actions: ['states:SendTaskSuccess'], on: 'stateMachine' },
  /** End an execution that can no longer be woken, before starting the next generation. */
  stop: { actions: ['states:StopExecution'], on: 'executions' },
} as const;

export type WorkflowAccess = keyof typeof WORKFLOW_ACCESS;

const KMS_READ = ['kms:Decrypt', 'kms:DescribeKey'];
const KMS_WRITE = [...KMS_READ, 'kms:Encrypt', 'kms:GenerateDataKey'];
const READ_ONLY_DYNAMODB = new Set([
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
]);

export interface LicenceFunctionProps {
  /** Path of the handler file relative to the project root, e.g. `functions/handlers/api.ts`. */
  readonly entry: string;
  readonly description: string;
  /** Merged over the defaults (service name, log level, source maps); never replaces them. */
  readonly environment?: Record<string, string>;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  /** Caps concurrent runs (1: runs never overlap). */
  readonly reservedConcurrentExecutions?: number;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly serviceName: string;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Files (relative to the project root) copied next to the bundle, read by the handler at run time. */
  readonly assetFiles?: readonly string[];
}

/** What all functions of one stack share. */
export type SharedFunctionProps = Pick<
  LicenceFunctionProps,
  'logRetention' | 'removalPolicy' | 'serviceName' | 'logLevel'
>;

/**
 * Every Lambda of the system: Node.js 24 on arm64, ESM bundle built by the local esbuild (minified,
 * source maps, `@aws-sdk/*` from the runtime), active tracing, its own log group with retention and
 * its own role holding only what the grant helpers add.
 */
export class LicenceFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: LicenceFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // Own role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLING.target,
        mainFields: [...BUNDLING.mainFields],
        minify: BUNDLING.minify,
        sourceMap: BUNDLING.sourceMap,
        sourcesContent: false,
        externalModules: [...BUNDLING.externalModules],
        banner: BUNDLING.banner,
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) =>
            (props.assetFiles ?? []).map(
              (file) => `cp "${path.join(inputDir, file)}" "${path.join(outputDir, path.basename(file))}"`,
            ),
        },
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no ' +
        'resource-level permissions; an infra test asserts that no other action is granted on "*".',
    });
  }

  /** Grant one access mode on a table (and on its indexes when the mode can Query). */
  bindTable(binding: { table: LicenceTable; access: TableAccess }): void {
    const actions: readonly string[] = TABLE_ACCESS[binding.access];
    const { table } = binding.table;
    const indexArns = actions.includes('dynamodb:Query')
      ? binding.table.indexNames.map((name) => `${table.tableArn}/index/${name}`)
      : [];
    this.addToRolePolicy(
      new PolicyStatement({ actions: [...actions], resources: [table.tableArn, ...indexArns] }),
    );
    const writes = actions.some((action) => !READ_ONLY_DYNAMODB.has(action));
    if (table.encryptionKey) this.grantKey(table.encryptionKey, writes ? KMS_WRITE : KMS_READ);
  }

  /** Sign licences with the asymmetric KMS key and read its public key (for the JWKS); nothing else. */
  bindLicenceSigning(key: IKey): void {
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['kms:Sign', 'kms:GetPublicKey'], resources: [key.keyArn] }),
    );
  }

  /** Read the signing key's public key only (the JWKS that verifies signatures); never sign. */
  bindLicenceVerification(key: IKey): void {
    this.addToRolePolicy(new PolicyStatement({ actions: ['kms:GetPublicKey'], resources: [key.keyArn] }));
  }

  /** Read and write document objects (no delete, no listing). */
  bindDocuments(bucket: IBucket): void {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [bucket.arnForObjects('*')],
      }),
    );
    if (bucket.encryptionKey) this.grantKey(bucket.encryptionKey, KMS_WRITE);
    this.acknowledgeWildcardResource(
      bucket.arnForObjects('*'),
      'Document object keys are generated per application and document at run time; the grant is ' +
        'limited to GetObject/PutObject on objects of this one bucket (no delete, no list).',
    );
  }

  /**
   * The audit checkpoints bucket: `read` lists and gets (verify), `write` also puts new objects
   * (the checkpoint writer). Never delete, and no object-retention or governance-bypass action: the
   * bucket's default Object Lock retention applies to every object and no function can shorten it.
   */
  bindCheckpoints(bucket: IBucket, access: 'read' | 'write'): void {
    this.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    this.addToRolePolicy(
      new PolicyStatement({
        actions: access === 'write' ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'],
        resources: [bucket.arnForObjects('*')],
      }),
    );
    if (bucket.encryptionKey) this.grantKey(bucket.encryptionKey, access === 'write' ? KMS_WRITE : KMS_READ);
    this.acknowledgeWildcardResource(
      bucket.arnForObjects('*'),
      'Checkpoint object keys carry the checkpoint number and the chain ids at run time; the grant is ' +
        'limited to this one bucket, with no delete and no retention or governance-bypass action.',
    );
  }

  bindWorkflow(workflow: WorkflowRef, ...access: WorkflowAccess[]): void {
    for (const mode of access) {
      const { actions, on } = WORKFLOW_ACCESS[mode];
      const resource = on === 'executions' ? workflow.executionArnPattern : workflow.stateMachineArn;
      this.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [resource] }));
    }
    if (access.includes('observe') || access.includes('stop')) {
      this.acknowledgeWildcardResource(
        workflow.executionArnPattern,
        'Executions are named <applicationId>-<generation> at run time; the read-only grant is limited ' +
          'to executions of this stack’s state machine.',
      );
    }
  }

  /**
   * Read a table's stream in small batches with partial failures and bisection; records that keep
   * failing (or outlive `maxRecordAge`) go to `deadLetters`.
   */
  consumeStream(table: ITable, options: { deadLetters: IQueue; maxRecordAge: Duration }): void {
    this.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 25,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        maxRecordAge: options.maxRecordAge,
        onFailure: new SqsDlq(options.deadLetters),
      }),
    );
    Validations.of(this.role ?? this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The stream event source needs dynamodb:ListStreams, which supports no resource-level permissions ' +
        '(granted by DynamoEventSource); X-Ray as for every function. Tested: nothing else on "*".',
    });
  }

  /** Record why a resource pattern with `*` is as narrow as it can be (cdk-nag AwsSolutions-IAM5). */
  acknowledgeWildcardResource(resource: string, reason: string): void {
    const finding = flattenCfnReference(Stack.of(this).resolve(resource));
    Validations.of(this.role ?? this).acknowledge({ id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
  }

  private grantKey(key: IKey, actions: readonly string[]): void {
    this.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [key.keyArn] }));
  }
}
