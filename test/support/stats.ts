import type { DomainConfig } from '#domain/config.ts';
import type { Application, AuditEvent, UserActor } from '#domain/schemas.ts';
import {
  type ApplicationFlow,
  applicationIn,
  completeDetails,
  DAY_MS,
  HOUR_MS,
  highValueGoods,
  reviewer,
  screeningOutcome,
  senior,
  system,
  T0,
} from './applications.ts';

export { random } from '../reliability/model.ts';

export interface DrivenCase {
  flow: ApplicationFlow;
  /** Every stored image in commit order (what the stream carries as NEW images). */
  images: Application[];
}

/**
 * One application driven through the domain with random outcomes and durations: screening refusal,
 * approvals with and without sign-off, denials, returned sign-offs, information requests answered or
 * overdue, withdrawals at any point, appeals (withdrawn, upheld, overturned and decided again), and
 * cases left pending or in draft.
 */
export function driveCase(index: number, rand: () => number, config: DomainConfig): DrivenCase {
  const pick = <T>(options: readonly T[]): T => options[Math.floor(rand() * options.length)] as T;
  const days = (max: number) => Math.floor(rand() * max) * DAY_MS + Math.floor(rand() * 8) * HOUR_MS;
  const lane = pick(['EXPEDITED', 'STANDARD', 'ENHANCED'] as const);
  const start = new Date(T0.getTime() + days(200));
  const details = completeDetails({
    ...(lane === 'ENHANCED' ? { consignee: { name: 'Transit Ltd', country: 'AE', address: 'Dubai' } } : {}),
    ...(rand() < 0.3 ? { goods: highValueGoods() } : {}),
  });
  const images: Application[] = [];
  const flow = applicationIn(rand() < 0.08 ? 'DRAFT' : 'SUBMITTED', {
    config,
    start,
    details,
    applicationId: `app_${String(index).padStart(6, '0')}`,
  });
  // The fixture's intermediate images are not kept; its final one stands for them all.
  images.push(flow.application);
  const step = (run: () => unknown) => {
    run();
    images.push(flow.application);
  };
  const withdrawMaybe = () => {
    if (rand() < 0.06) step(() => flow.apply('withdraw', flow.owner, { reason: 'No longer needed.' }));
    return flow.application.status === 'WITHDRAWN';
  };
  if (flow.application.status !== 'SUBMITTED') return { flow, images };
  if (rand() < 0.07) {
    step(() => flow.apply('screening-refused', system('screen'), screeningOutcome()));
    // Overturned, it is screened again on the corrected facts.
    if (appealMaybe(flow, rand, step, days) !== 'OVERTURNED') return { flow, images };
  }
  step(() =>
    flow.apply(
      'screening-cleared',
      system('screen'),
      screeningOutcome({ recentApprovalForEndUser: lane === 'EXPEDITED' }),
    ),
  );
  const cast = { step, days, withdrawMaybe };
  const first = reviewCase(flow, rand, cast, [reviewer('rita'), reviewer('ravi'), senior('sam')]);
  // An overturned denial is reviewed again by others, with sign-off (flag APPEAL_OVERTURNED).
  if (first && appealMaybe(flow, rand, step, days) === 'OVERTURNED')
    reviewCase(flow, rand, cast, [reviewer('rex')], senior('sol'));
  return { flow, images };
}

type Step = (run: () => unknown) => void;
interface Cast {
  step: Step;
  days: (max: number) => number;
  withdrawMaybe: () => boolean;
}

/**
 * Sometimes appeals a denial (within its deadline), then withdraws the appeal or has it decided:
 * upheld, or overturned (a screening refusal with corrections). Returns the outcome, if any.
 */
function appealMaybe(
  flow: ApplicationFlow,
  rand: () => number,
  step: Step,
  days: (max: number) => number,
): 'UPHELD' | 'OVERTURNED' | 'WITHDRAWN' | null {
  if (flow.application.status !== 'DENIED' || flow.application.appeal !== null || rand() < 0.5) return null;
  flow.advance(days(20));
  step(() => flow.apply('appeal', flow.owner, { grounds: 'The end user is a civil manufacturer.' }));
  if (rand() < 0.1) return null; // still under appeal
  flow.advance(days(15));
  const outcome = pickOf(rand, ['UPHELD', 'OVERTURNED', 'OVERTURNED', 'WITHDRAWN'] as const);
  if (outcome === 'WITHDRAWN') {
    step(() => flow.apply('withdraw', flow.owner, { reason: 'We accept the refusal.' }));
  } else {
    const screening = refusedByScreening(flow.application);
    step(() =>
      flow.apply('decide-appeal', senior('dana'), {
        outcome,
        note: 'Decided on appeal.',
        ...(outcome === 'OVERTURNED' && screening && { corrections: { endUse: { military: false } } }),
      }),
    );
  }
  return outcome;
}

const pickOf = <T>(rand: () => number, options: readonly T[]): T =>
  options[Math.floor(rand() * options.length)] as T;

/**
 * Claim, information requests, decision and sign-off, each maybe cut short; true when the case
 * ended decided.
 */
function reviewCase(
  flow: ApplicationFlow,
  rand: () => number,
  { step, days, withdrawMaybe }: Cast,
  holders: readonly UserActor[],
  fixedSigner?: UserActor,
): boolean {
  const pick = <T>(options: readonly T[]): T => pickOf(rand, options);
  // Read through a function: the status changes under TypeScript's narrowing.
  const statusNow = () => flow.application.status;
  const holder = pick(holders);
  flow.advance(days(5));
  step(() => flow.apply('claim', holder, {}));
  if (withdrawMaybe()) return false;
  const requests = pick([0, 0, 1, 1, 2]);
  for (let i = 0; i < requests; i++) {
    flow.advance(days(10));
    step(() =>
      flow.apply('request-information', holder, { questions: ['Who is the end user?'], dueInWorkingDays: 5 }),
    );
    if (rand() < 0.1) return false; // left waiting for the answer
    if (rand() < 0.7) {
      flow.advance(days(6));
      step(() => flow.apply('respond', flow.owner, { answers: ['A listed company.'] }));
    } else {
      flow.advance(15 * DAY_MS);
      step(() => flow.apply('information-overdue', system('system-transition'), {}));
    }
    if (withdrawMaybe()) return false;
  }
  if (rand() < 0.12) return false; // still under review
  flow.advance(days(40));
  const signer = fixedSigner ?? (holder.sub === 'sam' ? senior('sue') : senior('sam'));
  if (rand() < 0.65) {
    step(() => flow.apply('approve', holder, { validityMonths: 12, conditions: [] }));
  } else {
    step(() => flow.apply('deny', holder, { reasons: ['RISK_OF_DIVERSION'] }));
  }
  if (statusNow() !== 'PENDING_SIGN_OFF') return true;
  if (withdrawMaybe()) return false;
  flow.advance(days(8));
  const agree = rand() < 0.85;
  step(() => flow.apply('sign-off', signer, { agree }));
  if (!agree) {
    flow.advance(days(5));
    step(() => flow.apply('approve', holder, { validityMonths: 6, conditions: [] }));
    if (statusNow() === 'PENDING_SIGN_OFF') {
      flow.advance(days(3));
      step(() => flow.apply('sign-off', signer, { agree: true }));
    }
  }
  return true;
}

// --- Brute force over audit trails -------------------------------------------------------------

const dayOf = (iso: string) => iso.slice(0, 10);
const isWeekday = (day: string) => ![0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** Working days from the day after `from` to `to`'s day, skipping days touched by a pause (UTC, no holidays). */
function naiveWorkingDays(from: string, to: string, pauses: ReadonlyArray<[string, string]>): number {
  let count = 0;
  for (let day = nextDay(dayOf(from)); day <= dayOf(to); day = nextDay(day)) {
    const paused = pauses.some(([start, end]) => dayOf(start) <= day && day <= dayOf(end));
    if (isWeekday(day) && !paused) count++;
  }
  return count;
}

const suppress = (value: number) => (value < 5 ? '<5' : value);
const share = (part: number, whole: number, digits: number) =>
  whole < 5 ? '<5' : Number((part / whole).toFixed(digits));
const nearestRank = (sorted: readonly number[], p: number) =>
  sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1];
const percentiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length < 5
    ? { p50: '<5', p90: '<5', decided: suppress(sorted.length) }
    : { p50: nearestRank(sorted, 0.5), p90: nearestRank(sorted, 0.9), decided: sorted.length };
};

/**
 * Every figure of `/stats` straight from the audit trails (and, for the oldest pending case, the
 * working days each pending trail has waited at `now`), with plain loops and sorts: no histograms,
 * no stats code.
 */
export function bruteForceStats(trails: ReadonlyArray<readonly AuditEvent[]>, now: Date, limit: number) {
  const submitted = trails.filter((trail) => trail.some((event) => event.action === 'submit'));
  const statusOf = (trail: readonly AuditEvent[]) => trail.at(-1)?.toStatus ?? 'DRAFT';
  const counts = new Map<string, number>();
  for (const trail of submitted) counts.set(statusOf(trail), (counts.get(statusOf(trail)) ?? 0) + 1);
  const pausesOf = (trail: readonly AuditEvent[], until: string): Array<[string, string]> => {
    const pauses: Array<[string, string]> = [];
    let deniedAt = '';
    for (const event of trail) {
      if (event.toStatus === 'DENIED' && event.fromStatus !== 'APPEALED') deniedAt = event.at;
      // An overturned denial: the clock stood still from the denial to the appeal's decision.
      if (event.action === 'decide-appeal' && event.toStatus !== 'DENIED') pauses.push([deniedAt, event.at]);
      else if (event.action === 'request-information') pauses.push([event.at, until]);
      else if (event.fromStatus === 'INFORMATION_REQUESTED' && event.toStatus !== 'INFORMATION_REQUESTED') {
        const open = pauses.at(-1);
        if (open) open[1] = event.at;
      }
    }
    return pauses;
  };
  const decisions = submitted.flatMap((trail) => {
    const submit = trail.find((event) => event.action === 'submit');
    // The decision in force: an appeal upheld or withdrawn (from APPEALED) leaves it as it was.
    const last = trail.findLast((event) => event.fromStatus !== 'APPEALED' && event.toStatus !== 'APPEALED');
    if (!last || !submit || !['APPROVED', 'DENIED'].includes(last.toStatus)) return [];
    const lane = [...trail].reverse().find((event) => (event.changes as { lane?: unknown }).lane) as
      | (AuditEvent & { changes: { lane: { name: string } } })
      | undefined;
    return [
      {
        outcome: last.toStatus,
        month: last.at.slice(0, 7),
        lane: lane?.changes.lane.name ?? 'NONE',
        days: naiveWorkingDays(submit.at, last.at, pausesOf(trail, last.at)),
        rfis: trail.filter((event) => event.action === 'request-information').length,
      },
    ];
  });
  const approved = decisions.filter((decision) => decision.outcome === 'APPROVED').length;
  const months = [...new Set(decisions.map((decision) => decision.month))].sort();
  const pendingStatuses = ['SUBMITTED', 'UNDER_REVIEW', 'INFORMATION_REQUESTED', 'PENDING_SIGN_OFF'];
  const pending = submitted.filter((trail) => pendingStatuses.includes(statusOf(trail)));
  const oldest = Math.max(
    0,
    ...pending
      .filter((trail) => statusOf(trail) !== 'SUBMITTED')
      .map((trail) => {
        const submit = trail.find((event) => event.action === 'submit');
        return submit
          ? naiveWorkingDays(submit.at, now.toISOString(), pausesOf(trail, now.toISOString()))
          : 0;
      }),
  );
  // Every status from submission on.
  const statuses = [...pendingStatuses, 'APPROVED', 'DENIED', 'WITHDRAWN', 'APPEALED'];
  return {
    countsByStatus: Object.fromEntries(statuses.map((status) => [status, suppress(counts.get(status) ?? 0)])),
    decisionsByMonth: months.map((month) => ({
      month,
      approved: suppress(decisions.filter((d) => d.month === month && d.outcome === 'APPROVED').length),
      denied: suppress(decisions.filter((d) => d.month === month && d.outcome === 'DENIED').length),
    })),
    approvalRate: share(approved, decisions.length, 3),
    decisionWorkingDays: {
      ...percentiles(decisions.map((decision) => decision.days)),
      byLane: Object.fromEntries(
        ['EXPEDITED', 'STANDARD', 'ENHANCED'].map((lane) => [
          lane,
          percentiles(
            decisions.filter((decision) => decision.lane === lane).map((decision) => decision.days),
          ),
        ]),
      ),
    },
    decidedWithinLimit: share(
      decisions.filter((decision) => decision.days <= limit).length,
      decisions.length,
      3,
    ),
    backlog: {
      pending: suppress(pending.length),
      oldestPendingWorkingDays: pending.length < 5 ? '<5' : oldest,
    },
    informationRequestsPerDecidedApplication: share(
      decisions.reduce((sum, decision) => sum + decision.rfis, 0),
      decisions.length,
      2,
    ),
    appeals: {
      lodged: suppress(submitted.filter((trail) => trail.some((event) => event.action === 'appeal')).length),
      upheld: suppress(appealsDecided(submitted, 'UPHELD')),
      overturned: suppress(appealsDecided(submitted, 'OVERTURNED')),
    },
    withdrawn: suppress(counts.get('WITHDRAWN') ?? 0),
    generatedAt: now.toISOString(),
  };
}

const appealsDecided = (trails: ReadonlyArray<readonly AuditEvent[]>, outcome: string) =>
  trails.filter((trail) =>
    trail.some(
      (event) =>
        event.action === 'decide-appeal' && (event.changes as { outcome?: string }).outcome === outcome,
    ),
  ).length;

const refusedByScreening = (application: Application) =>
  application.appeal?.appealedDecision.decidedBy.startsWith('system:') ?? false;
