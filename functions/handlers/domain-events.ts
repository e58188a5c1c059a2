import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { unmarshall } from '../adapters/dynamodb-sdk.ts';
import { logger } from '../adapters/observability.ts';
import {
  applicationEventOf,
  type ChangedItem,
  type DomainEvent,
  type EventPublisher,
  licenceEventOf,
} from '../domain/events.ts';

type StreamImage = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
const itemOf = (image: StreamImage) =>
  image ? unmarshall(image as unknown as Record<string, AttributeValue>) : undefined;

const EVENT_OF = { application: applicationEventOf, licence: licenceEventOf } as const;

/**
 * Publishes the domain event of one stream record of the applications (relay) or licences
 * table, if it has one (the version increased). Called by the stream's existing consumers: no
 * stream gets a reader of its own for events. Throws when the event was not accepted, which
 * fails the record (the stream retries it; the event id makes the retry harmless).
 */
export async function publishChange(
  publisher: EventPublisher,
  aggregate: keyof typeof EVENT_OF,
  record: DynamoDBRecord,
  now: Date,
): Promise<DomainEvent | null> {
  const item: ChangedItem = {
    oldImage: itemOf(record.dynamodb?.OldImage),
    newImage: itemOf(record.dynamodb?.NewImage),
  };
  const event = EVENT_OF[aggregate](item, now);
  if (typeof event === 'string') {
    logger.debug('no domain event', {
      aggregate,
      reason: event,
      sequenceNumber: record.dynamodb?.SequenceNumber,
    });
    return null;
  }
  await publisher.publish(event);
  logger.info('domain event published', { id: event.id, type: event.type });
  return event;
}
