import { addDays } from 'date-fns/addDays';
import { addMonths } from 'date-fns/addMonths';
import { InvalidTransitionError, SeparationOfDutiesError } from '../errors.ts';
import type { Application, Decision, PastDecision, Recommendation } from '../schemas.ts';
import { type ActionDefinitions, type Change, type Step, withStatus } from './actions.ts';
import { assignedToCaller } from './review.ts';
import { approvalNeedsSignOff } from './rules.ts';

/** Recommendations, sign-off and the decision, which issues the licence when it approves. */
export const DECISION = {
  approve: {
    actorRule: assignedToCaller,
    issuesLicence: (application, _input, config) => !approvalNeedsSignOff(application, config),
    apply(application, body, step) {
      const recommendation = recommend(step, 'APPROVED', [], body.note, {
        validityMonths: body.validityMonths,
        conditions: body.conditions,
      });
      if (approvalNeedsSignOff(application, step.context.config)) {
        return {
          next: withStatus(application, 'PENDING_SIGN_OFF', { recommendation }),
          changes: { recommendation },
        };
      }
      return issue(application, recommendation, null, step);
    },
  },
  deny: {
    actorRule: assignedToCaller,
    apply(application, body, step) {
      const recommendation = recommend(step, 'DENIED', body.reasons, body.note);
      return {
        next: withStatus(application, 'PENDING_SIGN_OFF', { recommendation }),
        changes: { recommendation },
        reasons: body.reasons,
      };
    },
  },
  'sign-off': {
    actorRule: (application, actor) =>
      application.recommendation?.recommendedBy === actor.sub ? new SeparationOfDutiesError() : null,
    issuesLicence: (application, { agree }) => agree && application.recommendation?.outcome === 'APPROVED',
    apply(application, body, step) {
      const recommendation = application.recommendation;
      if (!recommendation) throw new InvalidTransitionError('sign-off', application.status, []);
      if (!body.agree) {
        const lastReturn = {
          recommendation,
          note: body.note ?? null,
          returnedBy: step.sub,
          returnedByRole: step.role,
          returnedAt: step.at,
        };
        return {
          next: withStatus(application, 'UNDER_REVIEW', { recommendation: null, lastReturn }),
          changes: { agree: false, note: body.note ?? null, returnedRecommendation: recommendation },
        };
      }
      if (recommendation.outcome === 'DENIED') {
        // The recommendation's note is internal; only the sign-off note is published with the decision.
        const decision = deniedBy(application, step, recommendation.reasons, body.note ?? null);
        return {
          next: withStatus(application, 'DENIED', { decision }),
          changes: { agree: true, decision },
          reasons: decision.reasons,
        };
      }
      return issue(application, recommendation, body.note ?? null, step);
    },
  },
} satisfies ActionDefinitions<'approve' | 'deny' | 'sign-off'>;

function recommend(
  { at, sub, role }: Step,
  outcome: Recommendation['outcome'],
  reasons: Recommendation['reasons'],
  note: string | undefined,
  licence: Pick<Recommendation, 'validityMonths' | 'conditions'> = { validityMonths: null, conditions: [] },
): Recommendation {
  return {
    outcome,
    reasons,
    ...licence,
    note: note ?? null,
    recommendedBy: sub,
    recommendedByRole: role,
    recommendedAt: at,
  };
}

/** Earlier decisions of this application overturned on appeal. */
export const pastDecisions = (application: Application): PastDecision[] =>
  application.appeal?.outcome === 'OVERTURNED' ? [application.appeal.appealedDecision] : [];

/** A denial decided by the caller, open to appeal for `appealDays`. */
export function deniedBy(
  application: Application,
  { context, now, at, sub, role }: Step,
  reasons: Decision['reasons'],
  note: string | null,
): Decision {
  return {
    outcome: 'DENIED',
    reasons,
    note,
    decidedBy: sub,
    decidedByRole: role,
    decidedAt: at,
    appealDeadline: addDays(now, context.config.appealDays).toISOString(),
    history: pastDecisions(application),
  };
}

function issue(
  current: Application,
  recommendation: Recommendation,
  note: string | null,
  step: Step,
): Change {
  const { context, now, at, sub, role } = step;
  const licenceNumber = context.licenceNumber;
  if (!licenceNumber) throw new Error('a licence number must be allocated before issuing a licence');
  const validityMonths = recommendation.validityMonths ?? 12;
  const licence = {
    licenceNumber,
    validFrom: at,
    validTo: addMonths(now, validityMonths).toISOString(),
    conditions: recommendation.conditions,
    goods: current.goods ?? [],
  };
  const decision: Decision = {
    outcome: 'APPROVED',
    reasons: [],
    note,
    decidedBy: sub,
    decidedByRole: role,
    decidedAt: at,
    appealDeadline: null,
    history: pastDecisions(current),
  };
  return {
    next: { ...current, status: 'APPROVED', recommendation, decision, licence },
    changes: { decision, licence },
  };
}
