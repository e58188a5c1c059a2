import { describe, expect, it } from 'vitest';
import { ENHANCED_PUBLIC_REASON } from '#domain/applications/rules.ts';
import { applicationView, auditView } from '#domain/applications/views.ts';
import { canSee } from '#domain/applications/visibility.ts';
import type { Actor, AuditEvent } from '#domain/schemas.ts';
import {
  applicant,
  applicationIn,
  auditor,
  completeDetails,
  DAY_MS,
  draftApplication,
  operator,
  pdfDocument,
  reviewer,
  screeningOutcome,
  senior,
  system,
} from '../../support/applications.ts';

const flagged = screeningOutcome({ flags: ['POTENTIAL_DENIED_PARTY_MATCH'], report: { scores: [0.95] } });
const lastEvent = (events: AuditEvent[], action: string): AuditEvent => {
  const event = events.findLast((candidate) => candidate.action === action);
  if (!event) throw new Error(`no ${action} event`);
  return event;
};

describe('canSee', () => {
  it('shows an applicant only their own org’s applications', () => {
    const { application } = applicationIn('DRAFT');
    expect(canSee(applicant('alice', 'acme'), application)).toBe(true);
    expect(canSee(applicant('ann', 'acme'), application)).toBe(true);
    expect(canSee(applicant('bob', 'globex'), application)).toBe(false);
  });

  it.each(['DRAFT', 'END_USER_DOCS', 'ABANDONED'] as const)(
    'hides a %s application from reviewers',
    (status) => {
      const { application } = applicationIn(status);
      expect(canSee(reviewer(), application)).toBe(false);
      expect(canSee(senior(), application)).toBe(false);
    },
  );

  it('hides a draft withdrawn before submission from reviewers', () => {
    const { application } = applicationIn('WITHDRAWN', { withdrawnFrom: 'END_USER_DOCS' });
    expect(canSee(reviewer(), application)).toBe(false);
  });

  it.each(['SUBMITTED', 'UNDER_REVIEW', 'APPROVED', 'WITHDRAWN'] as const)(
    'shows a %s application to reviewers',
    (status) => {
      const { application } = applicationIn(status);
      expect(canSee(reviewer(), application)).toBe(true);
      expect(canSee(senior(), application)).toBe(true);
    },
  );

  it('shows drafts to auditors, operators and the workflow', () => {
    const { application } = applicationIn('DRAFT');
    expect(canSee(auditor(), application)).toBe(true);
    expect(canSee(operator(), application)).toBe(true);
    expect(canSee(system('reconciler'), application)).toBe(true);
  });

  it('shows nothing to a user without a role', () => {
    const { application } = applicationIn('SUBMITTED');
    expect(canSee({ kind: 'user', sub: 'nobody', org: 'acme', roles: [] }, application)).toBe(false);
  });
});

describe('applicationView', () => {
  it('never includes the audit head hash, and includes the caller’s allowed actions', () => {
    const flow = applicationIn('DRAFT');
    for (const actor of [flow.owner, auditor(), operator()] as Actor[]) {
      const view = applicationView(flow.application, actor, flow.now, flow.config);
      expect(view).not.toHaveProperty('auditHeadHash');
    }
    expect(applicationView(flow.application, flow.owner, flow.now, flow.config).allowedActions).toEqual([
      'update',
      'add-document',
      'remove-document',
      'complete-details',
      'withdraw',
    ]);
    expect(applicationView(flow.application, auditor(), flow.now, flow.config).allowedActions).toEqual([]);
  });

  it('answers the completeness rules while drafting: missing details, then missing documents, then null', () => {
    const draft = draftApplication({ details: { exporter: { name: 'Baotou Magnetics' } } });
    const early = applicationView(draft.application, draft.owner, draft.now, draft.config).completeness;
    expect(early?.details).toContainEqual({ path: 'exporter.country', message: 'is required' });
    expect(early?.details).toContainEqual({ path: 'goods', message: 'at least one goods item is required' });
    expect(early?.documents.map((missing) => missing.documentType)).toEqual([
      'CONTRACT',
      'END_USER_CERTIFICATE',
      'END_USE_STATEMENT',
    ]);

    const flow = draftApplication({
      details: completeDetails({ endUser: { ...completeDetails().endUser, type: 'MILITARY' } }),
    });
    flow.apply('complete-details', flow.owner, {});
    flow.apply('add-document', flow.owner, pdfDocument('CONTRACT', { uploadedBy: flow.owner.sub }));
    const docs = applicationView(flow.application, flow.owner, flow.now, flow.config).completeness;
    expect(docs?.details).toEqual([]);
    expect(docs?.documents.map((missing) => missing.documentType)).toEqual([
      'END_USER_CERTIFICATE',
      'END_USE_STATEMENT',
    ]);
    expect(docs?.warnings.map((warning) => warning.path)).toEqual(['endUser.type']);

    const submitted = applicationIn('SUBMITTED');
    expect(
      applicationView(submitted.application, reviewer(), submitted.now, submitted.config).completeness,
    ).toBeNull();
  });

  it('refreshes the legal clock at the time of viewing', () => {
    const flow = applicationIn('SUBMITTED');
    const view = applicationView(
      flow.application,
      reviewer(),
      new Date(flow.now.getTime() + 7 * DAY_MS),
      flow.config,
    );
    expect(flow.application.clock.workingDaysElapsed).toBe(0);
    expect(view.clock.workingDaysElapsed).toBe(5);
  });

  it('shows the applicant reviewers by role, a generic ENHANCED reason and no screening flags', () => {
    const flow = applicationIn('INFORMATION_REQUESTED', { heldBy: reviewer('rita'), screening: flagged });
    const view = applicationView(flow.application, flow.owner, flow.now, flow.config);
    expect(view.assignedTo).toBe('reviewer');
    expect(view.lane).toEqual({ name: 'ENHANCED', reason: ENHANCED_PUBLIC_REASON });
    expect(view.flags).toEqual([]);
    expect(view.informationRequests[0]?.requestedBy).toBe('reviewer');
    expect(JSON.stringify(view)).not.toContain('rita');
    expect(view.allowedActions).toEqual(['add-document', 'respond', 'withdraw']);
  });

  it('shows the applicant workflow flags such as RFI_OVERDUE', () => {
    const flow = applicationIn('INFORMATION_REQUESTED');
    flow
      .at(flow.application.informationRequests[0]?.dueAt ?? '')
      .apply('information-overdue', system('timer'), {});
    const view = applicationView(flow.application, flow.owner, flow.now, flow.config);
    expect(view.flags.map((flag) => flag.code)).toEqual(['RFI_OVERDUE']);
  });

  it('keeps a non-ENHANCED lane reason for the applicant', () => {
    const flow = applicationIn('UNDER_REVIEW', { screening: { recentApprovalForEndUser: true } });
    const view = applicationView(flow.application, flow.owner, flow.now, flow.config);
    expect(view.lane).toEqual(flow.application.lane);
  });

  it('hides a pending recommendation from the applicant until the decision', () => {
    const flow = applicationIn('PENDING_SIGN_OFF', { heldBy: reviewer('rita') });
    expect(applicationView(flow.application, flow.owner, flow.now, flow.config).recommendation).toBeNull();
    expect(applicationView(flow.application, senior(), flow.now, flow.config).recommendation).toMatchObject({
      outcome: 'DENIED',
      recommendedBy: 'rita',
    });
  });

  it('shows the applicant the decision and recommendation by role once decided, without the internal note', () => {
    const flow = applicationIn('DENIED', { heldBy: reviewer('rita') });
    const view = applicationView(flow.application, flow.owner, flow.now, flow.config);
    expect(view.decision).toMatchObject({ outcome: 'DENIED', decidedBy: 'senior-reviewer' });
    expect(view.recommendation).toMatchObject({ recommendedBy: 'reviewer', note: null });
    expect(JSON.stringify(view)).not.toMatch(/rita|sam/);
  });

  it('shows reviewers and auditors names, flags, screening lane reason and the pending recommendation', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita'), screening: flagged });
    for (const actor of [reviewer('ralph'), senior(), auditor()]) {
      const view = applicationView(flow.application, actor, flow.now, flow.config);
      const { auditHeadHash, ...stored } = flow.application;
      expect(view).toEqual({
        ...stored,
        clock: view.clock,
        completeness: null,
        allowedActions: view.allowedActions,
      });
      expect(view.lane?.reason).not.toBe(ENHANCED_PUBLIC_REASON);
    }
  });

  it('shows operators no commercial values, in goods or in the licence', () => {
    const flow = applicationIn('APPROVED');
    const view = applicationView(flow.application, operator(), flow.now, flow.config);
    expect(view.goods?.[0]).not.toHaveProperty('valueUsd');
    expect(view.licence?.goods[0]).not.toHaveProperty('valueUsd');
    expect(view.goods?.[0]).toMatchObject({ element: 'DYSPROSIUM', quantityKg: 120.5 });
    expect(view.status).toBe('APPROVED');
    expect(JSON.stringify(view)).not.toContain('valueUsd');
  });

  it('keeps a partial draft partial for operators', () => {
    const flow = draftApplication({ details: {} });
    const view = applicationView(flow.application, operator(), flow.now, flow.config);
    expect(view.goods).toBeUndefined();
    expect(view.licence).toBeNull();
  });
});

describe('auditView', () => {
  it('returns events unchanged to auditors and reviewers', () => {
    const flow = applicationIn('APPROVED', { screening: flagged });
    for (const event of flow.events) {
      expect(auditView(event, auditor())).toBe(event);
      expect(auditView(event, reviewer())).toBe(event);
      expect(auditView(event, senior())).toBe(event);
    }
  });

  it('shows operators every event without commercial values', () => {
    const flow = applicationIn('APPROVED');
    const views = flow.events.map((event) => auditView(event, operator()));
    expect(JSON.stringify(views)).not.toContain('valueUsd');
    expect(views.map((view) => view.seq)).toEqual(flow.events.map((event) => event.seq));
    expect(views[0]).toMatchObject({ changes: { details: { goods: [{ element: 'DYSPROSIUM' }] } } });
  });

  it('shows the applicant authority actors by role and the workflow without its function', () => {
    const flow = applicationIn('APPROVED');
    const claim = auditView(lastEvent(flow.events, 'claim'), flow.owner);
    expect(claim).toMatchObject({
      actor: { kind: 'user', role: 'reviewer' },
      changes: { assignedTo: 'reviewer' },
    });
    expect(claim.actor).not.toHaveProperty('sub');
    expect(auditView(lastEvent(flow.events, 'screening-cleared'), flow.owner).actor).toEqual({
      kind: 'system',
    });
    const own = lastEvent(flow.events, 'submit');
    expect(auditView(own, flow.owner)).toEqual(own);
  });

  it('replaces the authority user’s name anywhere in the changes', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    flow.apply('request-information', reviewer('rita'), { questions: ['Q'], dueInWorkingDays: 2 });
    const view = auditView(lastEvent(flow.events, 'request-information'), flow.owner);
    expect(view).toMatchObject({ changes: { request: { requestedBy: 'reviewer', questions: ['Q'] } } });
    const approved = applicationIn('APPROVED');
    const decision = auditView(lastEvent(approved.events, 'approve'), approved.owner);
    expect(JSON.stringify(decision.changes)).not.toContain('rita');
  });

  it('hides screening reports, flags and match reasons from the applicant, and words the lane generically', () => {
    const flow = applicationIn('UNDER_REVIEW', { screening: flagged });
    const event = lastEvent(flow.events, 'screening-cleared');
    const view = auditView(event, flow.owner);
    expect(view.changes).toEqual({ lane: { name: 'ENHANCED', reason: ENHANCED_PUBLIC_REASON } });
    expect(view.reasons).toEqual([]);
    expect({ seq: view.seq, prevHash: view.prevHash, hash: view.hash }).toEqual({
      seq: event.seq,
      prevHash: event.prevHash,
      hash: event.hash,
    });
  });

  it('words the lane of a failed screening generically and drops SCREENING_ERROR for the applicant', () => {
    const flow = applicationIn('SUBMITTED');
    flow.apply('screening-failed', system('screen'), { error: 'list unavailable' });
    const view = auditView(lastEvent(flow.events, 'screening-failed'), flow.owner);
    expect(view.changes).toEqual({ lane: { name: 'ENHANCED', reason: ENHANCED_PUBLIC_REASON } });
    expect(view.reasons).toEqual([]);
  });

  it('hides the pending recommendation and its reasons from the applicant, then shows the decision', () => {
    const flow = applicationIn('DENIED', { heldBy: reviewer('rita') });
    const deny = auditView(lastEvent(flow.events, 'deny'), flow.owner);
    expect(deny.changes).toEqual({});
    expect(deny.reasons).toEqual([]);
    const signOff = auditView(lastEvent(flow.events, 'sign-off'), flow.owner);
    expect(signOff).toMatchObject({
      actor: { kind: 'user', role: 'senior-reviewer' },
      reasons: ['RISK_OF_DIVERSION'],
      changes: { decision: { decidedBy: 'senior-reviewer', reasons: ['RISK_OF_DIVERSION'] } },
    });
  });

  it('hides a screening match recommendation and the previous holder on reassign from the applicant', () => {
    const matched = applicationIn('PENDING_SIGN_OFF', { heldBy: null });
    const view = auditView(lastEvent(matched.events, 'screening-matched'), matched.owner);
    expect(view.changes).toEqual({ lane: { name: 'ENHANCED', reason: ENHANCED_PUBLIC_REASON } });
    expect(view.reasons).toEqual([]);
    const held = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    held.apply('reassign', senior('sam'), { to: 'ralph' });
    expect(auditView(lastEvent(held.events, 'reassign'), held.owner).changes).toEqual({
      assignedTo: 'reviewer',
    });
  });

  it('hides a returned recommendation and the senior’s note from the applicant', () => {
    const flow = applicationIn('PENDING_SIGN_OFF', { heldBy: reviewer('rita') });
    flow.apply('sign-off', senior('sam'), { agree: false, note: 'Not convinced.' });
    expect(auditView(lastEvent(flow.events, 'sign-off'), flow.owner).changes).toEqual({ agree: false });
  });

  it('shows the applicant a release as unassigned', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    flow.apply('release', reviewer('rita'), {});
    expect(auditView(lastEvent(flow.events, 'release'), flow.owner).changes).toEqual({ assignedTo: null });
  });
});
