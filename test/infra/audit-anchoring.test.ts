import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GSI, LICENCE_GSI } from '../../functions/adapters/table-definitions.ts';
import {
  actionsOn,
  allows,
  arnOf,
  expectTlsOnly,
  grantsOf,
  grantsOfRole,
  logicalIdOf,
  type Synthesized,
  synthesize,
} from './support.ts';

/**
 * The audit checkpoints on AWS: the Object Lock bucket (compliance with the configured retention in
 * production, governance for a day in a dev stack), the scheduled writer and who may touch what.
 */
const LOCK_BYPASS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention',
  's3:PutBucketObjectLockConfiguration',
];

describe('audit checkpoints on AWS', () => {
  let prod: Synthesized;
  let dev: Synthesized;
  beforeAll(() => {
    prod = synthesize({ checkpointRetentionDays: '3650' });
    dev = synthesize({ stage: 'dev' });
  });
  const bucketOf = (synthesized: Synthesized) =>
    synthesized.template.toJSON().Resources[logicalIdOf(synthesized.stack.data.auditCheckpoints)];

  it('locks every checkpoint in compliance mode for the configured days in production', () => {
    expect(bucketOf(prod).Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3650 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    expect(bucketOf(prod).DeletionPolicy).toBe('Retain');
  });

  it('locks them in governance mode for one day in a throw-away stack', () => {
    expect(bucketOf(dev).Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
    });
  });

  it('keeps the bucket private, encrypted, access-logged and reachable over TLS only', () => {
    const { data } = prod.stack;
    expect(bucketOf(prod).Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalIdOf(data.accessLogs) },
        LogFilePrefix: 'audit-checkpoints/',
      },
    });
    expectTlsOnly(prod.template, data.auditCheckpoints);
  });

  it('runs the writer every 5 minutes, one run at a time, with the bucket and the signing key it uses', () => {
    const { anchoring, data } = prod.stack;
    const writer = prod.template.toJSON().Resources[logicalIdOf(anchoring.writer)];
    expect(writer.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(writer.Properties.Environment.Variables).toMatchObject({
      CHECKPOINT_BUCKET: { Ref: logicalIdOf(data.auditCheckpoints) },
      LICENCE_SIGNING_KEY_ID: { 'Fn::GetAtt': [logicalIdOf(data.licenceSigningKey), 'Arn'] },
    });
    prod.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(anchoring.writer), 'Arn'] } })],
    });
  });

  it('lets the writer mark-clear, read heads, sign and put checkpoints, and nothing more', () => {
    const { anchoring, data } = prod.stack;
    const grants = grantsOf(prod, anchoring.writer);
    const bucket = arnOf(data.auditCheckpoints);
    for (const table of [data.applications.table, data.licences.table]) {
      expect(actionsOn(grants, arnOf(table))).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      expect(allows(grants, 'dynamodb:PutItem', arnOf(table))).toBe(false);
      expect(allows(grants, 'dynamodb:DeleteItem', arnOf(table))).toBe(false);
    }
    expect(
      allows(grants, 'dynamodb:Query', `${arnOf(data.applications.table)}/index/${GSI.anchorPending.name}`),
    ).toBe(true);
    expect(
      allows(
        grants,
        'dynamodb:Query',
        `${arnOf(data.licences.table)}/index/${LICENCE_GSI.anchorPending.name}`,
      ),
    ).toBe(true);
    expect(allows(grants, 'dynamodb:GetItem', arnOf(data.auditEvents.table))).toBe(false);
    expect(actionsOn(grants, arnOf(data.licenceSigningKey))).toEqual(['kms:GetPublicKey', 'kms:Sign']);
    expect(actionsOn(grants, bucket)).toEqual(['s3:ListBucket']);
    expect(actionsOn(grants, `${bucket}/*`)).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(allows(grants, 's3:PutObject', `${arnOf(data.documents)}/x`)).toBe(false);
  });

  it('lets audit-api read checkpoints (verify) but not write them, the api not at all; only the writer may put', () => {
    const { anchoring, api, data } = prod.stack;
    const bucket = arnOf(data.auditCheckpoints);
    const auditGrants = grantsOf(prod, api.auditHandler);
    expect(allows(auditGrants, 's3:GetObject', `${bucket}/checkpoints/000000000001.json`)).toBe(true);
    expect(allows(auditGrants, 's3:ListBucket', bucket)).toBe(true);
    expect(allows(auditGrants, 's3:PutObject', `${bucket}/checkpoints/000000000001.json`)).toBe(false);
    const apiGrants = grantsOf(prod, api.handler);
    expect(allows(apiGrants, 's3:GetObject', `${bucket}/checkpoints/000000000001.json`)).toBe(false);
    expect(allows(apiGrants, 's3:ListBucket', bucket)).toBe(false);
    const writers = Object.keys(prod.template.findResources('AWS::IAM::Role')).filter((role) =>
      allows(grantsOfRole(prod.template, role), 's3:PutObject', `${bucket}/checkpoints/000000000001.json`),
    );
    expect(writers).toEqual([logicalIdOf(anchoring.writer.role ?? anchoring.writer)]);
  });

  it('gives no role a way to delete, unlock or shorten the lock of a checkpoint', () => {
    const object = `${arnOf(prod.stack.data.auditCheckpoints)}/checkpoints/000000000001.json`;
    for (const role of Object.keys(prod.template.findResources('AWS::IAM::Role'))) {
      const grants = grantsOfRole(prod.template, role);
      for (const action of LOCK_BYPASS)
        expect(allows(grants, action, object), `${role} ${action}`).toBe(false);
      expect(
        allows(grants, 's3:PutBucketObjectLockConfiguration', arnOf(prod.stack.data.auditCheckpoints)),
      ).toBe(false);
    }
  });
});
