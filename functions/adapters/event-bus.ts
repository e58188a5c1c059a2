import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type DomainEvent, EVENT_SOURCES, type EventFeed, type EventPublisher } from '../domain/events.ts';
import { clock } from './clock.ts';
import { localEventLog } from './events.ts';
import { DynamoEventFeed } from './events-table.ts';

/** PutEvents answered with failed entries (HTTP 200): the record must fail so the stream retries it. */
export class EventsNotAcceptedError extends Error {
  constructor(eventId: string, code: string | undefined, message: string | undefined) {
    super(`EventBridge did not accept event ${eventId}: ${code ?? 'unknown'} ${message ?? ''}`.trim());
    this.name = 'EventsNotAcceptedError';
  }
}

type EventBridgeSdk = typeof import('@aws-sdk/client-eventbridge');
let sdkModule: Promise<EventBridgeSdk> | undefined;

/**
 * One event on the bus: `detail-type` = the action, `source` per aggregate, `detail` = the event.
 * The SDK loads on the first publish (only the deployed consumers publish to a bus).
 */
export class EventBridgePublisher implements EventPublisher {
  private client: EventBridgeClient | undefined;

  constructor(private readonly busName: string) {}

  async publish(event: DomainEvent): Promise<void> {
    sdkModule ??= import('@aws-sdk/client-eventbridge');
    const sdk = await sdkModule;
    this.client ??= new sdk.EventBridgeClient({});
    const result = await this.client.send(
      new sdk.PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: EVENT_SOURCES[event.aggregate],
            DetailType: event.type,
            Detail: JSON.stringify(event),
            Time: new Date(event.occurredAt),
            Resources: [],
          },
        ],
      }),
    );
    // PutEvents is not all-or-nothing: a throttled or failed entry only shows in the answer.
    if ((result.FailedEntryCount ?? 0) > 0) {
      const failed = result.Entries?.find((entry) => entry.ErrorCode);
      throw new EventsNotAcceptedError(event.id, failed?.ErrorCode, failed?.ErrorMessage);
    }
  }
}

/**
 * On AWS: recorded in the Events table first (once per id; a redelivery gets the first recording
 * back), then put on the bus — so the feed and the bus carry the same event, and a failure of
 * either fails the record for the stream to retry (at least once on the bus).
 */
export class RecordingPublisher implements EventPublisher {
  constructor(
    private readonly feed: DynamoEventFeed,
    private readonly bus: EventPublisher,
  ) {}

  async publish(event: DomainEvent): Promise<void> {
    await this.bus.publish(await this.feed.record(event));
  }
}

const deployed = (env: NodeJS.ProcessEnv) => Boolean(env.AWS_LAMBDA_FUNCTION_NAME);

/** Where the stream consumers publish: the bus and the Events table on AWS, the local log otherwise. */
export function eventPublisherFromEnv(env: NodeJS.ProcessEnv = process.env): EventPublisher {
  const busName = env.EVENT_BUS_NAME;
  if (busName)
    return new RecordingPublisher(new DynamoEventFeed(() => clock.now()), new EventBridgePublisher(busName));
  if (deployed(env))
    throw new Error('EVENT_BUS_NAME is not set for this function (bind it with DomainEvents.bindPublisher)');
  return localEventLog(env);
}

/** What `GET /events` reads: the Events table on AWS, the local log otherwise. */
export function eventFeedFromEnv(env: NodeJS.ProcessEnv = process.env): EventFeed {
  return deployed(env) ? new DynamoEventFeed(() => clock.now()) : localEventLog(env);
}
