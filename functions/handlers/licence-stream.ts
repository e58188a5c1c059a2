import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { clock } from '../adapters/clock.ts';
import { unmarshall } from '../adapters/dynamodb-sdk.ts';
import { eventPublisherFromEnv } from '../adapters/event-bus.ts';
import { expirySchedulesFromEnv } from '../adapters/expiry-schedules.ts';
import { logger } from '../adapters/observability.ts';
import type { EventPublisher } from '../domain/events.ts';
import { isEnded } from '../domain/licences/lifecycle.ts';
import { LicenceStatusSchema } from '../domain/licences/schemas.ts';
import type { ExpirySchedules } from '../domain/ports.ts';
import { isoDateTime } from '../domain/schemas.ts';
import * as z from '../domain/zod.ts';
import { publishChange } from './domain-events.ts';

/**
 * The one consumer of the Licences stream (NEW_AND_OLD_IMAGES). Each committed change of a licence
 * item (usage and declaration items are skipped) goes through every reaction in turn; each is
 * idempotent, since a record may be delivered more than once. After them the record's domain
 * event (if the licence's version increased) is published: this consumer is the licences' event
 * publisher too. A failed record fails alone (partial batch response) and is retried by the stream.
 */
const LicenceImage = z.object({
  licenceNumber: z.string(),
  status: LicenceStatusSchema,
  validTo: isoDateTime,
  version: z.number().check(z.int(), z.gte(1)),
});
export type LicenceImage = z.infer<typeof LicenceImage>;

/** A licence before and after one committed write (null: no item on that side). */
export interface LicenceChange {
  previous: LicenceImage | null;
  next: LicenceImage | null;
}

export interface LicenceStreamDependencies {
  schedules: ExpirySchedules;
}

type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];

function licenceImage(image: Image): LicenceImage | null {
  if (!image) return null;
  const item = unmarshall(image as unknown as Record<string, AttributeValue>);
  return item.sk === 'LICENCE' ? LicenceImage.parse(item) : null;
}

/**
 * While a licence is in force it has one expiry schedule at its `validTo`: made when it is issued
 * (so a crash after the approval's commit cannot lose it), replaced if its validity changes, kept
 * through suspension and reinstatement. Once it ends otherwise (revoked, surrendered, exhausted,
 * superseded) the schedule is deleted; after an expiry it is already gone.
 */
export async function syncExpirySchedule(deps: LicenceStreamDependencies, { previous, next }: LicenceChange) {
  const wasInForce = previous !== null && !isEnded(previous.status);
  if (next && !isEnded(next.status)) {
    if (wasInForce && previous.validTo === next.validTo) return;
    await deps.schedules.schedule(next.licenceNumber, new Date(next.validTo));
    logger.info('licence expiry scheduled', { licenceNumber: next.licenceNumber, at: next.validTo });
    return;
  }
  if (!wasInForce) return;
  await deps.schedules.cancel(previous.licenceNumber);
  logger.info('licence expiry schedule deleted', {
    licenceNumber: previous.licenceNumber,
    status: next?.status ?? null,
  });
}

/** What each licence change sets off, in order. */
const REACTIONS: ReadonlyArray<(deps: LicenceStreamDependencies, change: LicenceChange) => Promise<void>> = [
  syncExpirySchedule,
];

export async function consumeLicenceRecord(deps: LicenceStreamDependencies, record: DynamoDBRecord) {
  const change = {
    previous: licenceImage(record.dynamodb?.OldImage),
    next: licenceImage(record.dynamodb?.NewImage),
  };
  if (!change.previous && !change.next) return;
  for (const react of REACTIONS) await react(deps, change);
}

const processor = new BatchProcessor(EventType.DynamoDBStreams);
const deps: LicenceStreamDependencies = { schedules: expirySchedulesFromEnv(() => clock.now()) };
const events: EventPublisher = eventPublisherFromEnv();

/** The reactions first, then the event; a retry repeats both harmlessly (the event id dedupes). */
async function consumeAndPublish(record: DynamoDBRecord): Promise<void> {
  await consumeLicenceRecord(deps, record);
  await publishChange(events, 'licence', record, clock.now());
}

export const handler = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
  processPartialResponse(event, consumeAndPublish, processor, {
    context,
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });
