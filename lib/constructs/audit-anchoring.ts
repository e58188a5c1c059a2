import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { Data } from './data.ts';
import { LicenceFunction, type SharedFunctionProps } from './licence-function.ts';

export interface AuditAnchoringProps {
  readonly data: Data;
  readonly functionDefaults: SharedFunctionProps;
  /** How often a checkpoint is written (issue 13: every 5 minutes). */
  readonly every: Duration;
}

/**
 * The checkpoint writer (functions/handlers/checkpoint.ts) on a schedule: the heads marked in the
 * sparse `anchorPending` indexes become one signed checkpoint in the Object Lock bucket. It is the
 * only function that writes the bucket; it signs with the authority key, as licences are signed.
 */
export class AuditAnchoring extends Construct {
  readonly writer: LicenceFunction;

  constructor(scope: Construct, id: string, props: AuditAnchoringProps) {
    super(scope, id);
    const { data } = props;
    this.writer = new LicenceFunction(this, 'CheckpointWriter', {
      ...props.functionDefaults,
      entry: 'functions/handlers/checkpoint.ts',
      description: 'Writes the signed audit checkpoint of the chains changed since the last one',
      timeout: Duration.minutes(2),
      // One run at a time: two runs would build the same checkpoint number (the second put fails).
      reservedConcurrentExecutions: 1,
      environment: {
        APPLICATIONS_TABLE: data.applications.table.tableName,
        LICENCES_TABLE: data.licences.table.tableName,
        LICENCE_SIGNING_KEY_ID: data.licenceSigningKey.keyArn,
        CHECKPOINT_BUCKET: data.auditCheckpoints.bucketName,
      },
    });
    this.writer.bindTable({ table: data.applications, access: 'anchorMarks' });
    this.writer.bindTable({ table: data.licences, access: 'anchorMarks' });
    this.writer.bindLicenceSigning(data.licenceSigningKey);
    this.writer.bindCheckpoints(data.auditCheckpoints, 'write');
    new Rule(this, 'CheckpointSchedule', {
      description: 'Writes an audit checkpoint',
      schedule: Schedule.rate(props.every),
      // A failed run leaves the marks in place: the next run, minutes later, anchors them.
      targets: [new LambdaFunction(this.writer, { retryAttempts: 0 })],
    });
  }
}
