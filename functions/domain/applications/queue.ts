import type { DomainConfig } from '../config.ts';
import { ValidationError } from '../errors.ts';
import {
  type Application,
  FlagSchema,
  LANES,
  type LaneName,
  LaneSchema,
  LegalClockSchema,
  LIMITS,
  StatusSchema,
} from '../schemas.ts';
import * as z from '../zod.ts';
import { addWorkingDays, dueAt, workingDaysElapsed, workingDaysUntil } from './legal-clock.ts';
import type { Status } from './lifecycle.ts';

/**
 * The reviewers' queue (DESIGN.md "Queue order"): cases overdue or within
 * `queueUrgentWorkingDays` of their due date first, then lane (EXPEDITED, STANDARD, ENHANCED),
 * then due date (then id, so the order is total).
 *
 * "Near due" depends on today, and a paused case's due date moves every day without a write, so
 * the order cannot be one stored sort key. Each queued case carries one index entry, written in the
 * same update as the case itself:
 * - a running case (or a paused one already past its limit, whose due date is fixed) in partition
 *   `RUN#<lane>`, sorted by `<dueAt>#<id>`;
 * - a paused case in `PAUSED#<lane>`, sorted by working days left (`<0007>#<id>`), which does not
 *   change while it is paused; its due date is computed at read time.
 * - an APPEALED case (senior reviewers' queue only) in `APPEAL#<lane>`, sorted by the due date of
 *   the appeal's own clock (`<appeal dueAt>#<id>`), which never pauses.
 * A read pins the evaluation instant and walks six segments — (near due, then the rest) × lane —
 * each a merge of its RUN, PAUSED (and, for senior reviewers, APPEAL) ranges by (due date, id). The
 * cursor carries the pinned instant, the segment and the last sort key read from each partition.
 */

export const QUEUE_STATUSES = [
  'UNDER_REVIEW',
  'INFORMATION_REQUESTED',
  'PENDING_SIGN_OFF',
  'APPEALED',
] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
export const isQueued = (status: Status): status is QueueStatus =>
  (QUEUE_STATUSES as readonly Status[]).includes(status);

/** What the queue index projects (keys aside): only what a queue item shows. */
export const QueueRecordSchema = z.deferred(() =>
  z.object({
    applicationId: z.string().check(z.maxLength(64)),
    queueSk: z.string().check(z.maxLength(128)),
    status: StatusSchema,
    lane: z.nullable(LaneSchema),
    clock: LegalClockSchema,
    assignedTo: z.nullable(z.string().check(z.maxLength(LIMITS.name))),
    flags: z.array(FlagSchema).check(z.maxLength(LIMITS.flags)),
    updatedAt: z.string(),
    queueCountries: z.object({ exporter: z.nullable(z.string()), endUser: z.nullable(z.string()) }),
  }),
);
export type QueueRecord = z.infer<typeof QueueRecordSchema>;

/** The index attributes an application carries, or null when it is not in the queue. */
export interface QueueEntry {
  queuePk: string;
  queueSk: string;
  queueCountries: QueueRecord['queueCountries'];
}

const laneOf = (application: Pick<Application, 'lane'>): LaneName => application.lane?.name ?? 'STANDARD';
const pad = (days: number): string => String(Math.max(0, days)).padStart(4, '0');
const runPartition = (lane: LaneName) => `RUN#${lane}`;
const pausedPartition = (lane: LaneName) => `PAUSED#${lane}`;
const appealPartition = (lane: LaneName) => `APPEAL#${lane}`;
/** The partitions of cases awaiting a first decision (appeals aside: the backlog of `/stats`). */
export const QUEUE_PARTITIONS: readonly string[] = LANES.flatMap((lane) => [
  runPartition(lane),
  pausedPartition(lane),
]);
/** Above every `<prefix>#<id>` key (ids are ASCII). */
const AFTER_ALL = '#\uffff';

/** Index entry of an application at the time of a write (`now`), or null when it leaves the queue. */
export function queueEntry(application: Application, now: Date, config: DomainConfig): QueueEntry | null {
  if (!isQueued(application.status) || !application.clock.startedAt) return null;
  const lane = laneOf(application);
  const queueCountries = {
    exporter: application.exporter?.country ?? null,
    endUser: application.endUser?.country ?? null,
  };
  if (application.status === 'APPEALED') {
    const due = application.appeal?.clock.dueAt;
    if (!due) return null;
    return {
      queuePk: appealPartition(lane),
      queueSk: `${due}#${application.applicationId}`,
      queueCountries,
    };
  }
  const left = application.clock.workingDaysLimit - workingDaysElapsed(application.clock, now, config);
  if (application.clock.paused && left > 0) {
    return {
      queuePk: pausedPartition(lane),
      queueSk: `${pad(left)}#${application.applicationId}`,
      queueCountries,
    };
  }
  const due = dueAt(application.clock, now, config) ?? application.clock.dueAt;
  if (!due) return null;
  return { queuePk: runPartition(lane), queueSk: `${due}#${application.applicationId}`, queueCountries };
}

/** One item of `GET /queue`. */
export interface QueueItem {
  applicationId: string;
  status: QueueStatus;
  lane: Application['lane'];
  dueAt: string | null;
  nearDue: boolean;
  workingDaysElapsed: number;
  workingDaysLeft: number;
  paused: boolean;
  assignedTo: string | null;
  flags: Application['flags'];
  exporterCountry: string | null;
  endUserCountry: string | null;
}

export function queueItem(record: QueueRecord, now: Date, config: DomainConfig): QueueItem {
  const { due, elapsed, limit } = clockOf(record, now, config);
  return {
    applicationId: record.applicationId,
    status: record.status as QueueStatus,
    lane: record.lane,
    dueAt: due,
    nearDue: due !== null && workingDaysUntil(due, now, config) <= config.queueUrgentWorkingDays,
    workingDaysElapsed: elapsed,
    workingDaysLeft: limit - elapsed,
    paused: record.clock.paused,
    assignedTo: record.assignedTo,
    flags: record.flags,
    exporterCountry: record.queueCountries.exporter,
    endUserCountry: record.queueCountries.endUser,
  };
}

/**
 * The clock a queued case is measured by: the legal clock, or for an appeal the appeal's clock
 * (not projected: its due date is the sort key, and an appeal clock never pauses, so the working
 * days elapsed are its limit less the working days left).
 */
function clockOf(record: QueueRecord, now: Date, config: DomainConfig) {
  if (record.status === 'APPEALED') {
    const due = appealDueOf(record);
    const limit = config.appealWorkingDaysLimit;
    return { due, limit, elapsed: limit - workingDaysUntil(due, now, config) };
  }
  return {
    due: dueAt(record.clock, now, config),
    limit: record.clock.workingDaysLimit,
    elapsed: workingDaysElapsed(record.clock, now, config),
  };
}

const appealDueOf = (record: QueueRecord): string => record.queueSk.slice(0, record.queueSk.lastIndexOf('#'));

// --- Reading ----------------------------------------------------------------------------------

/** The index as the queue reads it: one partition, ascending, strictly after a sort key. */
export interface QueueIndex {
  read(partition: string, after: string | undefined, limit: number): Promise<QueueRecord[]>;
}

export const QueueQuerySchema = z.deferred(() =>
  z.strictObject({
    lane: z.optional(z.enum(LANES)),
    status: z.optional(z.enum(QUEUE_STATUSES)),
    assigned: z._default(z.enum(['me', 'none', 'any']), 'any'),
    limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(LIMITS.listLimit)), 20),
    cursor: z.optional(z.string().check(z.maxLength(2048))),
  }),
);
export type QueueQuery = z.infer<typeof QueueQuerySchema>;

const CursorSchema = z.deferred(() =>
  z.strictObject({
    at: z.iso.datetime(),
    filter: z.string().check(z.maxLength(256)),
    segment: z.number().check(z.int(), z.gte(0), z.lte(5)),
    run: z.nullable(z.string().check(z.maxLength(128))),
    paused: z.nullable(z.string().check(z.maxLength(128))),
    appeal: z._default(z.nullable(z.string().check(z.maxLength(128))), null),
  }),
);
type Cursor = z.infer<typeof CursorSchema>;

const foreignCursor = () =>
  new ValidationError([{ path: 'cursor', message: 'is not a cursor returned by this queue listing' }]);

function decodeCursor(cursor: string): Cursor {
  try {
    const parsed = CursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // reported below
  }
  throw foreignCursor();
}
const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

interface Segment {
  lane: LaneName;
  near: boolean;
}

/** Reads one partition lazily within bounds: records with lower < key, stopping at the first key > upper. */
class Source {
  private buffer: QueueRecord[] = [];
  private exhausted = false;
  constructor(
    private readonly index: QueueIndex,
    private readonly partition: string,
    private after: string | undefined,
    private readonly stopAfter: (record: QueueRecord) => boolean,
    private readonly batch: number,
  ) {}

  async peek(): Promise<QueueRecord | undefined> {
    if (this.buffer.length === 0 && !this.exhausted) {
      const records = await this.index.read(this.partition, this.after, this.batch);
      if (records.length < this.batch) this.exhausted = true;
      const last = records.at(-1);
      if (last) this.after = last.queueSk;
      const inRange = records.findIndex(this.stopAfter);
      if (inRange >= 0) {
        this.exhausted = true;
        records.length = inRange;
      }
      this.buffer = records;
    }
    return this.buffer[0];
  }

  take(): void {
    this.buffer.shift();
  }
}

export interface QueueReadContext {
  index: QueueIndex;
  config: DomainConfig;
  now: Date;
  caller: string;
  /** Senior reviewers: APPEALED cases are in their queue (default: not). */
  seesAppeals?: boolean;
}

type SourceName = 'run' | 'paused' | 'appeal';

/**
 * Cases in queue order, lazily (claim-next stops at the first it can take). `position()` is the
 * cursor after the last record yielded.
 */
export class QueueWalk {
  private readonly at: Date;
  private readonly threshold: string;
  private readonly filterKey: string;
  private readonly segments: Segment[];
  private cursor: Cursor;
  private readonly resumed: boolean;

  constructor(
    private readonly context: QueueReadContext,
    private readonly query: Omit<QueueQuery, 'limit' | 'cursor'>,
    cursor: string | undefined,
    private readonly batch = 25,
  ) {
    this.filterKey = `${query.lane ?? ''}|${query.status ?? ''}|${query.assigned}`;
    const decoded = cursor === undefined ? undefined : decodeCursor(cursor);
    if (decoded && decoded.filter !== this.filterKey) throw foreignCursor();
    this.resumed = decoded !== undefined;
    this.at = decoded ? new Date(decoded.at) : context.now;
    this.cursor = decoded ?? {
      at: this.at.toISOString(),
      filter: this.filterKey,
      segment: 0,
      run: null,
      paused: null,
      appeal: null,
    };
    this.threshold = addWorkingDays(this.at, context.config.queueUrgentWorkingDays, context.config);
    const lanes = query.lane ? [query.lane] : LANES;
    this.segments = [true, false].flatMap((near) => lanes.map((lane) => ({ lane, near })));
  }

  /** The instant the order is evaluated at (pinned by the cursor). */
  get evaluatedAt(): Date {
    return this.at;
  }

  position(): string | null {
    return this.cursor.segment >= this.segments.length ? null : encodeCursor(this.cursor);
  }

  async *records(): AsyncGenerator<QueueRecord> {
    for (; this.cursor.segment < this.segments.length; this.nextSegment()) {
      const segment = this.segments[this.cursor.segment];
      if (!segment) break;
      const sources = this.sources(segment);
      for (;;) {
        const heads: Array<[SourceName, Source, QueueRecord]> = [];
        for (const [name, source] of sources) {
          const head = await this.freshHead(name, source);
          if (head) heads.push([name, source, head]);
        }
        const first = pickFirst(heads, (record) => this.dueOf(record));
        if (!first) break;
        const [name, source, record] = first;
        source.take();
        this.cursor[name] = record.queueSk;
        if (this.matches(record)) yield record;
      }
    }
  }

  /**
   * The partition's first record not changed since the pinned instant. A changed record is never
   * listed, and its due date at the pinned instant need not follow its new key (a pause that began
   * later), so left in the merge it could hold back the unchanged records behind it.
   */
  private async freshHead(name: SourceName, source: Source): Promise<QueueRecord | undefined> {
    for (let head = await source.peek(); head; head = await source.peek()) {
      if (!this.changedSincePinned(head)) return head;
      source.take();
      this.cursor[name] = head.queueSk;
    }
    return undefined;
  }

  private changedSincePinned(record: QueueRecord): boolean {
    return this.resumed && record.updatedAt > this.cursor.at;
  }

  private nextSegment(): void {
    this.cursor = { ...this.cursor, segment: this.cursor.segment + 1, run: null, paused: null, appeal: null };
  }

  private sources(segment: Segment): Array<[SourceName, Source]> {
    const { index } = this.context;
    const urgent = pad(this.context.config.queueUrgentWorkingDays);
    const threshold = `${this.threshold}${AFTER_ALL}`;
    const pausedUrgent = `${urgent}${AFTER_ALL}`;
    const max = (a: string | null, bound: string) => (a !== null && a > bound ? a : bound);
    const never = () => false;
    const source = (partition: string, after: string | null | undefined, stop: (r: QueueRecord) => boolean) =>
      new Source(index, partition, after ?? undefined, stop, this.batch);
    // Due-date partitions (RUN and APPEAL) split at the near-due date, PAUSED at the days left.
    const byDue = (partition: string, after: string | null) =>
      segment.near
        ? source(partition, after, (r) => r.queueSk > threshold)
        : source(partition, max(after, threshold), never);
    const sources: Array<[SourceName, Source]> = [
      [
        'run',
        this.wanted(RUNNING_STATUSES) ? byDue(runPartition(segment.lane), this.cursor.run) : emptySource(),
      ],
      [
        'paused',
        this.wanted(['INFORMATION_REQUESTED'])
          ? segment.near
            ? source(pausedPartition(segment.lane), this.cursor.paused, (r) => r.queueSk > pausedUrgent)
            : source(pausedPartition(segment.lane), max(this.cursor.paused, pausedUrgent), never)
          : emptySource(),
      ],
    ];
    if (this.context.seesAppeals && this.wanted(['APPEALED']))
      sources.push(['appeal', byDue(appealPartition(segment.lane), this.cursor.appeal)]);
    return sources;
  }

  /** Whether the status filter lets any of these statuses through (paused cases are all INFORMATION_REQUESTED). */
  private wanted(statuses: readonly QueueStatus[]): boolean {
    return this.query.status === undefined || statuses.includes(this.query.status);
  }

  private dueOf(record: QueueRecord): string {
    return clockOf(record, this.at, this.context.config).due ?? record.queueSk;
  }

  private matches(record: QueueRecord): boolean {
    if (this.query.status && record.status !== this.query.status) return false;
    if (this.query.assigned === 'none' && record.assignedTo !== null) return false;
    if (this.query.assigned === 'me' && record.assignedTo !== this.context.caller) return false;
    // On later pages, a case changed after the first page was read may already have been listed
    // at its old place: it is left out, so no case appears twice. Unchanged cases keep their keys.
    return !this.changedSincePinned(record);
  }
}

/** Statuses of the RUN partitions (a paused case past its limit stays there too). */
const RUNNING_STATUSES: readonly QueueStatus[] = [
  'UNDER_REVIEW',
  'INFORMATION_REQUESTED',
  'PENDING_SIGN_OFF',
];
const NO_RECORDS: QueueIndex = { read: async () => [] };
const emptySource = (): Source => new Source(NO_RECORDS, '', undefined, () => true, 1);

/** The head that comes first by (due date, id). */
function pickFirst<T extends readonly [SourceName, Source, QueueRecord]>(
  heads: readonly T[],
  due: (record: QueueRecord) => string,
): T | undefined {
  let first: T | undefined;
  let firstDue = '';
  for (const head of heads) {
    const headDue = due(head[2]);
    if (
      !first ||
      headDue < firstDue ||
      (headDue === firstDue && head[2].applicationId < first[2].applicationId)
    ) {
      first = head;
      firstDue = headDue;
    }
  }
  return first;
}

/** One page of the queue. */
export async function readQueuePage(
  context: QueueReadContext,
  query: QueueQuery,
): Promise<{ items: QueueItem[]; cursor: string | null; evaluatedAt: string }> {
  // No partition read needs more than the page (and one to know whether it goes on).
  const walk = new QueueWalk(context, query, query.cursor, Math.min(25, query.limit + 1));
  const items: QueueItem[] = [];
  if (query.limit > 0) {
    for await (const record of walk.records()) {
      items.push(queueItem(record, walk.evaluatedAt, context.config));
      if (items.length >= query.limit) break;
    }
  }
  return { items, cursor: walk.position(), evaluatedAt: walk.evaluatedAt.toISOString() };
}
