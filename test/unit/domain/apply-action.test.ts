import { describe, expect, it } from 'vitest';
import { applyAction, willIssueLicence } from '#domain/applications/apply-action.ts';
import { GENESIS_HASH } from '#domain/audit.ts';
import { ApplicationSchema, type AuditEvent, LIMITS } from '#domain/schemas.ts';
import {
  applicant,
  applicationIn,
  completeDetails,
  DAY_MS,
  draftApplication,
  highValueGoods,
  pdfDocument,
  reviewer,
  screeningOutcome,
  senior,
  system,
  T0,
  testConfig,
  thrownBy,
} from '../../support/applications.ts';

const DECLARATION = { declaration: { accurate: true as const, signedBy: 'Alice Applicant' } };
const highValueDetails = () => completeDetails({ goods: highValueGoods() });

describe('applyAction: drafting', () => {
  it('records the created details in the first event, linked to the genesis hash', () => {
    const flow = draftApplication({ details: { exporter: { name: 'Acme', country: 'CN' } } });
    const [created] = flow.events;
    expect(created).toMatchObject({
      seq: 1,
      action: 'create',
      prevHash: GENESIS_HASH,
      changes: { details: { exporter: { name: 'Acme', country: 'CN' } } },
      actor: { kind: 'user', sub: 'alice', org: 'acme', roles: ['applicant'] },
    });
    expect(flow.application).toMatchObject({
      version: 1,
      auditHeadHash: created?.hash,
      clock: { startedAt: null },
    });
  });

  it('merges a PATCH: objects merge, arrays replace, null deletes', () => {
    const flow = draftApplication();
    flow.apply('update', flow.owner, {
      exporter: { name: 'Acme Magnetics' },
      goods: [{ description: 'Samarium cobalt magnets', element: 'SAMARIUM' }],
      endUse: null,
    });
    expect(flow.application.exporter).toEqual({ name: 'Acme Magnetics', country: 'CN' });
    expect(flow.application.goods).toEqual([{ description: 'Samarium cobalt magnets', element: 'SAMARIUM' }]);
    expect(flow.application).not.toHaveProperty('endUse');
    expect(flow.application.consignee).toEqual(completeDetails().consignee);
    expect(flow.events.at(-1)?.changes).toEqual({
      patch: {
        exporter: { name: 'Acme Magnetics' },
        goods: [{ description: 'Samarium cobalt magnets', element: 'SAMARIUM' }],
        endUse: null,
      },
    });
  });

  it('deletes a nested field with null and keeps its siblings', () => {
    const flow = draftApplication();
    flow.apply('update', flow.owner, { endUser: { address: null } });
    expect(flow.application.endUser).toEqual({
      name: 'Motoren Werke GmbH',
      country: 'DE',
      type: 'COMMERCIAL',
    });
  });

  it('rejects a PATCH whose result is invalid with 400 and the offending paths', () => {
    const flow = draftApplication();
    const error = thrownBy(() =>
      flow.apply('update', flow.owner, { exporter: { country: 'Germany' }, goods: [{ valueUsd: -1 }] }),
    );
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error.details.map((detail) => detail.path).sort()).toEqual([
      'exporter.country',
      'goods.0.valueUsd',
    ]);
    expect(flow.application.version).toBe(1);
  });

  it('rejects unknown fields in a PATCH with 400', () => {
    const flow = draftApplication();
    const error = thrownBy(() => flow.apply('update', flow.owner, { endUser: { colour: 'blue' } }));
    expect(error).toMatchObject({
      status: 400,
      details: [{ path: 'endUser', message: expect.stringContaining('colour') }],
    });
  });

  it('bumps version, seq and lastActivityAt by one per change', () => {
    const flow = draftApplication();
    flow.apply('update', flow.owner, { exporter: { name: 'Acme 2' } });
    expect(flow.application).toMatchObject({
      version: 2,
      lastActivityAt: flow.now.toISOString(),
      updatedAt: flow.now.toISOString(),
    });
    expect(flow.events.map((event) => event.seq)).toEqual([1, 2]);
    expect(flow.events[1]?.prevHash).toBe(flow.events[0]?.hash);
  });

  it('adds a document and keeps the removed one’s record and hash in the audit event', () => {
    const flow = draftApplication();
    const contract = pdfDocument('CONTRACT');
    flow.apply('add-document', flow.owner, contract);
    expect(flow.application.documents).toEqual([contract]);
    flow.apply('remove-document', flow.owner, { documentId: contract.documentId });
    expect(flow.application.documents).toEqual([]);
    expect(flow.events.at(-1)?.changes).toEqual({ removed: contract });
    expect(flow.events.at(-1)?.changes).toHaveProperty('removed.sha256', contract.sha256);
  });

  it('answers 404 when removing a document that does not exist', () => {
    const flow = draftApplication();
    expect(
      thrownBy(() => flow.apply('remove-document', flow.owner, { documentId: 'doc_nope' })),
    ).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
  });

  it('refuses a document beyond the limit with 400', () => {
    const flow = draftApplication();
    for (let index = 0; index < LIMITS.documents; index++)
      flow.apply('add-document', flow.owner, pdfDocument('OTHER'));
    expect(thrownBy(() => flow.apply('add-document', flow.owner, pdfDocument('OTHER')))).toMatchObject({
      status: 400,
      details: [{ path: 'documents' }],
    });
  });

  it('moves complete details to END_USER_DOCS and back to DRAFT on reopen', () => {
    const flow = draftApplication();
    flow.apply('complete-details', flow.owner, {});
    expect(flow.application.status).toBe('END_USER_DOCS');
    flow.apply('reopen', flow.owner, {});
    expect(flow.application.status).toBe('DRAFT');
    expect(flow.events.map((event) => [event.fromStatus, event.toStatus])).toEqual([
      [null, 'DRAFT'],
      ['DRAFT', 'END_USER_DOCS'],
      ['END_USER_DOCS', 'DRAFT'],
    ]);
  });

  it('refuses complete-details with 422 INCOMPLETE listing every missing field', () => {
    const flow = draftApplication({ details: { exporter: { name: 'Acme' }, goods: [{ form: 'METAL' }] } });
    const error = thrownBy(() => flow.apply('complete-details', flow.owner, {}));
    expect(error).toMatchObject({ status: 422, code: 'INCOMPLETE' });
    expect(error.details.map((detail) => detail.path)).toEqual([
      'exporter.country',
      'goods.0.description',
      'goods.0.element',
      'goods.0.controlCode',
      'goods.0.valueUsd',
      'goods.0.quantityKg',
      'consignee.name',
      'consignee.country',
      'consignee.address',
      'endUser.name',
      'endUser.country',
      'endUser.address',
      'endUser.type',
      'endUse.description',
      'endUse.military',
    ]);
    expect(flow.application.status).toBe('DRAFT');
  });

  it('accepts technology goods without a quantity', () => {
    const flow = draftApplication({
      details: completeDetails({
        goods: [
          {
            description: 'Magnet design know-how',
            element: 'OTHER',
            form: 'TECHNOLOGY',
            controlCode: '1E902',
            valueUsd: 5,
          },
        ],
      }),
    });
    flow.apply('complete-details', flow.owner, {});
    expect(flow.application.status).toBe('END_USER_DOCS');
  });
});

describe('applyAction: submit', () => {
  it('refuses a submit without documents with 422 INCOMPLETE listing each missing type', () => {
    const flow = draftApplication();
    flow.apply('complete-details', flow.owner, {});
    const error = thrownBy(() => flow.apply('submit', flow.owner, DECLARATION));
    expect(error).toMatchObject({ status: 422, code: 'INCOMPLETE' });
    expect(error.details.map((detail) => detail.documentType)).toEqual([
      'CONTRACT',
      'END_USER_CERTIFICATE',
      'END_USE_STATEMENT',
    ]);
  });

  it('requires a TECHNICAL_DESCRIPTION when any goods item is technology', () => {
    const details = completeDetails();
    const goods = [
      ...(details.goods ?? []),
      {
        description: 'Process know-how',
        element: 'OTHER' as const,
        form: 'TECHNOLOGY' as const,
        controlCode: '1E',
        valueUsd: 1,
      },
    ];
    const flow = draftApplication({ details: { ...details, goods } });
    for (const type of ['CONTRACT', 'END_USER_CERTIFICATE', 'END_USE_STATEMENT'] as const) {
      flow.apply('add-document', flow.owner, pdfDocument(type));
    }
    flow.apply('complete-details', flow.owner, {});
    expect(thrownBy(() => flow.apply('submit', flow.owner, DECLARATION))).toMatchObject({
      status: 422,
      details: [{ path: 'documents', documentType: 'TECHNICAL_DESCRIPTION' }],
    });
    flow.apply('add-document', flow.owner, pdfDocument('TECHNICAL_DESCRIPTION'));
    flow.apply('submit', flow.owner, DECLARATION);
    expect(flow.application.status).toBe('SUBMITTED');
  });

  it('takes the required documents from the configuration', () => {
    const flow = draftApplication({ config: testConfig({ requiredDocuments: ['END_USER_CERTIFICATE'] }) });
    flow.apply('complete-details', flow.owner, {});
    expect(thrownBy(() => flow.apply('submit', flow.owner, DECLARATION)).details).toEqual([
      expect.objectContaining({ documentType: 'END_USER_CERTIFICATE' }),
    ]);
    flow.apply('add-document', flow.owner, pdfDocument('END_USER_CERTIFICATE'));
    flow.apply('submit', flow.owner, DECLARATION);
    expect(flow.application.status).toBe('SUBMITTED');
  });

  it('records the declaration and starts the legal clock at submission', () => {
    const flow = applicationIn('END_USER_DOCS');
    flow.at('2025-06-02T10:00:00.000Z').apply('submit', flow.owner, DECLARATION);
    expect(flow.application.submission).toEqual({
      submittedAt: '2025-06-02T10:01:00.000Z',
      submittedBy: 'alice',
      declaration: DECLARATION.declaration,
    });
    expect(flow.application.clock).toEqual({
      startedAt: '2025-06-02T10:01:00.000Z',
      dueAt: '2025-08-04T23:59:59.999Z',
      workingDaysElapsed: 0,
      workingDaysLimit: 45,
      paused: false,
      pauses: [],
      stoppedAt: null,
    });
  });
});

describe('applyAction: screening', () => {
  it('clears into UNDER_REVIEW in the STANDARD lane with the report in the audit event', () => {
    const flow = applicationIn('SUBMITTED');
    const outcome = screeningOutcome();
    flow.apply('screening-cleared', system('screen'), outcome);
    expect(flow.application).toMatchObject({ status: 'UNDER_REVIEW', lane: { name: 'STANDARD' }, flags: [] });
    expect(flow.events.at(-1)).toMatchObject({
      actor: { kind: 'system', sub: 'system:screen' },
      changes: { screening: outcome.report },
      reasons: [],
    });
  });

  it('clears with a potential match as a screening flag and the ENHANCED lane', () => {
    const flow = applicationIn('SUBMITTED');
    flow.apply(
      'screening-cleared',
      system('screen'),
      screeningOutcome({ flags: ['POTENTIAL_DENIED_PARTY_MATCH'], recentApprovalForEndUser: true }),
    );
    expect(flow.application.flags).toEqual([
      { code: 'POTENTIAL_DENIED_PARTY_MATCH', source: 'screening', at: flow.now.toISOString() },
    ]);
    expect(flow.application.lane?.name).toBe('ENHANCED');
    expect(flow.events.at(-1)?.reasons).toEqual(['POTENTIAL_DENIED_PARTY_MATCH']);
  });

  it('clears into the EXPEDITED lane after a recent approval for the same end user', () => {
    const flow = applicationIn('SUBMITTED');
    flow.apply('screening-cleared', system('screen'), screeningOutcome({ recentApprovalForEndUser: true }));
    expect(flow.application.lane?.name).toBe('EXPEDITED');
  });

  it('sends an exact denied-party match to PENDING_SIGN_OFF with a system recommendation to deny', () => {
    const flow = applicationIn('SUBMITTED');
    flow.apply('screening-matched', system('screen'), screeningOutcome());
    expect(flow.application).toMatchObject({
      status: 'PENDING_SIGN_OFF',
      assignedTo: null,
      lane: { name: 'ENHANCED' },
      flags: [{ code: 'DENIED_PARTY_MATCH', source: 'screening' }],
      recommendation: {
        outcome: 'DENIED',
        reasons: ['DENIED_PARTY'],
        recommendedBy: 'system:screen',
        recommendedByRole: 'system',
      },
      decision: null,
    });
    expect(flow.events.at(-1)?.reasons).toEqual(['DENIED_PARTY']);
  });

  it('lets a senior reviewer turn a screening match into a denial with an appeal deadline', () => {
    const flow = applicationIn('PENDING_SIGN_OFF', { heldBy: null });
    flow.apply('sign-off', senior('sam'), { agree: true });
    expect(flow.application.status).toBe('DENIED');
    expect(flow.application.decision).toMatchObject({
      outcome: 'DENIED',
      reasons: ['DENIED_PARTY'],
      decidedBy: 'sam',
      appealDeadline: new Date(flow.now.getTime() + 28 * DAY_MS).toISOString(),
    });
  });

  it('refuses military end use at once: DENIED by the system with MILITARY_END_USE, appeal in 28 days', () => {
    const flow = applicationIn('SUBMITTED');
    flow.at('2025-06-03T09:00:00.000Z').apply('screening-refused', system('screen'), screeningOutcome());
    expect(flow.application.status).toBe('DENIED');
    expect(flow.application.decision).toEqual({
      outcome: 'DENIED',
      reasons: ['MILITARY_END_USE'],
      note: expect.any(String),
      decidedBy: 'system:screen',
      decidedByRole: 'system',
      decidedAt: '2025-06-03T09:01:00.000Z',
      appealDeadline: '2025-07-01T09:01:00.000Z',
      history: [],
    });
    expect(flow.application.clock.stoppedAt).toBe('2025-06-03T09:01:00.000Z');
    expect(flow.events.at(-1)?.reasons).toEqual(['MILITARY_END_USE']);
  });

  it('routes a failed screening to UNDER_REVIEW with SCREENING_ERROR, ENHANCED and sign-off required', () => {
    const flow = applicationIn('SUBMITTED');
    flow.apply('screening-failed', system('screen'), { error: 'denied-party list unavailable' });
    expect(flow.application).toMatchObject({
      status: 'UNDER_REVIEW',
      lane: { name: 'ENHANCED' },
      flags: [{ code: 'SCREENING_ERROR', source: 'screening' }],
    });
    expect(flow.events.at(-1)).toMatchObject({
      reasons: ['SCREENING_ERROR'],
      changes: { error: 'denied-party list unavailable' },
    });
    flow.apply('claim', reviewer(), {});
    expect(
      willIssueLicence(flow.application, 'approve', { validityMonths: 12, conditions: [] }, flow.config),
    ).toBe(false);
    flow.apply('approve', reviewer(), { validityMonths: 6, conditions: [] });
    expect(flow.application.status).toBe('PENDING_SIGN_OFF');
  });
});

describe('applyAction: review', () => {
  it('assigns on claim and treats the holder’s repeated claim as a no-op without an event', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: null });
    flow.apply('claim', reviewer('rita'), {});
    expect(flow.application.assignedTo).toBe('rita');
    const version = flow.application.version;
    const again = flow.apply('claim', reviewer('rita'), {});
    expect(again.event).toBeNull();
    expect(again.application.version).toBe(version);
  });

  it('answers 409 ALREADY_ASSIGNED to a claim of a case held by someone else', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    expect(thrownBy(() => flow.apply('claim', senior('sam'), {}))).toMatchObject({
      status: 409,
      code: 'ALREADY_ASSIGNED',
    });
  });

  it('unassigns on release and records the previous holder on reassign', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    flow.apply('reassign', senior('sam'), { to: 'ralph' });
    expect(flow.application.assignedTo).toBe('ralph');
    expect(flow.events.at(-1)?.changes).toEqual({ assignedTo: 'ralph', from: 'rita' });
    flow.apply('release', reviewer('ralph'), {});
    expect(flow.application.assignedTo).toBeNull();
  });

  it('does not count reviewer and system actions as applicant activity', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: null });
    const lastActivityAt = flow.application.lastActivityAt;
    flow.apply('claim', reviewer(), {});
    expect(flow.application.lastActivityAt).toBe(lastActivityAt);
    expect(flow.application.updatedAt).toBe(flow.now.toISOString());
  });

  it('pauses the clock on request-information with a due date in working days', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    flow.at('2025-06-05T10:00:00.000Z');
    flow.apply('request-information', reviewer('rita'), { questions: ['Q1', 'Q2'], dueInWorkingDays: 5 });
    expect(flow.application.status).toBe('INFORMATION_REQUESTED');
    expect(flow.application.informationRequests).toEqual([
      {
        questions: ['Q1', 'Q2'],
        requestedBy: 'rita',
        requestedByRole: 'reviewer',
        requestedAt: '2025-06-05T10:01:00.000Z',
        dueAt: '2025-06-12T23:59:59.999Z',
        answers: null,
        answeredAt: null,
        overdue: false,
      },
    ]);
    expect(flow.application.clock).toMatchObject({
      paused: true,
      pauses: [{ from: '2025-06-05T10:01:00.000Z', to: null, reason: 'INFORMATION_REQUESTED' }],
    });
  });

  it('refuses a response with the wrong number of answers with 400', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    flow.apply('request-information', reviewer('rita'), { questions: ['Q1', 'Q2'], dueInWorkingDays: 5 });
    expect(thrownBy(() => flow.apply('respond', flow.owner, { answers: ['only one'] }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details: [{ path: 'answers' }],
    });
  });

  it('resumes the clock on respond and records the answers', () => {
    const flow = applicationIn('INFORMATION_REQUESTED');
    flow.apply('add-document', flow.owner, pdfDocument('RFI_RESPONSE'));
    flow.apply('respond', flow.owner, { answers: ['A holding in Munich.'] });
    const [request] = flow.application.informationRequests;
    expect(flow.application.status).toBe('UNDER_REVIEW');
    expect(request).toMatchObject({ answers: ['A holding in Munich.'], answeredAt: flow.now.toISOString() });
    expect(flow.application.clock.paused).toBe(false);
    expect(flow.application.clock.pauses.at(-1)?.to).toBe(flow.now.toISOString());
    expect(flow.application.lastActivityAt).toBe(flow.now.toISOString());
  });

  it('lets an early overdue timer change nothing and tells it when to wake', () => {
    const flow = applicationIn('INFORMATION_REQUESTED');
    const before = flow.application;
    const dueAt = before.informationRequests.at(-1)?.dueAt;
    const result = flow.apply('information-overdue', system('system-transition'), {});
    expect(result).toEqual({ application: before, event: null, wakeAt: dueAt });
  });

  it('flags RFI_OVERDUE and resumes the clock once the due date has passed', () => {
    const flow = applicationIn('INFORMATION_REQUESTED');
    const dueAt = flow.application.informationRequests.at(-1)?.dueAt ?? '';
    flow.at(dueAt).apply('information-overdue', system('system-transition'), {});
    expect(flow.application.status).toBe('UNDER_REVIEW');
    expect(flow.application.flags).toEqual([
      { code: 'RFI_OVERDUE', source: 'workflow', at: flow.now.toISOString() },
    ]);
    expect(flow.application.informationRequests.at(-1)).toMatchObject({ overdue: true, answers: null });
    expect(flow.application.clock.paused).toBe(false);
    expect(flow.events.at(-1)?.reasons).toEqual(['RFI_OVERDUE']);
  });

  it('refuses an information request beyond the limit with 400, keeping the stored shape valid', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    for (let index = 0; index < LIMITS.informationRequests; index++) {
      flow.apply('request-information', reviewer('rita'), { questions: ['Q'], dueInWorkingDays: 1 });
      flow.apply('respond', flow.owner, { answers: ['A'] });
    }
    expect(
      thrownBy(() =>
        flow.apply('request-information', reviewer('rita'), { questions: ['Q'], dueInWorkingDays: 1 }),
      ),
    ).toMatchObject({ status: 400 });
    expect(() => ApplicationSchema.parse(flow.application)).not.toThrow();
  });
});

describe('applyAction: decisions', () => {
  it('issues a licence on approval below the threshold, from the context’s licence number', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    flow.at('2025-06-10T12:00:00.000Z');
    expect(
      willIssueLicence(flow.application, 'approve', { validityMonths: 12, conditions: [] }, flow.config),
    ).toBe(true);
    flow.apply(
      'approve',
      reviewer('rita'),
      { validityMonths: 18, conditions: ['No re-export'], note: 'Routine.' },
      {
        licenceNumber: 'EXL-2025-000042',
      },
    );
    expect(flow.application.status).toBe('APPROVED');
    expect(flow.application.licence).toEqual({
      licenceNumber: 'EXL-2025-000042',
      validFrom: '2025-06-10T12:01:00.000Z',
      validTo: '2026-12-10T12:01:00.000Z',
      conditions: ['No re-export'],
      goods: completeDetails().goods,
    });
    expect(flow.application.decision).toMatchObject({
      outcome: 'APPROVED',
      decidedBy: 'rita',
      note: null, // the reviewer's note stays internal
      appealDeadline: null,
    });
    expect(flow.application.clock.stoppedAt).toBe('2025-06-10T12:01:00.000Z');
    expect(flow.events.at(-1)?.changes).toHaveProperty('licence.licenceNumber', 'EXL-2025-000042');
  });

  it('throws when an approval would issue a licence but no number was allocated', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    expect(() =>
      applyAction(
        flow.application,
        'approve',
        reviewer('rita'),
        { validityMonths: 12, conditions: [] },
        {
          now: flow.now,
          requestId: 'r',
          config: flow.config,
        },
      ),
    ).toThrow(/licence number/);
  });

  it('sends an approval at exactly the threshold to PENDING_SIGN_OFF without a licence', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita'), details: highValueDetails() });
    expect(
      willIssueLicence(flow.application, 'approve', { validityMonths: 12, conditions: [] }, flow.config),
    ).toBe(false);
    flow.apply('approve', reviewer('rita'), { validityMonths: 24, conditions: ['Annual report'] });
    expect(flow.application).toMatchObject({
      status: 'PENDING_SIGN_OFF',
      licence: null,
      decision: null,
      recommendation: { outcome: 'APPROVED', validityMonths: 24, recommendedBy: 'rita' },
    });
  });

  it('refuses a sign-off by the recommender with 403 SEPARATION_OF_DUTIES', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: senior('sam'), details: highValueDetails() });
    flow.apply('approve', senior('sam'), { validityMonths: 24, conditions: [] });
    expect(thrownBy(() => flow.apply('sign-off', senior('sam'), { agree: true }))).toMatchObject({
      status: 403,
      code: 'SEPARATION_OF_DUTIES',
    });
  });

  it('issues the licence from the recommendation’s terms when another senior agrees', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita'), details: highValueDetails() });
    flow.apply('approve', reviewer('rita'), { validityMonths: 24, conditions: ['Annual report'] });
    const agree = { agree: true, note: 'Agreed.' };
    expect(willIssueLicence(flow.application, 'sign-off', agree, flow.config)).toBe(true);
    expect(willIssueLicence(flow.application, 'sign-off', { agree: false }, flow.config)).toBe(false);
    flow
      .at('2025-06-20T10:00:00.000Z')
      .apply('sign-off', senior('sam'), agree, { licenceNumber: 'EXL-2025-000777' });
    expect(flow.application).toMatchObject({
      status: 'APPROVED',
      licence: {
        licenceNumber: 'EXL-2025-000777',
        conditions: ['Annual report'],
        validFrom: '2025-06-20T10:01:00.000Z',
        validTo: '2027-06-20T10:01:00.000Z',
        goods: highValueDetails().goods,
      },
      decision: { outcome: 'APPROVED', decidedBy: 'sam', decidedByRole: 'senior-reviewer', note: 'Agreed.' },
    });
  });

  it('returns the case to review when the senior does not agree', () => {
    const flow = applicationIn('PENDING_SIGN_OFF', { heldBy: reviewer('rita') });
    flow.apply('sign-off', senior('sam'), { agree: false, note: 'Ask about the re-exporter first.' });
    expect(flow.application).toMatchObject({
      status: 'UNDER_REVIEW',
      recommendation: null,
      assignedTo: 'rita',
    });
    expect(flow.events.at(-1)?.changes).toMatchObject({
      agree: false,
      note: 'Ask about the re-exporter first.',
      returnedRecommendation: { outcome: 'DENIED', recommendedBy: 'rita' },
    });
  });

  it('needs a sign-off for every denial and then denies with the recommended reasons', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    flow.apply('deny', reviewer('rita'), {
      reasons: ['RISK_OF_DIVERSION', 'INSUFFICIENT_END_USE_ASSURANCE'],
    });
    expect(flow.application.status).toBe('PENDING_SIGN_OFF');
    expect(flow.events.at(-1)?.reasons).toEqual(['RISK_OF_DIVERSION', 'INSUFFICIENT_END_USE_ASSURANCE']);
    expect(willIssueLicence(flow.application, 'sign-off', { agree: true }, flow.config)).toBe(false);
    flow.at('2025-07-01T09:00:00.000Z').apply('sign-off', senior('sam'), { agree: true });
    expect(flow.application.decision).toEqual({
      outcome: 'DENIED',
      reasons: ['RISK_OF_DIVERSION', 'INSUFFICIENT_END_USE_ASSURANCE'],
      note: null,
      decidedBy: 'sam',
      decidedByRole: 'senior-reviewer',
      decidedAt: '2025-07-01T09:01:00.000Z',
      appealDeadline: '2025-07-29T09:01:00.000Z',
      history: [],
    });
    expect(flow.application.licence).toBeNull();
    expect(flow.events.at(-1)?.reasons).toEqual(['RISK_OF_DIVERSION', 'INSUFFICIENT_END_USE_ASSURANCE']);
  });

  it('says no licence is issued by actions other than approve and sign-off', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    expect(willIssueLicence(flow.application, 'deny', { reasons: ['OTHER'] }, flow.config)).toBe(false);
  });
});

describe('applyAction: withdraw and abandon', () => {
  it.each([
    'DRAFT',
    'END_USER_DOCS',
    'SUBMITTED',
    'UNDER_REVIEW',
    'INFORMATION_REQUESTED',
    'PENDING_SIGN_OFF',
  ] as const)('withdraws from %s and stops a running clock', (status) => {
    const flow = applicationIn(status);
    flow.apply('withdraw', flow.owner, { reason: 'Order cancelled.' });
    expect(flow.application).toMatchObject({
      status: 'WITHDRAWN',
      withdrawal: { reason: 'Order cancelled.' },
    });
    const { clock } = flow.application;
    if (clock.startedAt) {
      expect(clock).toMatchObject({ stoppedAt: flow.now.toISOString(), paused: false });
      expect(clock.pauses.every((pause) => pause.to !== null)).toBe(true);
    } else {
      expect(clock.stoppedAt).toBeNull();
    }
    expect(() => ApplicationSchema.parse(flow.application)).not.toThrow();
  });

  it('re-arms the abandonment timer for the remainder before 90 days of inactivity', () => {
    const flow = applicationIn('DRAFT');
    const lastActivity = Date.parse(flow.application.lastActivityAt);
    flow.at(new Date(lastActivity + 90 * DAY_MS - 2 * 60_000));
    const result = flow.apply('abandon', system('system-transition'), {});
    expect(result.event).toBeNull();
    expect(result.wakeAt).toBe(new Date(lastActivity + 90 * DAY_MS).toISOString());
    expect(flow.application.status).toBe('DRAFT');
  });

  it('abandons a draft exactly 90 days after the last activity', () => {
    const flow = applicationIn('END_USER_DOCS');
    const lastActivity = Date.parse(flow.application.lastActivityAt);
    flow.at(new Date(lastActivity + 90 * DAY_MS - 60_000));
    flow.apply('abandon', system('system-transition'), {});
    expect(flow.application.status).toBe('ABANDONED');
    expect(flow.events.at(-1)).toMatchObject({
      actor: { kind: 'system', sub: 'system:system-transition' },
      changes: { lastActivityAt: flow.events.at(-2)?.at },
    });
  });

  it('counts the 90 days from the applicant’s latest activity', () => {
    const flow = applicationIn('DRAFT');
    flow.advance(60 * DAY_MS).apply('update', flow.owner, { exporter: { name: 'Acme Renamed' } });
    flow.advance(45 * DAY_MS);
    const result = flow.apply('abandon', system('system-transition'), {});
    expect(result.wakeAt).toBe(
      new Date(Date.parse(flow.application.lastActivityAt) + 90 * DAY_MS).toISOString(),
    );
  });
});

describe('applyAction: a whole application', () => {
  it('increments version and seq by one per event and links every event to the previous one', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita'), details: highValueDetails() });
    flow.apply('request-information', reviewer('rita'), { questions: ['Q'], dueInWorkingDays: 2 });
    flow.apply('respond', flow.owner, { answers: ['A'] });
    flow.apply('approve', reviewer('rita'), { validityMonths: 12, conditions: [] });
    flow.apply('sign-off', senior('sam'), { agree: true });
    const events: AuditEvent[] = flow.events;
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(flow.application.version).toBe(events.length);
    for (const [index, event] of events.entries()) {
      expect(event.prevHash).toBe(index === 0 ? GENESIS_HASH : events[index - 1]?.hash);
      expect(event.applicationId).toBe(flow.application.applicationId);
    }
    expect(flow.application.auditHeadHash).toBe(events.at(-1)?.hash);
    expect(() => ApplicationSchema.parse(flow.application)).not.toThrow();
  });

  it('does not mutate the application it is given', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    const before = structuredClone(flow.application);
    applyAction(
      flow.application,
      'request-information',
      reviewer('rita'),
      { questions: ['Q'], dueInWorkingDays: 1 },
      {
        now: new Date(T0.getTime() + DAY_MS),
        requestId: 'r',
        config: flow.config,
      },
    );
    expect(flow.application).toEqual(before);
  });

  it('stamps the actor, request id and time on the event', () => {
    const flow = draftApplication({ owner: applicant('ann', 'initech') });
    flow.apply('complete-details', flow.owner, {}, { requestId: 'req-abc' });
    expect(flow.events.at(-1)).toMatchObject({
      at: flow.now.toISOString(),
      requestId: 'req-abc',
      actor: { kind: 'user', sub: 'ann', org: 'initech', roles: ['applicant'] },
    });
  });
});
