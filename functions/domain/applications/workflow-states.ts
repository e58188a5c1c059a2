/**
 * How the state machine (statemachines/licence-lifecycle.asl.json) names its states: one state per
 * status. await-step, the relay and the reconciler use it to know which state should be waiting
 * for an application's status; test/unit/state-machine.test.ts checks the ASL against it.
 */
import type { Status, SystemAction } from './lifecycle.ts';

export const STATE_FOR_STATUS = {
  DRAFT: 'Draft',
  END_USER_DOCS: 'EndUserDocs',
  SUBMITTED: 'Screening',
  UNDER_REVIEW: 'UnderReview',
  INFORMATION_REQUESTED: 'InformationRequested',
  PENDING_SIGN_OFF: 'PendingSignOff',
  APPROVED: 'Approved',
  DENIED: 'Denied',
  WITHDRAWN: 'Withdrawn',
  ABANDONED: 'Abandoned',
  APPEALED: 'Appealed',
} as const satisfies Record<Status, string>;
export type WorkflowState = (typeof STATE_FOR_STATUS)[Status];

const STATUS_FOR_STATE = new Map<string, Status>(
  Object.entries(STATE_FOR_STATUS).map(([status, state]) => [state, status as Status]),
);

/** The status a state stands for, or undefined for helper states (Choices, timers, failures). */
export const statusForState = (state: string): Status | undefined => STATUS_FOR_STATE.get(state);

/** Statuses whose state waits for a person (`lambda:invoke.waitForTaskToken` calling await-step). */
export const HUMAN_STEP_STATUSES = [
  'DRAFT',
  'END_USER_DOCS',
  'UNDER_REVIEW',
  'INFORMATION_REQUESTED',
  'PENDING_SIGN_OFF',
  'APPEALED',
] as const satisfies readonly Status[];

/**
 * Statuses entered only through `RouteByStatus`, by a new generation: an appeal leaves a final
 * status, whose execution has ended, so the relay starts the next one.
 */
export const ROUTED_ONLY_STATUSES = ['APPEALED'] as const satisfies readonly Status[];

/**
 * Statuses whose step runs a timer, with the system action applied when it fires. The execution
 * input and every step result for these statuses must carry `timerSeconds` (an integer ≥ 1).
 */
export const TIMER_ACTION_FOR_STATUS = {
  DRAFT: 'abandon',
  END_USER_DOCS: 'abandon',
  INFORMATION_REQUESTED: 'information-overdue',
} as const satisfies Partial<Record<Status, SystemAction>>;
export type TimedStatus = keyof typeof TIMER_ACTION_FOR_STATUS;

export const needsTimer = (status: Status): status is TimedStatus => status in TIMER_ACTION_FOR_STATUS;
