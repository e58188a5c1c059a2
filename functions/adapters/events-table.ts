import { addMonths } from 'date-fns/addMonths';
import { ValidationError } from '../domain/errors.ts';
import {
  type DomainEvent,
  DomainEventSchema,
  type EventFeed,
  type EventPage,
  type EventsQuery,
} from '../domain/events.ts';
import { decodeCursor, documentClient, encodeCursor } from './dynamodb.ts';
import {
  ConditionalCheckFailedException,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  unmarshall,
} from './dynamodb-sdk.ts';
import {
  EVENTS_FEED_INDEX,
  EVENTS_TTL_ATTRIBUTE,
  type TableNames,
  tableNamesFromEnv,
} from './table-definitions.ts';

/** How long the feed keeps an event (TTL); the EventBridge archive keeps them longer, for replay. */
export const EVENTS_KEPT_DAYS = 90;
const DAY_MS = 86_400_000;

const monthOf = (iso: string) => iso.slice(0, 7);
/** Where a month's read starts: at (inclusive) or after a feed position. */
interface Position {
  position: string;
  inclusive: boolean;
}
const positionOf = (event: DomainEvent) => `${event.recordedAt}#${event.id}`;

/**
 * The Events table behind `GET /events` on AWS: one item per event id (a conditional Put, so a
 * redelivered record records nothing twice and keeps its first `recordedAt`), read through the
 * `feed` index — one partition per month of `recordedAt`, sorted by `<recordedAt>#<id>`.
 */
export class DynamoEventFeed implements EventFeed {
  constructor(
    private readonly now: () => Date,
    private readonly tables: Pick<TableNames, 'events'> = tableNamesFromEnv(),
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  /** Records the event once; answers the event as recorded (the first delivery's). */
  async record(event: DomainEvent): Promise<DomainEvent> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.events,
          Item: {
            ...event,
            eventId: event.id,
            [EVENTS_FEED_INDEX.partitionKey]: monthOf(event.recordedAt),
            [EVENTS_FEED_INDEX.sortKey]: positionOf(event),
            [EVENTS_TTL_ATTRIBUTE]:
              Math.floor(Date.parse(event.recordedAt) / 1000) + EVENTS_KEPT_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(eventId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return event;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item)
        return eventOf(unmarshall(error.Item));
      throw error;
    }
  }

  async list(query: EventsQuery): Promise<EventPage> {
    const now = this.now();
    const oldest = new Date(now.getTime() - EVENTS_KEPT_DAYS * DAY_MS).toISOString();
    const resumed = cursorOf(query.cursor);
    const since = query.since ? new Date(query.since).toISOString() : oldest;
    let month = resumed?.month ?? monthOf(since < oldest ? oldest : since);
    let after: Position | null = resumed
      ? { position: resumed.position, inclusive: false }
      : { position: since, inclusive: true };
    const last = monthOf(now.toISOString());
    const items: DomainEvent[] = [];
    while (month <= last) {
      const page = await this.month(month, after, query.limit - items.length);
      items.push(...page.items);
      const tail = page.items.at(-1);
      if (tail && items.length === query.limit) {
        return { items, cursor: encodeCursor({ month, position: positionOf(tail) }) };
      }
      if (tail && page.more) {
        after = { position: positionOf(tail), inclusive: false };
      } else {
        month = addMonths(new Date(`${month}-01T00:00:00Z`), 1)
          .toISOString()
          .slice(0, 7);
        after = null;
      }
    }
    return { items, cursor: null };
  }

  /** Up to `limit` events of one month (after a position); `more` when the month may hold more. */
  private async month(month: string, after: Position | null, limit: number) {
    const { partitionKey, sortKey, name } = EVENTS_FEED_INDEX;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tables.events,
        IndexName: name,
        KeyConditionExpression: after
          ? `#pk = :month AND #sk ${after.inclusive ? '>=' : '>'} :after`
          : '#pk = :month',
        ExpressionAttributeNames: { '#pk': partitionKey, ...(after ? { '#sk': sortKey } : {}) },
        ExpressionAttributeValues: { ':month': month, ...(after ? { ':after': after.position } : {}) },
        Limit: limit,
      }),
    );
    const items = (result.Items ?? []).map(eventOf);
    return { items, more: result.LastEvaluatedKey !== undefined };
  }
}

function eventOf(item: Record<string, unknown>): DomainEvent {
  const {
    eventId,
    [EVENTS_TTL_ATTRIBUTE]: expiresAt,
    [EVENTS_FEED_INDEX.partitionKey]: month,
    [EVENTS_FEED_INDEX.sortKey]: position,
    ...event
  } = item;
  return DomainEventSchema.parse(event);
}

function cursorOf(cursor: string | undefined): { month: string; position: string } | null {
  const key = decodeCursor(cursor);
  if (!key) return null;
  const { month, position } = key;
  if (typeof month === 'string' && /^\d{4}-\d{2}$/.test(month) && typeof position === 'string') {
    return { month, position };
  }
  throw new ValidationError([{ path: 'cursor', message: 'is not a cursor returned by this API' }]);
}
