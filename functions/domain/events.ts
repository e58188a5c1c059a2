import { hasRole } from './access.ts';
import { ForbiddenError } from './errors.ts';
import { LicenceActionSchema, LicenceStatusSchema } from './licences/schemas.ts';
import { ActionSchema, type Actor, isoDateTime, LANES, LIMITS, StatusSchema } from './schemas.ts';
import * as z from './zod.ts';

/**
 * Domain events (DESIGN.md "Domain events", docs/events.md): one small, versioned event per
 * committed change of an application or a licence, derived from a stream record alone — the item's
 * `version` (= the seq of its last audit event) and `lastAction` (written in the same update).
 * Ids, statuses and the org only: no names, goods, values, notes or actors.
 */
export const DOMAIN_EVENT_SCHEMA_VERSION = 1;
/** The EventBridge `source` of each aggregate's events. */
export const EVENT_SOURCES = {
  application: 'licence-workflow.applications',
  licence: 'licence-workflow.licences',
} as const;

const id = z.string().check(z.maxLength(LIMITS.name));
const common = {
  schemaVersion: z.literal(DOMAIN_EVENT_SCHEMA_VERSION),
  /** `<aggregate key>:<seq>`: the audit event that produced it (unique; the idempotency key). */
  id: z.string().check(z.maxLength(256)),
  /** The seq of that audit event, which is also the aggregate's version after the change. */
  seq: z.number().check(z.int(), z.positive()),
  /** When the change was committed (the aggregate's `updatedAt`). */
  occurredAt: isoDateTime,
  /** When the consumer published it (the feed's order). */
  recordedAt: isoDateTime,
  orgId: id,
};

export const ApplicationEventSchema = z.deferred(() =>
  z.strictObject({
    ...common,
    aggregate: z.literal('application'),
    type: ActionSchema,
    applicationId: id,
    fromStatus: z.nullable(StatusSchema),
    toStatus: StatusSchema,
    lane: z.nullable(z.enum(LANES)),
    /** The licence the approval issued, once there is one. */
    licenceNumber: z.nullable(id),
    /** The licence an amendment varies. */
    amends: z.nullable(id),
  }),
);
export type ApplicationEvent = z.infer<typeof ApplicationEventSchema>;

export const LicenceEventSchema = z.deferred(() =>
  z.strictObject({
    ...common,
    aggregate: z.literal('licence'),
    type: LicenceActionSchema,
    licenceNumber: id,
    applicationId: id,
    fromStatus: z.nullable(LicenceStatusSchema),
    toStatus: LicenceStatusSchema,
    supersededBy: z.nullable(id),
    amends: z.nullable(id),
    openAmendment: z.nullable(id),
  }),
);
export type LicenceEvent = z.infer<typeof LicenceEventSchema>;

export const DomainEventSchema = z.deferred(() =>
  z
    .discriminatedUnion('aggregate', [ApplicationEventSchema, LicenceEventSchema])
    .check(z.meta({ id: 'DomainEvent', description: 'A domain event (docs/events.md), schema version 1.' })),
);
export type DomainEvent = z.infer<typeof DomainEventSchema>;

/** `GET /events?since=&limit=&cursor=`. */
export const EventsQuerySchema = z.deferred(() =>
  z.strictObject({
    since: z.optional(isoDateTime).check(
      z.meta({
        description: 'Only events recorded at or after this instant (inclusive); default: all kept.',
      }),
    ),
    limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(LIMITS.listLimit)), 50),
    cursor: z.optional(z.string().check(z.maxLength(2048))).check(
      z.meta({
        description:
          'The `cursor` of the previous page: continue after its last event (`since` is then ignored).',
      }),
    ),
  }),
);
export type EventsQuery = z.infer<typeof EventsQuerySchema>;

/** What a stream record holds; unknown attributes (the rest of the item) are ignored. */
const ApplicationImageSchema = z.deferred(() =>
  z.object({
    applicationId: z.string(),
    orgId: z.string(),
    status: StatusSchema,
    version: z.number().check(z.int(), z.positive()),
    updatedAt: isoDateTime,
    lastAction: z.optional(ActionSchema),
    lane: z.nullable(z.object({ name: z.enum(LANES) })),
    licence: z.nullable(z.object({ licenceNumber: z.string() })),
    amends: z._default(z.nullable(z.string()), null),
  }),
);
const LicenceImageSchema = z.deferred(() =>
  z.object({
    licenceNumber: z.string(),
    sk: z.literal('LICENCE'),
    applicationId: z.string(),
    orgId: z.string(),
    status: LicenceStatusSchema,
    version: z.number().check(z.int(), z.positive()),
    updatedAt: isoDateTime,
    lastAction: z.optional(LicenceActionSchema),
    supersededBy: z.nullable(z.string()),
    amends: z.nullable(z.string()),
    openAmendment: z.nullable(z.string()),
  }),
);

/** A stream record's images, unmarshalled (undefined where the record has none). */
export interface ChangedItem {
  oldImage: Record<string, unknown> | undefined;
  newImage: Record<string, unknown> | undefined;
}

/** Why a record produced no event (logged by the consumer). */
export type NoEvent = 'removed' | 'version-unchanged' | 'not-a-licence' | 'no-last-action';

/**
 * The version must have increased: task-token and generation writes (and a redelivered record's
 * twin, which the consumer cannot tell apart) change nothing the domain committed.
 */
function changed<T extends { version: number }>(previous: T | null, next: T): boolean {
  return previous === null || next.version > previous.version;
}

/** The event of an applications stream record, or why there is none. */
export function applicationEventOf(item: ChangedItem, recordedAt: Date): ApplicationEvent | NoEvent {
  if (!item.newImage) return 'removed';
  const next = ApplicationImageSchema.parse(item.newImage);
  // Of the previous version only its status and version matter.
  const previous = item.oldImage
    ? z.omit(ApplicationImageSchema, { lastAction: true }).parse(item.oldImage)
    : null;
  if (!changed(previous, next)) return 'version-unchanged';
  if (!next.lastAction) return 'no-last-action';
  return ApplicationEventSchema.parse({
    schemaVersion: DOMAIN_EVENT_SCHEMA_VERSION,
    id: `${next.applicationId}:${next.version}`,
    seq: next.version,
    occurredAt: next.updatedAt,
    recordedAt: recordedAt.toISOString(),
    orgId: next.orgId,
    aggregate: 'application',
    type: next.lastAction,
    applicationId: next.applicationId,
    fromStatus: previous?.status ?? null,
    toStatus: next.status,
    lane: next.lane?.name ?? null,
    licenceNumber: next.licence?.licenceNumber ?? null,
    amends: next.amends,
  });
}

/**
 * The event of a licences stream record, or why there is none: only the licence item counts
 * (usage and declaration items are written in the same transaction as the licence's new version).
 * The id uses the licence's audit key (`licence#<number>`), so it never collides with an application's.
 */
export function licenceEventOf(item: ChangedItem, recordedAt: Date): LicenceEvent | NoEvent {
  if (!item.newImage) return 'removed';
  if (item.newImage.sk !== 'LICENCE') return 'not-a-licence';
  const next = LicenceImageSchema.parse(item.newImage);
  const previous = item.oldImage
    ? z.omit(LicenceImageSchema, { lastAction: true }).parse(item.oldImage)
    : null;
  if (!changed(previous, next)) return 'version-unchanged';
  if (!next.lastAction) return 'no-last-action';
  return LicenceEventSchema.parse({
    schemaVersion: DOMAIN_EVENT_SCHEMA_VERSION,
    id: `licence#${next.licenceNumber}:${next.version}`,
    seq: next.version,
    occurredAt: next.updatedAt,
    recordedAt: recordedAt.toISOString(),
    orgId: next.orgId,
    aggregate: 'licence',
    type: next.lastAction,
    licenceNumber: next.licenceNumber,
    applicationId: next.applicationId,
    fromStatus: previous?.status ?? null,
    toStatus: next.status,
    supersededBy: next.supersededBy,
    amends: next.amends,
    openAmendment: next.openAmendment,
  });
}

/** Where published events go: the bus and the feed on AWS, a file or memory locally. */
export interface EventPublisher {
  /** Publishes one event; throws when it was not accepted (the stream retries the record). */
  publish(event: DomainEvent): Promise<void>;
}

export interface EventPage {
  items: DomainEvent[];
  /** Null when the page reached the end of the feed at the time of reading. */
  cursor: string | null;
}

/** The feed `GET /events` reads: events in the order they were recorded. */
export interface EventFeed {
  list(query: EventsQuery): Promise<EventPage>;
}

/** `GET /events`: operators and auditors watch the whole system's events; nobody else does. */
export async function listEvents(feed: EventFeed, actor: Actor, query: EventsQuery): Promise<EventPage> {
  if (!hasRole(actor, 'operator', 'auditor')) {
    throw new ForbiddenError('Only operators and auditors read the domain events.');
  }
  return feed.list(query);
}
