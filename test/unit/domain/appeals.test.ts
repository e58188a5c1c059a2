import { describe, expect, it } from 'vitest';
import { allowedActions } from '#domain/applications/apply-action.ts';
import { workingDaysElapsed } from '#domain/applications/legal-clock.ts';
import { applicationView } from '#domain/applications/views.ts';
import { ActionBodySchemas, ApplicationSchema } from '#domain/schemas.ts';
import {
  APPEAL_GROUNDS,
  appealDecider,
  appealEndedIn,
  applicationIn,
  DAY_MS,
  MINUTE_MS,
  pdfDocument,
  reviewer,
  screeningOutcome,
  senior,
  system,
  testConfig,
  thrownBy,
} from '../../support/applications.ts';

const UPHELD = { outcome: 'UPHELD' as const, note: 'The denial was sound.' };
const OVERTURNED = { outcome: 'OVERTURNED' as const, note: 'The end use was misread.' };

/** Rita recommended the denial, Sam signed it. */
const deniedByRita = () => applicationIn('DENIED', { heldBy: reviewer('rita') });
const appealedAgainstRita = () => applicationIn('APPEALED', { heldBy: reviewer('rita') });

describe('appeal', () => {
  it('takes a denial to APPEALED with the grounds and an appeal clock of 30 working days', () => {
    const flow = deniedByRita();
    const denial = flow.application.decision;

    const { event } = flow.apply('appeal', flow.owner, { grounds: APPEAL_GROUNDS });

    expect(flow.application).toMatchObject({
      status: 'APPEALED',
      decision: denial,
      appeal: {
        grounds: APPEAL_GROUNDS,
        lodgedAt: flow.now.toISOString(),
        lodgedBy: 'alice',
        outcome: null,
        appealedDecision: { outcome: 'DENIED', decidedBy: 'sam' },
        denialParticipants: ['rita', 'sam'],
        clock: { startedAt: flow.now.toISOString(), workingDaysLimit: 30, stoppedAt: null },
      },
    });
    expect(event).toMatchObject({ action: 'appeal', fromStatus: 'DENIED', toStatus: 'APPEALED' });
    expect(() => ApplicationSchema.parse(flow.application)).not.toThrow();
  });

  it('takes the appeal clock limit from the configuration', () => {
    const flow = applicationIn('APPEALED', { config: testConfig({ appealWorkingDaysLimit: 20 }) });

    expect(flow.application.appeal?.clock.workingDaysLimit).toBe(20);
  });

  it('accepts an appeal one millisecond before the deadline', () => {
    const flow = deniedByRita();
    const deadline = Date.parse(flow.application.decision?.appealDeadline ?? '');
    flow.at(new Date(deadline - MINUTE_MS - 1));

    flow.apply('appeal', flow.owner, { grounds: APPEAL_GROUNDS });

    expect(flow.application.status).toBe('APPEALED');
  });

  it.each([
    ['at the deadline', 0],
    ['one millisecond after the deadline', 1],
  ])('refuses an appeal %s with 422 APPEAL_DEADLINE_PASSED and no longer offers it', (_when, afterMs) => {
    const flow = deniedByRita();
    const deadline = flow.application.decision?.appealDeadline ?? '';
    const at = new Date(Date.parse(deadline) + afterMs);
    flow.at(new Date(at.getTime() - MINUTE_MS));

    const error = thrownBy(() => flow.apply('appeal', flow.owner, { grounds: APPEAL_GROUNDS }));

    expect(error).toMatchObject({
      status: 422,
      code: 'APPEAL_DEADLINE_PASSED',
      details: [{ appealDeadline: deadline }],
    });
    expect(flow.application.status).toBe('DENIED');
    expect(allowedActions(flow.application, flow.owner, at)).toEqual([]);
    expect(allowedActions(flow.application, flow.owner, new Date(Date.parse(deadline) - 1))).toEqual([
      'appeal',
    ]);
  });

  it('sets the deadline 28 calendar days after the denial', () => {
    const flow = deniedByRita();
    const decision = flow.application.decision;

    expect(Date.parse(decision?.appealDeadline ?? '') - Date.parse(decision?.decidedAt ?? '')).toBe(
      28 * DAY_MS,
    );
  });

  it.each(['upheld', 'withdrawn'] as const)(
    'refuses a second appeal after one %s with 409, even past the deadline',
    (end) => {
      const flow = appealEndedIn(end, reviewer('rita'));
      expect(flow.application.status).toBe('DENIED');

      const error = thrownBy(() => flow.apply('appeal', flow.owner, { grounds: APPEAL_GROUNDS }));
      flow.advance(60 * DAY_MS);
      const late = thrownBy(() => flow.apply('appeal', flow.owner, { grounds: APPEAL_GROUNDS }));

      expect(error).toMatchObject({
        status: 409,
        code: 'INVALID_TRANSITION',
        details: [{ allowedActions: [] }],
      });
      expect(late).toMatchObject({ status: 409, code: 'INVALID_TRANSITION' });
    },
  );

  it('refuses an appeal of the second denial of an application whose appeal was overturned', () => {
    const flow = appealEndedIn('overturned', reviewer('rita'));
    flow.apply('claim', reviewer('ralph'), {});
    flow.apply('deny', reviewer('ralph'), { reasons: ['RISK_OF_DIVERSION'] });
    flow.apply('sign-off', senior('sue'), { agree: true });

    expect(flow.application.status).toBe('DENIED');
    expect(thrownBy(() => flow.apply('appeal', flow.owner, { grounds: APPEAL_GROUNDS }))).toMatchObject({
      status: 409,
      code: 'INVALID_TRANSITION',
    });
  });

  it('lets the applicant add documents to an appeal', () => {
    const flow = appealedAgainstRita();

    flow.apply('add-document', flow.owner, pdfDocument('OTHER'));

    expect(flow.application).toMatchObject({ status: 'APPEALED' });
    expect(flow.application.documents.at(-1)?.type).toBe('OTHER');
  });
});

describe('withdraw of an appeal', () => {
  it('returns to DENIED: the denial and the first clock stop stand, the appeal clock stops', () => {
    const flow = appealedAgainstRita();
    const { decision, clock } = flow.application;

    const { event } = flow.apply('withdraw', flow.owner, { reason: 'We accept the refusal.' });

    expect(flow.application).toMatchObject({
      status: 'DENIED',
      decision,
      clock: { stoppedAt: clock.stoppedAt },
      withdrawal: null,
      appeal: {
        outcome: null,
        withdrawal: { reason: 'We accept the refusal.', at: flow.now.toISOString() },
        clock: { stoppedAt: flow.now.toISOString() },
      },
    });
    expect(event).toMatchObject({ action: 'withdraw', fromStatus: 'APPEALED', toStatus: 'DENIED' });
  });
});

describe('decide-appeal: separation of duties', () => {
  it.each([
    ['the recommender', reviewer('rita'), 'rita', 'FORBIDDEN'],
    ['the signer', senior('sam'), 'rita', 'SEPARATION_OF_DUTIES'],
    ['a senior reviewer who recommended the denial', senior('sam'), 'sam', 'SEPARATION_OF_DUTIES'],
    ['the senior reviewer who signed it', senior('sue'), 'sam', 'SEPARATION_OF_DUTIES'],
  ])('refuses %s with 403', (_who, actor, recommender, code) => {
    const holder = recommender === 'sam' ? senior('sam') : reviewer('rita');
    const flow = applicationIn('APPEALED', { heldBy: holder });

    expect(thrownBy(() => flow.apply('decide-appeal', actor, UPHELD))).toMatchObject({ status: 403, code });
    expect(allowedActions(flow.application, actor, flow.now)).not.toContain('decide-appeal');
  });

  it('lets a senior reviewer who took no part decide, and offers it to them', () => {
    const flow = appealedAgainstRita();

    expect(allowedActions(flow.application, senior('sue'), flow.now)).toEqual(['decide-appeal']);
    flow.apply('decide-appeal', senior('sue'), UPHELD);
    expect(flow.application.appeal).toMatchObject({ outcome: 'UPHELD', decidedBy: 'sue' });
  });

  it('refuses the signer of a denial recommended by screening (an exact denied-party match)', () => {
    const flow = applicationIn('PENDING_SIGN_OFF', { heldBy: null });
    flow.apply('sign-off', senior('sam'), { agree: true });
    flow.apply('appeal', flow.owner, { grounds: APPEAL_GROUNDS });

    expect(flow.application.appeal?.denialParticipants).toEqual(['sam']);
    expect(thrownBy(() => flow.apply('decide-appeal', senior('sam'), UPHELD))).toMatchObject({
      code: 'SEPARATION_OF_DUTIES',
    });
  });
});

describe('decide-appeal: upheld', () => {
  it('keeps the denial final with its first clock stop, and stops the appeal clock', () => {
    const flow = appealedAgainstRita();
    const { decision, clock } = flow.application;
    flow.advance(3 * DAY_MS);

    const { event } = flow.apply('decide-appeal', appealDecider(), UPHELD);

    expect(flow.application).toMatchObject({
      status: 'DENIED',
      decision,
      clock: { stoppedAt: clock.stoppedAt },
      appeal: {
        outcome: 'UPHELD',
        decidedBy: 'dana',
        decidedAt: flow.now.toISOString(),
        note: UPHELD.note,
        clock: { stoppedAt: flow.now.toISOString() },
      },
    });
    expect(event).toMatchObject({ toStatus: 'DENIED', reasons: ['APPEAL_UPHELD'] });
    expect(allowedActions(flow.application, flow.owner, flow.now)).toEqual([]);
  });
});

describe('decide-appeal: overturned', () => {
  it('returns a reviewer’s denial to UNDER_REVIEW unassigned, flagged, with the denial in the history', () => {
    const flow = appealedAgainstRita();
    const denial = flow.application.decision;

    const { event } = flow.apply('decide-appeal', appealDecider(), OVERTURNED);

    expect(flow.application).toMatchObject({
      status: 'UNDER_REVIEW',
      assignedTo: null,
      decision: null,
      recommendation: null,
      flags: [{ code: 'APPEAL_OVERTURNED', source: 'appeal', at: flow.now.toISOString() }],
      appeal: { outcome: 'OVERTURNED', decidedBy: 'dana' },
    });
    const { history, ...overturned } = denial ?? { history: [] };
    expect(event).toMatchObject({
      toStatus: 'UNDER_REVIEW',
      reasons: ['APPEAL_OVERTURNED'],
      changes: { outcome: 'OVERTURNED', overturnedDecision: overturned },
    });
    expect(() => ApplicationSchema.parse(flow.application)).not.toThrow();
  });

  it('bars the denial’s recommender and signer from claiming or being given the case', () => {
    const flow = appealEndedIn('overturned', reviewer('rita'));

    for (const actor of [reviewer('rita'), senior('sam')]) {
      expect(
        thrownBy(() => flow.apply('claim', actor, {})),
        actor.sub,
      ).toMatchObject({
        status: 403,
        code: 'SEPARATION_OF_DUTIES',
      });
      expect(allowedActions(flow.application, actor, flow.now)).not.toContain('claim');
    }
    expect(thrownBy(() => flow.apply('reassign', senior('sue'), { to: 'rita' }))).toMatchObject({
      code: 'SEPARATION_OF_DUTIES',
    });
    flow.apply('claim', reviewer('ralph'), {});
    expect(flow.application.assignedTo).toBe('ralph');
  });

  it('requires a sign-off on the next decision, even below the value threshold, and keeps the history', () => {
    const flow = appealEndedIn('overturned', reviewer('rita'));
    const overturned = flow.application.appeal?.appealedDecision;
    flow.apply('claim', reviewer('ralph'), {});

    flow.apply('approve', reviewer('ralph'), { validityMonths: 12, conditions: [] });
    expect(flow.application.status).toBe('PENDING_SIGN_OFF');
    expect(thrownBy(() => flow.apply('sign-off', reviewer('ralph'), { agree: true }))).toMatchObject({
      status: 403,
    });
    flow.apply('sign-off', senior('sue'), { agree: true });

    expect(flow.application).toMatchObject({
      status: 'APPROVED',
      decision: { outcome: 'APPROVED', history: [overturned] },
      licence: { licenceNumber: expect.any(String) },
    });
  });

  it('sends a screening refusal back to screening on the corrected facts, audited', () => {
    const flow = applicationIn('APPEALED', { heldBy: null });
    const corrections = {
      endUser: { type: 'RESEARCH' },
      endUse: { military: false, description: 'University lab' },
    };

    const { event } = flow.apply('decide-appeal', appealDecider(), { ...OVERTURNED, corrections });

    expect(flow.application).toMatchObject({
      status: 'SUBMITTED',
      endUser: { type: 'RESEARCH', name: 'Motoren Werke GmbH' },
      endUse: { military: false, description: 'University lab' },
      appeal: { outcome: 'OVERTURNED', corrections },
      decision: null,
    });
    expect(event).toMatchObject({ toStatus: 'SUBMITTED', changes: { corrections } });

    flow.apply('screening-cleared', system('screen'), screeningOutcome());
    expect(flow.application).toMatchObject({ status: 'UNDER_REVIEW', lane: { name: 'STANDARD' } });
  });

  it('refuses corrections to a reviewer’s denial with 400', () => {
    const flow = appealedAgainstRita();

    const error = thrownBy(() =>
      flow.apply('decide-appeal', appealDecider(), {
        ...OVERTURNED,
        corrections: { endUse: { military: false } },
      }),
    );

    expect(error).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details: [{ path: 'corrections' }],
    });
    expect(flow.application.status).toBe('APPEALED');
  });

  it.each([
    ['invalid facts', { endUser: { type: 'PIRATE' } }, 400, 'VALIDATION_FAILED'],
    ['a required fact removed', { endUse: { military: null } }, 422, 'INCOMPLETE'],
  ])('refuses corrections with %s', (_what, corrections, status, code) => {
    const flow = applicationIn('APPEALED', { heldBy: null });

    expect(
      thrownBy(() => flow.apply('decide-appeal', appealDecider(), { ...OVERTURNED, corrections })),
    ).toMatchObject({ status, code });
  });

  it('accepts corrections only with an overturned outcome (schema)', () => {
    const body = { ...UPHELD, corrections: { endUse: { military: false } } };

    expect(ActionBodySchemas['decide-appeal'].safeParse(body).success).toBe(false);
    expect(ActionBodySchemas['decide-appeal'].safeParse({ ...body, outcome: 'OVERTURNED' }).success).toBe(
      true,
    );
  });
});

describe('the legal clock across an appeal', () => {
  /** Denied on Thursday 12 June 2025 after 8 working days; appealed a week later; overturned on 3 July. */
  const overturnedFlow = () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    flow.at('2025-06-12T09:00:00.000Z');
    flow.apply('deny', reviewer('rita'), { reasons: ['RISK_OF_DIVERSION'] });
    flow.apply('sign-off', senior('sam'), { agree: true });
    const atDenial = flow.application.clock;
    flow.at('2025-06-19T09:00:00.000Z').apply('appeal', flow.owner, { grounds: APPEAL_GROUNDS });
    return { flow, atDenial };
  };

  it('stops at the denial and stays stopped while appealed', () => {
    const { flow, atDenial } = overturnedFlow();

    expect(atDenial).toMatchObject({ workingDaysElapsed: 8, stoppedAt: '2025-06-12T09:02:00.000Z' });
    expect(flow.application.clock).toEqual(atDenial);
  });

  it('resumes when overturned, the appeal period counted as one pause of reason APPEAL', () => {
    const { flow, atDenial } = overturnedFlow();
    flow.at('2025-07-03T09:00:00.000Z').apply('decide-appeal', appealDecider(), OVERTURNED);
    const { clock } = flow.application;

    expect(clock).toMatchObject({
      stoppedAt: null,
      paused: false,
      pauses: [{ from: atDenial.stoppedAt, to: '2025-07-03T09:01:00.000Z', reason: 'APPEAL' }],
      // the denial's day now holds a pause, like the day of an information request
      workingDaysElapsed: 7,
    });
    expect(workingDaysElapsed(clock, new Date('2025-07-04T12:00:00.000Z'), flow.config)).toBe(8);
    expect(Date.parse(clock.dueAt ?? '')).toBeGreaterThan(Date.parse(atDenial.dueAt ?? ''));
    // 7 counted by 11 June, 38 more from Friday 4 July: Tuesday 26 August.
    expect(clock.dueAt).toBe('2025-08-26T23:59:59.999Z');
  });

  it('keeps the first stop when the appeal is upheld', () => {
    const { flow, atDenial } = overturnedFlow();
    flow.at('2025-07-03T09:00:00.000Z').apply('decide-appeal', appealDecider(), UPHELD);

    expect(flow.application.clock).toEqual(atDenial);
  });

  it('shows the appeal clock like the legal clock, counted to now', () => {
    const { flow } = overturnedFlow();
    const view = applicationView(
      flow.application,
      flow.owner,
      new Date('2025-06-26T12:00:00.000Z'),
      flow.config,
    );

    expect(view.appeal?.clock).toMatchObject({
      startedAt: '2025-06-19T09:01:00.000Z',
      workingDaysElapsed: 5,
    });
    expect(view.appeal?.clock.dueAt).toBe('2025-07-31T23:59:59.999Z');
  });
});

describe('appeal views', () => {
  it('shows the applicant the deciders by role and hides who took part in the denial', () => {
    const flow = appealEndedIn('overturned', reviewer('rita'));
    flow.apply('claim', reviewer('ralph'), {});
    flow.apply('deny', reviewer('ralph'), { reasons: ['OTHER'] });
    flow.apply('sign-off', senior('sue'), { agree: true });

    const view = applicationView(flow.application, flow.owner, flow.now, flow.config);
    const authorityView = applicationView(flow.application, senior('sue'), flow.now, flow.config);

    expect(view.appeal).toMatchObject({
      decidedBy: 'senior-reviewer',
      appealedDecision: { decidedBy: 'senior-reviewer' },
      denialParticipants: [],
    });
    expect(view.decision?.history).toEqual([expect.objectContaining({ decidedBy: 'senior-reviewer' })]);
    expect(JSON.stringify(view)).not.toMatch(/"(rita|sam|dana|sue|ralph)"/);
    expect(authorityView.appeal).toMatchObject({ decidedBy: 'dana', denialParticipants: ['rita', 'sam'] });
  });
});
