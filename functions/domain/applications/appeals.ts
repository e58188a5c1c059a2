import {
  AppealDeadlinePassedError,
  IncompleteError,
  InvalidTransitionError,
  SeparationOfDutiesError,
  ValidationError,
} from '../errors.ts';
import { applyMergePatch } from '../merge-patch.ts';
import {
  type ActionBody,
  type Appeal,
  type Application,
  type Corrections,
  EndUserSchema,
  EndUseSchema,
  type UserActor,
} from '../schemas.ts';
import { type ActionDefinitions, type Change, mergeFlags, type Step, withStatus } from './actions.ts';
import { resumeAfterAppeal, startAppealClock, stopClock } from './legal-clock.ts';
import { missingDetails } from './rules.ts';

/**
 * Appeals (DESIGN.md "After the decision"): a denied applicant appeals once, before the deadline;
 * a senior reviewer who took no part in the denial decides. Overturned, the case is decided again:
 * a reviewer's denial goes back to review, a screening refusal back to screening on corrected facts.
 */

const isBeforeDeadline = (application: Application, now: Date): boolean => {
  const deadline = application.decision?.appealDeadline;
  return deadline !== null && deadline !== undefined && now.getTime() < Date.parse(deadline);
};

/** A screening refusal is decided by the workflow, not by a person. */
const refusedByScreening = (appeal: Appeal): boolean =>
  appeal.appealedDecision.decidedBy.startsWith('system:');

/** 403 SEPARATION_OF_DUTIES for whoever recommended or signed the denial under appeal. */
export const tookPartInDenial = (application: Application, actor: UserActor): Error | null =>
  application.appeal?.denialParticipants.includes(actor.sub)
    ? new SeparationOfDutiesError('Whoever recommended or signed the denial may not take part in its appeal.')
    : null;

/** After an overturned appeal, the denial's recommender and signer may not handle the case again. */
export const excludedAfterOverturn = (application: Application, sub: string): boolean =>
  application.appeal?.outcome === 'OVERTURNED' && application.appeal.denialParticipants.includes(sub);

function openAppeal(application: Application, action: string): Appeal {
  const appeal = application.appeal;
  if (!appeal || appeal.outcome !== null || appeal.withdrawal !== null) {
    throw new InvalidTransitionError(action, application.status, []);
  }
  return appeal;
}

export const APPEALS = {
  appeal: {
    // Once per application: a second appeal, or one after an upheld or withdrawn appeal, is 409.
    available: (application) => application.appeal === null && application.decision?.outcome === 'DENIED',
    offered: (application, now) => now === undefined || isBeforeDeadline(application, now),
    apply(application, { grounds }, { context, now, at, sub }) {
      const decision = application.decision;
      if (!decision) throw new InvalidTransitionError('appeal', application.status, []);
      if (!isBeforeDeadline(application, now))
        throw new AppealDeadlinePassedError(String(decision.appealDeadline));
      const { history, ...appealedDecision } = decision;
      const participants = [application.recommendation?.recommendedBy, decision.decidedBy].filter(
        (participant): participant is string =>
          participant !== undefined && !participant.startsWith('system:'),
      );
      const appeal: Appeal = {
        grounds,
        lodgedAt: at,
        lodgedBy: sub,
        clock: startAppealClock(now, context.config),
        outcome: null,
        decidedBy: null,
        decidedByRole: null,
        decidedAt: null,
        note: null,
        corrections: null,
        withdrawal: null,
        appealedDecision,
        denialParticipants: [...new Set(participants)],
      };
      return {
        next: withStatus(application, 'APPEALED', { appeal }),
        changes: { grounds, lodgedAt: at, appealClock: appeal.clock },
      };
    },
  },
  'decide-appeal': {
    actorRule: tookPartInDenial,
    apply(application, body, step) {
      const appeal = openAppeal(application, 'decide-appeal');
      const { context, now, at, sub, role } = step;
      const decided: Appeal = {
        ...appeal,
        outcome: body.outcome,
        decidedBy: sub,
        decidedByRole: role,
        decidedAt: at,
        note: body.note,
        corrections: body.corrections ?? null,
        clock: stopClock(appeal.clock, now, context.config),
      };
      const changes = { outcome: body.outcome, note: body.note, appealClock: decided.clock };
      if (body.outcome === 'UPHELD') {
        // The denial stands, final: the legal clock keeps its first stop.
        return {
          next: withStatus(application, 'DENIED', { appeal: decided }),
          changes,
          reasons: ['APPEAL_UPHELD'],
        };
      }
      return overturn(application, decided, body, step, changes);
    },
  },
} satisfies ActionDefinitions<'appeal' | 'decide-appeal'>;

function overturn(
  application: Application,
  appeal: Appeal,
  body: ActionBody<'decide-appeal'>,
  { context, now, at }: Step,
  changes: Record<string, unknown>,
): Change {
  const screening = refusedByScreening(appeal);
  if (body.corrections && !screening) {
    throw new ValidationError([
      { path: 'corrections', message: 'corrections apply only to an overturned screening refusal' },
    ]);
  }
  const corrected = screening && body.corrections ? correct(application, body.corrections) : {};
  const flags = mergeFlags(application.flags, ['APPEAL_OVERTURNED'], 'appeal', at);
  const clock = resumeAfterAppeal(application.clock, now, context.config);
  // A screening refusal is screened again on the corrected facts; a reviewer's denial is reviewed again.
  const status = screening ? 'SUBMITTED' : 'UNDER_REVIEW';
  return {
    next: withStatus(application, status, {
      ...corrected,
      appeal,
      flags,
      clock,
      decision: null,
      recommendation: null,
      assignedTo: null,
    }),
    changes: {
      ...changes,
      ...(body.corrections && { corrections: body.corrections }),
      overturnedDecision: appeal.appealedDecision,
      flags,
      clock,
    },
    reasons: ['APPEAL_OVERTURNED'],
  };
}

/** Applies the decider's corrections to the end user and end use; the result must stay complete. */
function correct(
  application: Application,
  corrections: Corrections,
): Pick<Application, 'endUser' | 'endUse'> {
  const endUser = EndUserSchema.safeParse(
    applyMergePatch(application.endUser ?? {}, corrections.endUser ?? {}),
  );
  const endUse = EndUseSchema.safeParse(applyMergePatch(application.endUse ?? {}, corrections.endUse ?? {}));
  const issues = [
    ...(endUser.success
      ? []
      : endUser.error.issues.map((issue) => ({ ...issue, path: ['endUser', ...issue.path] }))),
    ...(endUse.success
      ? []
      : endUse.error.issues.map((issue) => ({ ...issue, path: ['endUse', ...issue.path] }))),
  ];
  if (!endUser.success || !endUse.success) {
    throw ValidationError.fromIssues(issues, 'The corrected end user or end use is not valid.');
  }
  const missing = missingDetails({ ...application, endUser: endUser.data, endUse: endUse.data }).filter(
    (detail) => detail.path?.startsWith('endUser') || detail.path?.startsWith('endUse'),
  );
  if (missing.length > 0)
    throw new IncompleteError('The corrections leave required details missing.', missing);
  return { endUser: endUser.data, endUse: endUse.data };
}

/** `withdraw` of an appeal: the denial stands, final. */
export function withdrawAppeal(
  application: Application,
  { reason }: ActionBody<'withdraw'>,
  step: Step,
): Change {
  const appeal = openAppeal(application, 'withdraw');
  const withdrawn: Appeal = {
    ...appeal,
    withdrawal: { reason, at: step.at },
    clock: stopClock(appeal.clock, step.now, step.context.config),
  };
  return {
    next: withStatus(application, 'DENIED', { appeal: withdrawn }),
    changes: { reason, appealWithdrawn: true, appealClock: withdrawn.clock },
  };
}
