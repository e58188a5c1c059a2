import {
  AlreadyAssignedError,
  InvalidTransitionError,
  NotAssignedError,
  SeparationOfDutiesError,
  ValidationError,
} from '../errors.ts';
import { type Application, LIMITS, type UserActor } from '../schemas.ts';
import { type ActionDefinitions, mergeFlags, withStatus } from './actions.ts';
import { excludedAfterOverturn } from './appeals.ts';
import { addWorkingDays, pauseClock, resumeClock } from './legal-clock.ts';
import { openInformationRequest } from './timers.ts';

/** Case handling before the decision: assignment and requests for information. */

/** 403 NOT_ASSIGNED unless the case is assigned to the caller. */
export const assignedToCaller = (application: Application, actor: UserActor): Error | null =>
  application.assignedTo === actor.sub ? null : new NotAssignedError(application.assignedTo === null);

const deniedBeforeError = () =>
  new SeparationOfDutiesError('Whoever recommended or signed the overturned denial may not handle the case.');

export const REVIEW = {
  claim: {
    actorRule: (application, actor) => {
      if (application.assignedTo !== null && application.assignedTo !== actor.sub)
        return new AlreadyAssignedError();
      return excludedAfterOverturn(application, actor.sub) ? deniedBeforeError() : null;
    },
    offered: (application) => application.assignedTo === null,
    apply(application, _input, { sub }) {
      if (application.assignedTo === sub) return null;
      return { next: { ...application, assignedTo: sub }, changes: { assignedTo: sub } };
    },
  },
  release: {
    actorRule: assignedToCaller,
    apply: (application) => ({ next: { ...application, assignedTo: null }, changes: { assignedTo: null } }),
  },
  reassign: {
    apply(application, { to }) {
      if (excludedAfterOverturn(application, to)) throw deniedBeforeError();
      return {
        next: { ...application, assignedTo: to },
        changes: { assignedTo: to, from: application.assignedTo },
      };
    },
  },
  'request-information': {
    actorRule: assignedToCaller,
    apply(application, { questions, dueInWorkingDays }, { context, now, at, sub, role }) {
      if (application.informationRequests.length >= LIMITS.informationRequests) {
        throw new ValidationError([
          {
            path: 'questions',
            message: `at most ${LIMITS.informationRequests} information requests per application`,
          },
        ]);
      }
      const request = {
        questions,
        requestedBy: sub,
        requestedByRole: role,
        requestedAt: at,
        dueAt: addWorkingDays(now, dueInWorkingDays, context.config),
        answers: null,
        answeredAt: null,
        overdue: false,
      };
      const clock = pauseClock(application.clock, now, context.config);
      const informationRequests = [...application.informationRequests, request];
      return {
        next: withStatus(application, 'INFORMATION_REQUESTED', { informationRequests, clock }),
        changes: { request, clock },
      };
    },
  },
  respond: {
    apply(application, { answers }, { context, now, at }) {
      const open = openRequest(application);
      if (answers.length !== open.questions.length) {
        throw new ValidationError([
          { path: 'answers', message: `expected ${open.questions.length} answers, one per question` },
        ]);
      }
      const informationRequests = replaceOpenRequest(application, { ...open, answers, answeredAt: at });
      const clock = resumeClock(application.clock, now, context.config);
      return {
        next: withStatus(application, 'UNDER_REVIEW', { informationRequests, clock }),
        changes: { answers, clock },
      };
    },
  },
  'information-overdue': {
    apply(application, _input, { context, now, at }) {
      const open = openRequest(application);
      if (now.getTime() < Date.parse(open.dueAt)) return { wakeAt: open.dueAt };
      const informationRequests = replaceOpenRequest(application, { ...open, overdue: true });
      const flags = mergeFlags(application.flags, ['RFI_OVERDUE'], 'workflow', at);
      const clock = resumeClock(application.clock, now, context.config);
      return {
        next: withStatus(application, 'UNDER_REVIEW', { informationRequests, flags, clock }),
        changes: { flags, clock },
        reasons: ['RFI_OVERDUE'],
      };
    },
  },
} satisfies ActionDefinitions<
  'claim' | 'release' | 'reassign' | 'request-information' | 'respond' | 'information-overdue'
>;

function openRequest(application: Application) {
  const open = openInformationRequest(application);
  if (!open) throw new InvalidTransitionError('respond', application.status, []);
  return open;
}

function replaceOpenRequest(application: Application, request: Application['informationRequests'][number]) {
  return [...application.informationRequests.slice(0, -1), request];
}
