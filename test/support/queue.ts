import { dueAt, workingDaysUntil } from '#domain/applications/legal-clock.ts';
import { type QueueIndex, type QueueRecord, queueEntry } from '#domain/applications/queue.ts';
import type { DomainConfig } from '#domain/config.ts';
import { type Application, LANES } from '#domain/schemas.ts';
import {
  type ApplicationFlow,
  applicationIn,
  completeDetails,
  DAY_MS,
  HOUR_MS,
  reviewer,
  screeningOutcome,
  T0,
} from './applications.ts';

/** The queue index held in memory, keyed like the DynamoDB one (for the pure order tests). */
export class MemoryQueueIndex implements QueueIndex {
  private readonly entries = new Map<string, { partition: string; record: QueueRecord }>();

  /** What the adapter's commit writes for `application` at `at`. */
  write(application: Application, at: Date, config: DomainConfig): void {
    const entry = queueEntry(application, at, config);
    if (!entry) {
      this.entries.delete(application.applicationId);
      return;
    }
    const { applicationId, status, lane, clock, assignedTo, flags, updatedAt } = application;
    this.entries.set(applicationId, {
      partition: entry.queuePk,
      record: {
        applicationId,
        queueSk: entry.queueSk,
        status,
        lane,
        clock,
        assignedTo,
        flags,
        updatedAt,
        queueCountries: entry.queueCountries,
      },
    });
  }

  async read(partition: string, after: string | undefined, limit: number): Promise<QueueRecord[]> {
    return [...this.entries.values()]
      .filter(
        (entry) => entry.partition === partition && (after === undefined || entry.record.queueSk > after),
      )
      .map((entry) => entry.record)
      .sort((a, b) => (a.queueSk < b.queueSk ? -1 : 1))
      .slice(0, limit);
  }
}

/**
 * The queue order of DESIGN.md by brute force: sort every queued case by its key at `now` (with
 * `appeals`, as a senior reviewer sees it: APPEALED cases by their appeal's due date).
 */
export function bruteForceQueue(
  applications: readonly Application[],
  now: Date,
  config: DomainConfig,
  { appeals = false } = {},
): string[] {
  const queued = [
    'UNDER_REVIEW',
    'INFORMATION_REQUESTED',
    'PENDING_SIGN_OFF',
    ...(appeals ? ['APPEALED'] : []),
  ];
  const keyed = applications
    .filter((application) => queued.includes(application.status))
    .map((application) => {
      // An appeal is due when its own clock says.
      const due =
        (application.status === 'APPEALED'
          ? application.appeal?.clock.dueAt
          : dueAt(application.clock, now, config)) ?? '';
      return {
        id: application.applicationId,
        near: workingDaysUntil(due, now, config) <= config.queueUrgentWorkingDays ? 0 : 1,
        lane: LANES.indexOf(application.lane?.name ?? 'STANDARD'),
        due,
      };
    });
  keyed.sort(
    (a, b) =>
      a.near - b.near ||
      a.lane - b.lane ||
      (a.due < b.due ? -1 : a.due > b.due ? 1 : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return keyed.map((entry) => entry.id);
}

/** One generated case: how it was submitted and what happened to it before the evaluation. */
export interface CaseSpec {
  lane: (typeof LANES)[number];
  /** Days after T0 when it was submitted. */
  submittedDay: number;
  shape: 'review' | 'claimed' | 'paused' | 'resumed' | 'sign-off';
  /** Days after submission of the RFI (paused, resumed). */
  rfiAfterDays: number;
  /** Days the RFI lasted (resumed). */
  rfiDays: number;
}

/** Builds a case through the real lifecycle; the last write happens before `T0 + latestDay`. */
export function caseFrom(spec: CaseSpec, index: number, config: DomainConfig): ApplicationFlow {
  const holder = reviewer('rita');
  const details =
    spec.lane === 'ENHANCED' ? { consignee: { name: 'Transit Ltd', country: 'AE', address: 'Dubai' } } : {};
  const start = new Date(T0.getTime() + spec.submittedDay * DAY_MS + (index % 7) * HOUR_MS);
  const flow = applicationIn(spec.shape === 'sign-off' ? 'SUBMITTED' : 'UNDER_REVIEW', {
    config,
    start,
    applicationId: `app_${String(index).padStart(5, '0')}`,
    details: completeDetails(details),
    screening: screeningOutcome({ recentApprovalForEndUser: spec.lane === 'EXPEDITED' }),
    heldBy: spec.shape === 'review' ? null : holder,
  });
  if (spec.shape === 'sign-off') {
    flow.apply('screening-matched', { kind: 'system', sub: 'system:screen' }, screeningOutcome());
    return flow;
  }
  if (spec.shape === 'paused' || spec.shape === 'resumed') {
    flow.advance(spec.rfiAfterDays * DAY_MS);
    flow.apply('request-information', holder, {
      questions: ['Who owns the end user?'],
      dueInWorkingDays: 20,
    });
    if (spec.shape === 'resumed') {
      flow.advance(spec.rfiDays * DAY_MS);
      flow.apply('respond', flow.owner, { answers: ['A listed company.'] });
    }
  }
  return flow;
}
