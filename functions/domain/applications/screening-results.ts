import type { Recommendation } from '../schemas.ts';
import { type ActionDefinitions, mergeFlags, withStatus } from './actions.ts';
import { deniedBy } from './decision.ts';
import { assignLane } from './rules.ts';

/** The outcomes of screening, as the workflow's screening step reports them. */
export const SCREENING_RESULTS = {
  'screening-cleared': {
    apply(application, outcome, { at }) {
      const flags = mergeFlags(application.flags, outcome.flags, 'screening', at);
      const lane = assignLane(application, flags, outcome.recentApprovalForEndUser);
      return {
        next: withStatus(application, 'UNDER_REVIEW', { flags, lane }),
        changes: { lane, flags, screening: outcome.report },
        reasons: outcome.flags,
      };
    },
  },
  'screening-matched': {
    apply(application, outcome, { at, sub, role }) {
      const flags = mergeFlags(application.flags, ['DENIED_PARTY_MATCH', ...outcome.flags], 'screening', at);
      const recommendation: Recommendation = {
        outcome: 'DENIED',
        reasons: ['DENIED_PARTY'],
        validityMonths: null,
        conditions: [],
        note: 'A party matches the denied-party list exactly.',
        recommendedBy: sub,
        recommendedByRole: role,
        recommendedAt: at,
      };
      const lane = assignLane(application, flags, false);
      return {
        next: withStatus(application, 'PENDING_SIGN_OFF', { flags, lane, recommendation }),
        changes: { lane, flags, recommendation, screening: outcome.report },
        reasons: ['DENIED_PARTY'],
      };
    },
  },
  'screening-refused': {
    apply(application, outcome, step) {
      const decision = deniedBy(
        application,
        step,
        ['MILITARY_END_USE'],
        'Published policy: applications for military end use or end users are not approved.',
      );
      return {
        next: withStatus(application, 'DENIED', { decision }),
        changes: { decision, screening: outcome.report },
        reasons: ['MILITARY_END_USE'],
      };
    },
  },
  'screening-failed': {
    apply(application, { error }, { at }) {
      const flags = mergeFlags(application.flags, ['SCREENING_ERROR'], 'screening', at);
      const lane = {
        name: 'ENHANCED' as const,
        reason: 'Screening could not run; checks will be done by hand.',
      };
      return {
        next: withStatus(application, 'UNDER_REVIEW', { flags, lane }),
        changes: { flags, lane, error },
        reasons: ['SCREENING_ERROR'],
      };
    },
  },
} satisfies ActionDefinitions<
  'screening-cleared' | 'screening-matched' | 'screening-refused' | 'screening-failed'
>;
