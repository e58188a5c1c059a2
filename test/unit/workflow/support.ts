import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { WorkflowMeta } from '#domain/ports.ts';
import type { Application } from '#domain/schemas.ts';

/** Stream records and stored items as DynamoDB holds them, for the workflow handlers' unit tests. */
export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:licence-lifecycle';
export const TOKEN = 'task-token-that-must-never-be-logged';

export type Item = Application & {
  itemType: 'application';
  generation: number;
  pendingTask?: WorkflowMeta['pendingTask'];
  /** The action that wrote this version (domain events). */
  lastAction?: string;
};

export const itemOf = (
  application: Application,
  workflow: Partial<WorkflowMeta> = {},
  lastAction?: string,
): Item => ({
  ...application,
  ...(lastAction ? { lastAction } : {}),
  itemType: 'application',
  generation: workflow.generation ?? 1,
  ...(workflow.pendingTask ? { pendingTask: workflow.pendingTask } : {}),
});

let sequence = 0;

/** A stream record of an application item, or of a Licences table item (keyed by licenceNumber and sk). */
export function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  images: { oldItem?: Item | Record<string, unknown>; newItem?: Item | Record<string, unknown> },
): DynamoDBRecord {
  sequence += 1;
  const key: Record<string, unknown> = images.newItem ?? images.oldItem ?? {};
  const image = (item: Record<string, unknown> | undefined) =>
    item
      ? (marshall(item, { removeUndefinedValues: true }) as NonNullable<
          DynamoDBRecord['dynamodb']
        >['NewImage'])
      : undefined;
  return {
    eventID: `event-${sequence}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN:
      'arn:aws:dynamodb:us-east-1:000000000000:table/Applications/stream/2025-06-01T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1_748_736_000,
      Keys: image(
        'licenceNumber' in key
          ? { licenceNumber: key.licenceNumber, sk: key.sk }
          : { applicationId: key.applicationId ?? 'missing' },
      ),
      ...(images.newItem && { NewImage: image(images.newItem) }),
      ...(images.oldItem && { OldImage: image(images.oldItem) }),
      SequenceNumber: String(sequence).padStart(21, '0'),
      SizeBytes: 1000,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}
