import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectLockRetention,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  EVENTS_TTL_ATTRIBUTE,
  IDEMPOTENCY_TTL_ATTRIBUTE,
  type TableNames,
  tableDefinitions,
} from '../../functions/adapters/table-definitions.ts';
import type { LicenceTable } from './licence-function.ts';

export interface DataProps {
  readonly removalPolicy: RemovalPolicy;
  /** Deletion protection on tables (off for throw-away stacks). */
  readonly deletionProtection: boolean;
  /**
   * Default Object Lock retention of every audit checkpoint: compliance mode for the configured
   * days in production, governance mode of one day in a throw-away stack.
   */
  readonly checkpointRetention: ObjectLockRetention;
}

/** The retention of `DataProps.checkpointRetention` for a stack's configuration. */
export function checkpointRetentionFor(config: { throwAway: boolean; checkpointRetentionDays: number }) {
  return config.throwAway
    ? ObjectLockRetention.governance(Duration.days(1))
    : ObjectLockRetention.compliance(Duration.days(config.checkpointRetentionDays));
}

/**
 * The stateful resources, kept apart from functions and API so that data outlives redeploys:
 * the tables built from the same key schemas as the local stack, the documents bucket and
 * the customer-managed key that encrypts both.
 */
export class Data extends Construct {
  readonly key: Key;
  readonly applications: LicenceTable;
  readonly auditEvents: LicenceTable;
  readonly idempotency: LicenceTable;
  readonly counters: LicenceTable;
  readonly stats: LicenceTable;
  readonly licences: LicenceTable;
  /** Domain events behind GET /events (TTL `expiresAt`; the bus's archive keeps them longer). */
  readonly events: LicenceTable;
  readonly documents: Bucket;
  /** Signed audit checkpoints, write-once under Object Lock (docs/audit-checkpoints.md). */
  readonly auditCheckpoints: Bucket;
  /** Server access logs of the documents and checkpoints buckets. */
  readonly accessLogs: Bucket;
  /** Signs licences (ES256); separate from the data key. Asymmetric keys do not rotate: a new key is a new kid. */
  readonly licenceSigningKey: Key;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts licence applications, audit events and documents',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(30),
    });
    this.applications = this.table('Applications', definitionOf('applications'), props);
    this.auditEvents = this.table('AuditEvents', definitionOf('auditEvents'), props);
    this.idempotency = this.table(
      'Idempotency',
      definitionOf('idempotency'),
      props,
      IDEMPOTENCY_TTL_ATTRIBUTE,
    );
    this.counters = this.table('Counters', definitionOf('counters'), props);
    this.stats = this.table('Stats', definitionOf('stats'), props);
    this.licences = this.table('Licences', definitionOf('licences'), props);
    this.events = this.table('Events', definitionOf('events'), props, EVENTS_TTL_ATTRIBUTE);
    this.accessLogs = new Bucket(this, 'DocumentsAccessLogs', {
      // S3 server access logging cannot deliver to a KMS-encrypted bucket.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [{ expiration: Duration.days(400) }],
    });
    this.documents = this.documentsBucket(props.removalPolicy);
    this.auditCheckpoints = this.checkpointsBucket(props.checkpointRetention);
    this.licenceSigningKey = new Key(this, 'LicenceSigningKey', {
      description: 'Signs licences (ES256 JWS); only the functions that issue or change licences may sign',
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(30),
    });
  }

  private table(
    id: string,
    definition: CreateTableCommandInput,
    props: DataProps,
    timeToLiveAttribute?: string,
  ): LicenceTable {
    const stream = definition.StreamSpecification?.StreamEnabled
      ? StreamViewType[definition.StreamSpecification.StreamViewType ?? 'NEW_AND_OLD_IMAGES']
      : undefined;
    const table = new Table(this, id, {
      partitionKey: keyAttribute(definition, 'HASH'),
      sortKey: optionalKeyAttribute(definition, 'RANGE'),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
      stream,
      timeToLiveAttribute,
    });
    const indexNames: string[] = [];
    for (const index of definition.GlobalSecondaryIndexes ?? []) {
      if (!index.IndexName) throw new Error(`${id}: a global secondary index has no name`);
      const indexKeys = { ...definition, KeySchema: index.KeySchema };
      table.addGlobalSecondaryIndex({
        indexName: index.IndexName,
        partitionKey: keyAttribute(indexKeys, 'HASH'),
        sortKey: optionalKeyAttribute(indexKeys, 'RANGE'),
        projectionType: ProjectionType[index.Projection?.ProjectionType ?? 'ALL'],
        ...(index.Projection?.ProjectionType === 'INCLUDE'
          ? { nonKeyAttributes: index.Projection.NonKeyAttributes ?? [] }
          : {}),
      });
      indexNames.push(index.IndexName);
    }
    return { table, indexNames };
  }

  private documentsBucket(removalPolicy: RemovalPolicy): Bucket {
    return new Bucket(this, 'Documents', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'documents/',
      removalPolicy,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
  }

  /**
   * Object Lock (which needs versioning) with a default retention on every object version; SSE-S3,
   * not the stack's KMS key, so the evidence stays readable even if someone schedules that key for
   * deletion (checkpoints hold only ids, seqs and hashes). Always retained: a locked bucket cannot be
   * emptied when the stack goes, and its objects expire from the lock on their own.
   */
  private checkpointsBucket(retention: ObjectLockRetention): Bucket {
    return new Bucket(this, 'AuditCheckpoints', {
      objectLockEnabled: true,
      objectLockDefaultRetention: retention,
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'audit-checkpoints/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

// The shared definitions are keyed by table name; name each table after its role to pick it out.
const NAMES_BY_ROLE: TableNames = {
  applications: 'applications',
  auditEvents: 'auditEvents',
  idempotency: 'idempotency',
  counters: 'counters',
  stats: 'stats',
  licences: 'licences',
  events: 'events',
};

function definitionOf(role: keyof TableNames): CreateTableCommandInput {
  const definition = tableDefinitions(NAMES_BY_ROLE).find((candidate) => candidate.TableName === role);
  if (!definition) throw new Error(`tableDefinitions() has no ${role} table`);
  return definition;
}

function optionalKeyAttribute(
  definition: CreateTableCommandInput,
  keyType: 'HASH' | 'RANGE',
): Attribute | undefined {
  const key = definition.KeySchema?.find((element) => element.KeyType === keyType);
  if (!key?.AttributeName) return undefined;
  const name = key.AttributeName;
  const attribute = definition.AttributeDefinitions?.find((candidate) => candidate.AttributeName === name);
  if (!attribute?.AttributeType)
    throw new Error(`${definition.TableName}: no attribute definition for ${name}`);
  const types = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY };
  return { name, type: types[attribute.AttributeType] };
}

function keyAttribute(definition: CreateTableCommandInput, keyType: 'HASH' | 'RANGE'): Attribute {
  const attribute = optionalKeyAttribute(definition, keyType);
  if (!attribute) throw new Error(`${definition.TableName}: no ${keyType} key`);
  return attribute;
}
