import { hasRole } from '../access.ts';
import type { DomainConfig } from '../config.ts';
import { asSeenByApplicant, withoutValue, withoutValues } from '../redaction.ts';
import type {
  Actor,
  Application,
  ApplicationView,
  AuditEvent,
  Completeness,
  Lane,
  PastDecision,
} from '../schemas.ts';
import { allowedActions } from './apply-action.ts';
import { clockView } from './legal-clock.ts';
import { ENHANCED_PUBLIC_REASON, missingDetails, missingDocuments, policyWarnings } from './rules.ts';

/**
 * Per-role views (DESIGN.md "Who sees what"). Applicants see authority actors by role, not name,
 * and no internal notes, screening details or pending recommendation. Operators see metadata
 * without commercial values. Internal fields never leave the domain.
 */
export type { ApplicationView } from '../schemas.ts';

export function applicationView(
  application: Application,
  actor: Actor,
  now: Date,
  config: Pick<DomainConfig, 'timeZone' | 'calendar' | 'requiredDocuments' | 'technologyDocuments'>,
): ApplicationView {
  const { auditHeadHash, ...stored } = application;
  const view: ApplicationView = {
    ...stored,
    clock: clockView(application.clock, now, config),
    appeal: application.appeal && {
      ...application.appeal,
      clock: clockView(application.appeal.clock, now, config),
    },
    completeness: completenessOf(application, config),
    allowedActions: allowedActions(application, actor, now),
  };
  if (hasRole(actor, 'auditor', 'reviewer', 'senior-reviewer')) return view;
  if (hasRole(actor, 'operator')) {
    return {
      ...view,
      goods: view.goods?.map(withoutValue),
      licence: view.licence && { ...view.licence, goods: view.licence.goods.map(withoutValue) },
    };
  }
  return applicantView(view);
}

/**
 * While the applicant drafts: what `complete-details` and `submit` would refuse now, from the same
 * rules, so a client shows the completeness check without a copy of them.
 */
function completenessOf(
  application: Application,
  config: Pick<DomainConfig, 'requiredDocuments' | 'technologyDocuments'>,
): Completeness | null {
  if (application.status !== 'DRAFT' && application.status !== 'END_USER_DOCS') return null;
  return {
    details: application.status === 'DRAFT' ? missingDetails(application) : [],
    documents: missingDocuments(application, config),
    warnings: policyWarnings(application),
  };
}

function applicantView(view: ApplicationView): ApplicationView {
  const decided = view.decision !== null;
  return {
    ...view,
    assignedTo: view.assignedTo === null ? null : 'reviewer',
    lane: view.lane && {
      name: view.lane.name,
      reason: view.lane.name === 'ENHANCED' ? ENHANCED_PUBLIC_REASON : view.lane.reason,
    },
    flags: view.flags.filter((flag) => flag.source !== 'screening'),
    informationRequests: view.informationRequests.map((request) => ({
      ...request,
      requestedBy: request.requestedByRole,
    })),
    recommendation:
      decided && view.recommendation
        ? { ...view.recommendation, note: null, recommendedBy: view.recommendation.recommendedByRole }
        : null,
    // Why a senior sent a recommendation back is the authority's internal business.
    lastReturn: null,
    decision: view.decision && {
      ...byRole(view.decision),
      history: view.decision.history.map(byRole),
    },
    appeal: view.appeal && {
      ...view.appeal,
      decidedBy: view.appeal.decidedByRole,
      appealedDecision: byRole(view.appeal.appealedDecision),
      denialParticipants: [],
    },
  };
}

/** A decision as applicants see it: by the decider's role, not name. */
const byRole = <D extends PastDecision>(decision: D): D => ({
  ...decision,
  decidedBy: decision.decidedByRole,
});

/** Changes an applicant may not see in the audit trail. */
const INTERNAL_CHANGES = new Set([
  'screening',
  'recommendation',
  'returnedRecommendation',
  'note',
  'error',
  'flags',
  'from',
  // Names the people who took part in the denial; applicants see it, by role, in `decision.history`.
  'overturnedDecision',
]);

/** A lane as applicants see it: the ENHANCED reason is worded generically. */
function publicLane(value: unknown): unknown {
  const lane = value as Lane | null;
  return lane?.name === 'ENHANCED' ? { ...lane, reason: ENHANCED_PUBLIC_REASON } : value;
}

export function auditView(event: AuditEvent, actor: Actor): AuditEvent | Record<string, unknown> {
  if (hasRole(actor, 'auditor', 'reviewer', 'senior-reviewer')) return event;
  if (hasRole(actor, 'operator')) return { ...event, changes: withoutValues(event.changes) };
  if (!hasRole(actor, 'applicant')) return event;
  const visible = Object.entries(event.changes)
    .filter(([key]) => !INTERNAL_CHANGES.has(key))
    .map(([key, value]) => [
      key,
      key === 'assignedTo' && value !== null ? 'reviewer' : key === 'lane' ? publicLane(value) : value,
    ]);
  const seen = asSeenByApplicant(event.actor, Object.fromEntries(visible));
  // A pending recommendation's reasons stay hidden until the decision.
  const reasons =
    event.toStatus === 'PENDING_SIGN_OFF'
      ? []
      : event.reasons.filter((reason) => !reason.includes('MATCH') && reason !== 'SCREENING_ERROR');
  return { ...event, ...seen, reasons };
}
