import type { DomainConfig } from '../config.ts';
import type { WorkflowData } from '../ports.ts';
import type { Application } from '../schemas.ts';

/**
 * The workflow's timers, computed from the stored application: the draft abandonment
 * (`lastActivityAt + abandonAfterDays`) and the due date of the open information request. The
 * state machine arms them through `TimeoutSecondsPath: $.timerSeconds`.
 */
export type TimedFields = Pick<
  Application,
  'applicationId' | 'status' | 'lastActivityAt' | 'informationRequests'
>;

const DAY_MS = 86_400_000;

/** When a draft is abandoned: `abandonAfterDays` after the applicant's last activity. */
export const abandonDueAt = (application: Pick<Application, 'lastActivityAt'>, config: DomainConfig): Date =>
  new Date(Date.parse(application.lastActivityAt) + config.abandonAfterDays * DAY_MS);

/** The latest information request while it waits for its answer (not answered, not overdue). */
export function openInformationRequest(
  application: Pick<Application, 'informationRequests'>,
): Application['informationRequests'][number] | undefined {
  const open = application.informationRequests.at(-1);
  return open && open.answeredAt === null && !open.overdue ? open : undefined;
}

/** When the timer of the application's current step is due, or null when its step has no timer. */
export function timerDueAt(application: TimedFields, config: DomainConfig): Date | null {
  switch (application.status) {
    case 'DRAFT':
    case 'END_USER_DOCS':
      return abandonDueAt(application, config);
    case 'INFORMATION_REQUESTED': {
      const open = openInformationRequest(application);
      if (!open) {
        throw new Error(
          `application ${application.applicationId} is INFORMATION_REQUESTED without an open request`,
        );
      }
      return new Date(open.dueAt);
    }
    default:
      return null;
  }
}

/**
 * Whole seconds from `now` until the timer is due, at least 1 (Step Functions needs a positive
 * integer; a timer already due fires after a second and the domain then applies the rule).
 * Rounded up, so a timer never fires before the domain's rule can apply.
 */
export function timerSecondsFor(
  application: TimedFields,
  now: Date,
  config: DomainConfig,
): number | undefined {
  const dueAt = timerDueAt(application, config);
  if (dueAt === null) return undefined;
  return Math.max(1, Math.ceil((dueAt.getTime() - now.getTime()) / 1000));
}

/** The small object the execution carries for this application, as of `now`. */
export function workflowData(
  application: TimedFields,
  generation: number,
  now: Date,
  config: DomainConfig,
): WorkflowData {
  const data: WorkflowData = {
    applicationId: application.applicationId,
    generation,
    status: application.status,
  };
  const timerSeconds = timerSecondsFor(application, now, config);
  return timerSeconds === undefined ? data : { ...data, timerSeconds };
}
