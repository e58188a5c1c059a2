import { Duration, Validations } from 'aws-cdk-lib';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Data } from './data.ts';
import { LicenceFunction, type SharedFunctionProps } from './licence-function.ts';

export interface StatisticsProps {
  readonly data: Data;
  readonly functionDefaults: SharedFunctionProps;
  readonly domainEnvironment: Record<string, string>;
}

/**
 * The stats consumer: the applications stream's second reader (the relay is the first; a stream
 * allows two per shard), with its own event source mapping and dead-letter queue. It writes only the
 * Stats table.
 */
export class Statistics extends Construct {
  readonly consumer: LicenceFunction;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: StatisticsProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'StatsDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the stats stream mapping; it is alarmed on ' +
        'depth and `npm run ops -- stats --rebuild` recomputes the figures from the audit trail.',
    });
    this.consumer = new LicenceFunction(this, 'Consumer', {
      ...props.functionDefaults,
      entry: 'functions/handlers/stats.ts',
      description: 'Maintains the public statistics from the applications stream',
      timeout: Duration.seconds(60),
      environment: { STATS_TABLE: props.data.stats.table.tableName, ...props.domainEnvironment },
    });
    this.consumer.bindTable({ table: props.data.stats, access: 'contributions' });
    this.consumer.addEventSource(
      new DynamoEventSource(props.data.applications.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(this.deadLetters),
      }),
    );
    Validations.of(this.consumer.role ?? this.consumer).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The stream event source needs dynamodb:ListStreams, which supports no resource-level permissions ' +
        '(granted by DynamoEventSource); X-Ray as for every function. Tested: nothing else on "*".',
    });
  }
}
