import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  IDEMPOTENCY_TTL_ATTRIBUTE,
  type TableNames,
  tableDefinitions,
} from '../../functions/adapters/table-definitions.ts';
import { expectTlsOnly, logicalIdOf, type Synthesized, synthesize } from './support.ts';

const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
  String(a.AttributeName).localeCompare(String(b.AttributeName));

describe('Data construct', () => {
  let prod: Synthesized;
  let dev: Synthesized;
  beforeAll(() => {
    prod = synthesize();
    dev = synthesize({ stage: 'dev' });
  });

  function tableProperties(synthesized: Synthesized, role: keyof TableNames) {
    const table = synthesized.stack.data[role].table;
    return synthesized.template.toJSON().Resources[logicalIdOf(table)];
  }

  it('builds every table with the key schema, attributes, indexes and stream of tableDefinitions()', () => {
    const roles: (keyof TableNames)[] = [
      'applications',
      'auditEvents',
      'idempotency',
      'counters',
      'stats',
      'licences',
      'events',
    ];
    const names = Object.fromEntries(roles.map((role) => [role, role])) as unknown as TableNames;
    for (const definition of tableDefinitions(names)) {
      const role = definition.TableName as keyof TableNames;
      const properties = tableProperties(prod, role).Properties;

      expect(properties.KeySchema, role).toEqual(definition.KeySchema);
      expect([...properties.AttributeDefinitions].sort(byName), role).toEqual(
        [...(definition.AttributeDefinitions ?? [])].sort(byName),
      );
      expect(properties.GlobalSecondaryIndexes, role).toEqual(definition.GlobalSecondaryIndexes);
      expect(properties.StreamSpecification?.StreamViewType, role).toEqual(
        definition.StreamSpecification?.StreamViewType,
      );
      expect(prod.stack.data[role].indexNames).toEqual(
        (definition.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName),
      );
    }
  });

  it('makes every table on-demand, KMS-encrypted with the stack key and point-in-time recoverable', () => {
    prod.template.resourceCountIs('AWS::DynamoDB::Table', 7);
    prod.template.allResourcesProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(prod.stack.data.key), 'Arn'] },
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    prod.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('expires idempotency records by the attribute the idempotency adapter writes', () => {
    expect(tableProperties(prod, 'idempotency').Properties.TimeToLiveSpecification).toEqual({
      AttributeName: IDEMPOTENCY_TTL_ATTRIBUTE,
      Enabled: true,
    });
  });

  it('retains data and protects tables from deletion in production', () => {
    prod.template.allResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    prod.template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    prod.template.allResources('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    prod.template.allResources('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }),
    });
  });

  it('destroys data and drops deletion protection in a throw-away dev stack', () => {
    expect(dev.stack.stackName).toBe('LicenceWorkflow-dev');
    dev.template.allResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
    // Except the audit checkpoints: a bucket holding locked objects cannot be emptied with the stack.
    const checkpoints = logicalIdOf(dev.stack.data.auditCheckpoints);
    for (const [id, bucket] of Object.entries(dev.template.findResources('AWS::S3::Bucket')))
      expect(bucket.DeletionPolicy, id).toBe(id === checkpoints ? 'Retain' : 'Delete');
    dev.template.allResources('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
    });
  });

  it('keeps documents KMS-encrypted, private, versioned, access-logged and reachable over TLS only', () => {
    const documents = prod.stack.data.documents;
    const accessLogs = prod.stack.data.node.findChild('DocumentsAccessLogs');
    const documentsBucket = prod.template.toJSON().Resources[logicalIdOf(documents)];

    expect(documentsBucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(prod.stack.data.key), 'Arn'] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf(accessLogs) } },
    });
    for (const bucket of [documents, accessLogs]) expectTlsOnly(prod.template, bucket);
  });
});
