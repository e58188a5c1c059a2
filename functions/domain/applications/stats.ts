import { TZDate } from '@date-fns/tz';
import type { DomainConfig } from '../config.ts';
import { type Application, type AuditEvent, LANES, type LegalClock, type Pause } from '../schemas.ts';
import { workingDaysElapsed } from './legal-clock.ts';
import { STATUSES, type Status } from './lifecycle.ts';
import { QUEUE_PARTITIONS, type QueueIndex, queueItem } from './queue.ts';

/**
 * Public statistics (`GET /stats`, API.md), maintained incrementally from the applications stream.
 *
 * Each application contributes a small set of named counters, a pure function of its current
 * image (`contributionOf`). The stats consumer stores each application's contribution with the
 * version it came from and adds (new − old) to the aggregate counters in one transaction guarded on
 * that version, so a duplicate or older record changes nothing (`applyContribution`). Decision
 * times are kept as counts per whole working day, so percentiles are exact nearest-rank values.
 * The same contribution can be derived from an audit trail (`contributionFromAuditTrail`), which
 * is how an offline rebuild recomputes everything.
 */

export type Counters = Record<string, number>;

/** Statuses an application has once submitted: drafts are the applicant's private work. */
export const PUBLIC_STATUSES = STATUSES.filter(
  (status) => !['DRAFT', 'END_USER_DOCS', 'ABANDONED'].includes(status),
) as Status[];
const PENDING: readonly Status[] = ['SUBMITTED', 'UNDER_REVIEW', 'INFORMATION_REQUESTED', 'PENDING_SIGN_OFF'];
const NO_LANE = 'NONE';
export const SUPPRESSED = '<5' as const;
const MIN_CASES = 5;

const key = {
  status: (status: Status) => `status#${status}`,
  month: (month: string, outcome: string) => `month#${month}#${outcome}`,
  days: (lane: string, days: number) => `days#${lane}#${days}`,
  decided: (outcome: string) => `decided#${outcome}`,
  within: 'withinLimit',
  rfi: 'informationRequests',
  appeal: (outcome: 'lodged' | 'UPHELD' | 'OVERTURNED') => `appeals#${outcome}`,
};

/** The facts about one application that the figures are built from. */
interface Facts {
  status: Status;
  submitted: boolean;
  decision: {
    outcome: 'APPROVED' | 'DENIED';
    at: string;
    workingDays: number;
    lane: string;
    rfis: number;
    limit: number;
  } | null;
  /** The application's appeal (one at most): lodged, and its outcome once decided. */
  appeal: { outcome: 'UPHELD' | 'OVERTURNED' | null } | null;
}

function countersOf(facts: Facts, config: Pick<DomainConfig, 'timeZone'>): Counters {
  if (!facts.submitted) return {};
  const counters: Counters = { [key.status(facts.status)]: 1 };
  const decision = facts.decision;
  if (decision) {
    const local = new TZDate(new Date(decision.at).getTime(), config.timeZone);
    const month = `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}`;
    counters[key.decided(decision.outcome)] = 1;
    counters[key.month(month, decision.outcome)] = 1;
    counters[key.days(decision.lane, decision.workingDays)] = 1;
    if (decision.workingDays <= decision.limit) counters[key.within] = 1;
    if (decision.rfis > 0) counters[key.rfi] = decision.rfis;
  }
  if (facts.appeal) {
    counters[key.appeal('lodged')] = 1;
    if (facts.appeal.outcome) counters[key.appeal(facts.appeal.outcome)] = 1;
  }
  return counters;
}

const isDecided = (status: Status): status is 'APPROVED' | 'DENIED' =>
  status === 'APPROVED' || status === 'DENIED';

/** An application's contribution, from its current (stream NEW) image. */
export function contributionOf(application: Application, config: DomainConfig): Counters {
  const { status, decision, clock } = application;
  return countersOf(
    {
      status,
      submitted: application.submission !== null,
      decision:
        // Under appeal, the denial stands until the appeal is decided.
        (isDecided(status) || status === 'APPEALED') && decision
          ? {
              outcome: decision.outcome,
              at: decision.decidedAt,
              workingDays: clock.workingDaysElapsed,
              lane: application.lane?.name ?? NO_LANE,
              rfis: application.informationRequests.length,
              limit: clock.workingDaysLimit,
            }
          : null,
      appeal: application.appeal && { outcome: application.appeal.outcome },
    },
    config,
  );
}

/** The same contribution, from the application's audit trail alone (offline rebuild). */
export function contributionFromAuditTrail(events: readonly AuditEvent[], config: DomainConfig): Counters {
  const last = events.at(-1);
  if (!last) return {};
  const submit = events.find((event) => event.action === 'submit');
  let lane: string = NO_LANE;
  let rfis = 0;
  let limit = config.workingDaysLimit;
  const pauses: Pause[] = [];
  let decision: Facts['decision'] = null;
  let appeal: Facts['appeal'] = null;
  for (const event of events) {
    const changes = event.changes as {
      lane?: { name?: string };
      clock?: Partial<LegalClock>;
      outcome?: 'UPHELD' | 'OVERTURNED';
    };
    if (changes.lane?.name) lane = changes.lane.name;
    if (changes.clock?.workingDaysLimit) limit = changes.clock.workingDaysLimit;
    if (event.action === 'appeal') appeal = { outcome: null };
    if (event.action === 'decide-appeal' && appeal && changes.outcome) {
      appeal = { outcome: changes.outcome };
      if (changes.outcome === 'OVERTURNED') {
        // The denial no longer stands; the clock resumes with the appeal period as a pause.
        decision = null;
        pauses.splice(0, pauses.length, ...(changes.clock?.pauses ?? pauses).map((pause) => ({ ...pause })));
      }
    }
    if (event.action === 'request-information') {
      rfis++;
      pauses.push({ from: event.at, to: null, reason: 'INFORMATION_REQUESTED' });
    }
    const open = pauses.at(-1);
    if (
      open &&
      open.to === null &&
      event.action !== 'request-information' &&
      event.fromStatus === 'INFORMATION_REQUESTED' &&
      event.toStatus !== 'INFORMATION_REQUESTED'
    ) {
      open.to = event.at;
    }
    // An appeal upheld or withdrawn (APPEALED → DENIED) leaves the first decision as it was.
    if (
      submit &&
      event.toStatus !== event.fromStatus &&
      event.fromStatus !== 'APPEALED' &&
      isDecided(event.toStatus)
    ) {
      const clock: LegalClock = {
        startedAt: submit.at,
        dueAt: null,
        workingDaysElapsed: 0,
        workingDaysLimit: limit,
        paused: false,
        pauses,
        stoppedAt: event.at,
      };
      decision = {
        outcome: event.toStatus,
        at: event.at,
        workingDays: workingDaysElapsed(clock, new Date(event.at), config),
        lane,
        rfis,
        limit,
      };
    }
  }
  return countersOf({ status: last.toStatus, submitted: submit !== undefined, decision, appeal }, config);
}

/** What to add to the aggregate when a contribution is replaced (zero entries left out). */
export function delta(previous: Counters, next: Counters): Counters {
  const result: Counters = {};
  for (const name of new Set([...Object.keys(previous), ...Object.keys(next)])) {
    const change = (next[name] ?? 0) - (previous[name] ?? 0);
    if (change !== 0) result[name] = change;
  }
  return result;
}

/** Sums contributions (the rebuild, and the tests' reference). */
export function sumCounters(all: Iterable<Counters>): Counters {
  const total: Counters = {};
  for (const counters of all) {
    for (const [name, value] of Object.entries(counters)) total[name] = (total[name] ?? 0) + value;
  }
  return Object.fromEntries(Object.entries(total).filter(([, value]) => value !== 0));
}

// --- Incremental maintenance ------------------------------------------------------------------

export interface StoredContribution {
  version: number;
  counters: Counters;
}

/** Where the consumer keeps contributions and the aggregate (DynamoDB: one table). */
export interface StatsStore {
  contribution(applicationId: string): Promise<StoredContribution | null>;
  /**
   * Replaces the stored contribution (only if it is still `previousVersion`, null = none) and adds
   * `delta` to the aggregate, atomically; false when the guard failed (a concurrent writer).
   */
  replace(
    applicationId: string,
    previousVersion: number | null,
    next: StoredContribution,
    delta: Counters,
  ): Promise<boolean>;
  aggregate(): Promise<Counters>;
}

/**
 * Whether a change moves the application's contribution (`previous`: the one of the image before
 * the change, null for a new item). A claim, a note or a task token moves none: the consumer
 * then neither reads nor writes the stats table. Skipping such a record is safe in any delivery
 * order: the contribution that stands is the one of the newest record that did move it.
 */
export function contributionMoved(previous: Counters | null, next: Counters): boolean {
  return Object.keys(delta(previous ?? {}, next)).length > 0;
}

/** Applies one application image: idempotent, and an older version than the applied one is ignored. */
export async function applyContribution(
  store: StatsStore,
  applicationId: string,
  next: StoredContribution,
): Promise<'applied' | 'stale'> {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const previous = await store.contribution(applicationId);
    if (previous && previous.version >= next.version) return 'stale';
    const change = delta(previous?.counters ?? {}, next.counters);
    if (await store.replace(applicationId, previous?.version ?? null, next, change)) return 'applied';
  }
  throw new Error(`stats for ${applicationId} kept changing under the consumer`);
}

// --- The public figures -----------------------------------------------------------------------

type Figure = number | typeof SUPPRESSED;
const count = (value: number): Figure => (value < MIN_CASES ? SUPPRESSED : value);
const ratio = (part: number, whole: number, digits: number): Figure =>
  whole < MIN_CASES ? SUPPRESSED : Number((part / whole).toFixed(digits));

/** Nearest rank: the smallest value with at least ⌈p·n⌉ observations at or below it. */
function percentile(histogram: ReadonlyMap<number, number>, total: number, p: number): number {
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const days of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(days) ?? 0;
    if (seen >= rank) return days;
  }
  return 0;
}

interface Percentiles {
  p50: Figure;
  p90: Figure;
  decided: Figure;
}

function percentiles(histogram: ReadonlyMap<number, number>): Percentiles {
  const total = [...histogram.values()].reduce((sum, value) => sum + value, 0);
  if (total < MIN_CASES) return { p50: SUPPRESSED, p90: SUPPRESSED, decided: count(total) };
  return { p50: percentile(histogram, total, 0.5), p90: percentile(histogram, total, 0.9), decided: total };
}

export interface PublicStats {
  countsByStatus: Record<string, Figure>;
  decisionsByMonth: Array<{ month: string; approved: Figure; denied: Figure }>;
  approvalRate: Figure;
  /** Overall, and per lane in `byLane`. */
  decisionWorkingDays: Percentiles & { byLane: Record<string, Percentiles> };
  decidedWithinLimit: Figure;
  backlog: { pending: Figure; oldestPendingWorkingDays: Figure };
  informationRequestsPerDecidedApplication: Figure;
  appeals: { lodged: Figure; upheld: Figure; overturned: Figure };
  withdrawn: Figure;
  generatedAt: string;
}

/** The figures of API.md from the aggregate counters; counts and figures from fewer than 5 cases are "<5". */
export function publicStats(counters: Counters, oldestPendingWorkingDays: number, now: Date): PublicStats {
  const get = (name: string) => counters[name] ?? 0;
  const approved = get(key.decided('APPROVED'));
  const denied = get(key.decided('DENIED'));
  const decided = approved + denied;
  const months = new Set<string>();
  const byLane = new Map<string, Map<number, number>>();
  const overall = new Map<number, number>();
  for (const [name, value] of Object.entries(counters)) {
    const [kind, a, b] = name.split('#');
    if (kind === 'month' && a) months.add(a);
    if (kind === 'days' && a && b !== undefined && value > 0) {
      const days = Number(b);
      const lane = byLane.get(a) ?? new Map<number, number>();
      lane.set(days, (lane.get(days) ?? 0) + value);
      byLane.set(a, lane);
      overall.set(days, (overall.get(days) ?? 0) + value);
    }
  }
  const pending = PENDING.reduce((sum, status) => sum + get(key.status(status)), 0);
  return {
    countsByStatus: Object.fromEntries(
      PUBLIC_STATUSES.map((status) => [status, count(get(key.status(status)))]),
    ),
    decisionsByMonth: [...months].sort().map((month) => ({
      month,
      approved: count(get(key.month(month, 'APPROVED'))),
      denied: count(get(key.month(month, 'DENIED'))),
    })),
    approvalRate: ratio(approved, decided, 3),
    decisionWorkingDays: {
      ...percentiles(overall),
      byLane: Object.fromEntries(LANES.map((lane) => [lane, percentiles(byLane.get(lane) ?? new Map())])),
    },
    decidedWithinLimit: ratio(get(key.within), decided, 3),
    backlog: {
      pending: count(pending),
      oldestPendingWorkingDays: pending < MIN_CASES ? SUPPRESSED : oldestPendingWorkingDays,
    },
    informationRequestsPerDecidedApplication: ratio(get(key.rfi), decided, 2),
    appeals: {
      lodged: count(get(key.appeal('lodged'))),
      upheld: count(get(key.appeal('UPHELD'))),
      overturned: count(get(key.appeal('OVERTURNED'))),
    },
    withdrawn: count(get(key.status('WITHDRAWN'))),
    generatedAt: now.toISOString(),
  };
}

/**
 * The longest wait among queued cases, in working days at `now`, from the head of each queue
 * partition (the earliest due date of running cases, the fewest days left of paused ones): six
 * one-item queries, whatever the number of applications.
 */
export async function oldestQueuedWorkingDays(
  index: QueueIndex,
  now: Date,
  config: DomainConfig,
): Promise<number> {
  const heads = await Promise.all(QUEUE_PARTITIONS.map((partition) => index.read(partition, undefined, 1)));
  return Math.max(0, ...heads.flat().map((record) => queueItem(record, now, config).workingDaysElapsed));
}

/** `GET /stats`: one read of the aggregate and six one-item queue reads, whatever the table size. */
export async function readPublicStats(deps: {
  stats: Pick<StatsStore, 'aggregate'>;
  queue: QueueIndex;
  config: DomainConfig;
  now: () => Date;
}): Promise<PublicStats> {
  const now = deps.now();
  const [counters, oldest] = await Promise.all([
    deps.stats.aggregate(),
    oldestQueuedWorkingDays(deps.queue, now, deps.config),
  ]);
  return publicStats(counters, oldest, now);
}

/** The aggregate recomputed from every audit trail (the offline rebuild). */
export async function rebuildCounters(
  trails: AsyncIterable<readonly AuditEvent[]>,
  config: DomainConfig,
): Promise<{ counters: Counters; applications: number }> {
  const contributions: Counters[] = [];
  for await (const trail of trails) contributions.push(contributionFromAuditTrail(trail, config));
  return { counters: sumCounters(contributions), applications: contributions.length };
}

export interface CounterDifference {
  counter: string;
  incremental: number;
  rebuilt: number;
}

/** Where the incremental aggregate and a rebuild disagree (zero and absent counters are equal), by name. */
export function counterDifferences(incremental: Counters, rebuilt: Counters): CounterDifference[] {
  return [...new Set([...Object.keys(incremental), ...Object.keys(rebuilt)])]
    .sort()
    .map((counter) => ({ counter, incremental: incremental[counter] ?? 0, rebuilt: rebuilt[counter] ?? 0 }))
    .filter((difference) => difference.incremental !== difference.rebuilt);
}
