import type { Performer } from '../access.ts';

/**
 * The lifecycle of a licence in force (DESIGN.md "After the decision"): its statuses, actions and
 * transition table. `applyLicenceAction` checks every action against it.
 */
export const LICENCE_STATUSES = [
  'ACTIVE',
  'SUSPENDED',
  'REVOKED',
  'SURRENDERED',
  'EXHAUSTED',
  'EXPIRED',
  'SUPERSEDED',
] as const;
export type LicenceStatus = (typeof LICENCE_STATUSES)[number];

/** A licence is in force while ACTIVE or SUSPENDED; every other status is final. */
const IN_FORCE: readonly LicenceStatus[] = ['ACTIVE', 'SUSPENDED'];
export const FINAL_LICENCE_STATUSES = LICENCE_STATUSES.filter((status) => !IN_FORCE.includes(status));
export const isEnded = (status: LicenceStatus): boolean => FINAL_LICENCE_STATUSES.includes(status);

interface LicenceTransition {
  readonly from: readonly LicenceStatus[];
  /** Possible resulting statuses; empty means the status does not change. */
  readonly to: readonly LicenceStatus[];
  readonly by: readonly Performer[];
}

export const LICENCE_TRANSITIONS = {
  issue: { from: [], to: ['ACTIVE'], by: ['system'] },
  'record-usage': { from: ['ACTIVE'], to: ['ACTIVE', 'EXHAUSTED'], by: ['applicant', 'customs'] },
  suspend: { from: ['ACTIVE'], to: ['SUSPENDED'], by: ['senior-reviewer'] },
  reinstate: { from: ['SUSPENDED'], to: ['ACTIVE'], by: ['senior-reviewer'] },
  revoke: { from: IN_FORCE, to: ['REVOKED'], by: ['senior-reviewer'] },
  surrender: { from: IN_FORCE, to: ['SURRENDERED'], by: ['applicant'] },
  expire: { from: IN_FORCE, to: ['EXPIRED'], by: ['system'] },
  amend: { from: ['ACTIVE'], to: [], by: ['applicant'] },
  supersede: { from: ['ACTIVE'], to: ['SUPERSEDED'], by: ['system'] },
} as const satisfies Record<string, LicenceTransition>;

export type LicenceAction = keyof typeof LICENCE_TRANSITIONS;
export const LICENCE_ACTIONS = Object.keys(LICENCE_TRANSITIONS) as LicenceAction[];
/** Actions a caller may request through the API (the others belong to the approval and the timers). */
export const REQUESTABLE_LICENCE_ACTIONS = LICENCE_ACTIONS.filter(
  (action) => !(LICENCE_TRANSITIONS[action].by as readonly Performer[]).includes('system'),
);
