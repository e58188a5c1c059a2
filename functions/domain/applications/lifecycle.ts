import type { Performer } from '../access.ts';

/**
 * The lifecycle of a licence application: statuses, actions and the transition table of
 * DESIGN.md. The state machine (statemachines/licence-lifecycle.asl.json) mirrors this table;
 * a test fails when the two disagree.
 */
export const STATUSES = [
  'DRAFT',
  'END_USER_DOCS',
  'SUBMITTED',
  'UNDER_REVIEW',
  'INFORMATION_REQUESTED',
  'PENDING_SIGN_OFF',
  'APPROVED',
  'DENIED',
  'WITHDRAWN',
  'ABANDONED',
  'APPEALED',
] as const;
export type Status = (typeof STATUSES)[number];

/** DENIED stays final: `appeal` is the one action allowed from a final status (DESIGN.md "Appeals"). */
export const FINAL_STATUSES: readonly Status[] = ['APPROVED', 'DENIED', 'WITHDRAWN', 'ABANDONED'];
export const isFinal = (status: Status): boolean => FINAL_STATUSES.includes(status);

interface Transition {
  readonly from: readonly Status[];
  /** Possible resulting statuses; empty means the status does not change. */
  readonly to: readonly Status[];
  readonly by: readonly Performer[];
  /** Resulting statuses from particular statuses, where they differ from `to`. */
  readonly toFrom?: Partial<Record<Status, readonly Status[]>>;
}

const NON_FINAL: readonly Status[] = STATUSES.filter((status) => !FINAL_STATUSES.includes(status));
const REVIEWERS: readonly Performer[] = ['reviewer', 'senior-reviewer'];
const IN_REVIEW: readonly Status[] = ['UNDER_REVIEW', 'INFORMATION_REQUESTED'];

export const TRANSITIONS = {
  create: { from: [], to: ['DRAFT'], by: ['applicant'] },
  update: { from: ['DRAFT'], to: [], by: ['applicant'] },
  'add-document': {
    from: ['DRAFT', 'END_USER_DOCS', 'INFORMATION_REQUESTED', 'APPEALED'],
    to: [],
    by: ['applicant'],
  },
  'remove-document': { from: ['DRAFT', 'END_USER_DOCS'], to: [], by: ['applicant'] },
  'complete-details': { from: ['DRAFT'], to: ['END_USER_DOCS'], by: ['applicant'] },
  reopen: { from: ['END_USER_DOCS'], to: ['DRAFT'], by: ['applicant'] },
  submit: { from: ['END_USER_DOCS'], to: ['SUBMITTED'], by: ['applicant'] },
  'screening-cleared': { from: ['SUBMITTED'], to: ['UNDER_REVIEW'], by: ['system'] },
  'screening-matched': { from: ['SUBMITTED'], to: ['PENDING_SIGN_OFF'], by: ['system'] },
  'screening-refused': { from: ['SUBMITTED'], to: ['DENIED'], by: ['system'] },
  'screening-failed': { from: ['SUBMITTED'], to: ['UNDER_REVIEW'], by: ['system'] },
  claim: { from: IN_REVIEW, to: [], by: REVIEWERS },
  release: { from: IN_REVIEW, to: [], by: REVIEWERS },
  reassign: { from: IN_REVIEW, to: [], by: ['senior-reviewer'] },
  'request-information': { from: ['UNDER_REVIEW'], to: ['INFORMATION_REQUESTED'], by: REVIEWERS },
  respond: { from: ['INFORMATION_REQUESTED'], to: ['UNDER_REVIEW'], by: ['applicant'] },
  'information-overdue': { from: ['INFORMATION_REQUESTED'], to: ['UNDER_REVIEW'], by: ['system'] },
  approve: { from: ['UNDER_REVIEW'], to: ['APPROVED', 'PENDING_SIGN_OFF'], by: REVIEWERS },
  deny: { from: ['UNDER_REVIEW'], to: ['PENDING_SIGN_OFF'], by: REVIEWERS },
  'sign-off': {
    from: ['PENDING_SIGN_OFF'],
    to: ['APPROVED', 'DENIED', 'UNDER_REVIEW'],
    by: ['senior-reviewer'],
  },
  // From APPEALED it withdraws the appeal: the denial stands.
  withdraw: { from: NON_FINAL, to: ['WITHDRAWN'], by: ['applicant'], toFrom: { APPEALED: ['DENIED'] } },
  abandon: { from: ['DRAFT', 'END_USER_DOCS'], to: ['ABANDONED'], by: ['system'] },
  appeal: { from: ['DENIED'], to: ['APPEALED'], by: ['applicant'] },
  'decide-appeal': {
    from: ['APPEALED'],
    to: ['DENIED', 'UNDER_REVIEW', 'SUBMITTED'],
    by: ['senior-reviewer'],
  },
} as const satisfies Record<string, Transition>;

export type Action = keyof typeof TRANSITIONS;
export const ACTIONS = Object.keys(TRANSITIONS) as Action[];

/** The statuses `action` may lead to from `from` (empty: the status does not change). */
export function resultsOf(action: Action, from: Status): readonly Status[] {
  const transition: Transition = TRANSITIONS[action];
  return transition.toFrom?.[from] ?? transition.to;
}
export type SystemAction = {
  [A in Action]: (typeof TRANSITIONS)[A]['by'] extends readonly ['system'] ? A : never;
}[Action];
export const SYSTEM_ACTIONS = ACTIONS.filter((action) =>
  (TRANSITIONS[action].by as readonly Performer[]).includes('system'),
) as SystemAction[];
