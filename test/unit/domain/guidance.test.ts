import { describe, expect, it } from 'vitest';
import { applicationView } from '#domain/applications/views.ts';
import { DomainError } from '#domain/errors.ts';
import type { Actor } from '#domain/schemas.ts';
import {
  applicant,
  applicationIn,
  auditor,
  completeDetails,
  DAY_MS,
  draftApplication,
  operator,
  reviewer,
  senior,
} from '../../support/applications.ts';

/** Messages and view fields that tell a user what to do next (issue 8: the first hour). */

const refusal = (run: () => unknown): DomainError | undefined => {
  try {
    run();
  } catch (thrown) {
    if (thrown instanceof DomainError) return thrown;
    throw thrown;
  }
  return undefined;
};

describe('refusals that say what to do', () => {
  it('tells a reviewer acting on an unassigned case to claim it first', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: null });
    const questions = { questions: ['Who is the end user?'], dueInWorkingDays: 5 };
    for (const [action, input] of [
      ['request-information', questions],
      ['approve', { validityMonths: 12, conditions: [] }],
      ['deny', { reasons: ['OTHER'] }],
      ['release', {}],
    ] as const) {
      expect(
        refusal(() => flow.apply(action, reviewer('rita'), input as never)),
        action,
      ).toMatchObject({
        status: 403,
        code: 'NOT_ASSIGNED',
        message: 'This application is not assigned to anyone: claim it first.',
      });
    }
  });

  it('tells a reviewer acting on a case someone else holds that only the assignee may', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    const error = refusal(() =>
      flow.apply('approve', reviewer('ravi'), { validityMonths: 12, conditions: [] }),
    );
    expect(error).toMatchObject({ code: 'NOT_ASSIGNED', message: expect.stringMatching(/assigned to this/) });
  });
});

describe('what the authority sees of a returned recommendation', () => {
  it('shows the latest returned recommendation and its sign-off note to the authority, not to the applicant', () => {
    const flow = applicationIn('PENDING_SIGN_OFF', { heldBy: reviewer('rita') });
    flow.apply('sign-off', senior('sam'), { agree: false, note: 'First ask who owns the end user.' });
    flow.apply('deny', reviewer('rita'), { reasons: ['OTHER'], note: 'Second try.' });
    flow.apply('sign-off', senior('sue'), { agree: false, note: 'Still unclear: request information.' });
    const viewBy = (actor: Actor) => applicationView(flow.application, actor, flow.now, flow.config);
    for (const actor of [reviewer('rita'), senior('sam'), auditor(), operator()]) {
      expect(viewBy(actor).lastReturn, actor.sub).toMatchObject({
        note: 'Still unclear: request information.',
        returnedBy: 'sue',
        returnedByRole: 'senior-reviewer',
        recommendation: { outcome: 'DENIED', reasons: ['OTHER'], note: 'Second try.', recommendedBy: 'rita' },
      });
    }
    expect(viewBy(flow.owner).lastReturn).toBeNull();
  });
});

describe('the clock in every view', () => {
  it('counts the working days left and marks the application overdue once past its due date', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: null });
    const clockAt = (instant: Date) =>
      applicationView(flow.application, reviewer(), instant, flow.config).clock;
    const dueAt = new Date(clockAt(flow.now).dueAt ?? '');
    expect(clockAt(flow.now)).toMatchObject({ overdue: false, workingDaysLeft: 45, workingDaysElapsed: 0 });
    expect(clockAt(new Date(dueAt.getTime() - 1))).toMatchObject({ overdue: false, workingDaysLeft: 0 });
    const justAfter = clockAt(new Date(dueAt.getTime() + 1));
    expect(justAfter.overdue).toBe(true);
    expect(justAfter.workingDaysLeft).toBeLessThanOrEqual(0);
    // The due date is a working day's end; three calendar days on include at least one working day.
    expect(clockAt(new Date(dueAt.getTime() + 3 * DAY_MS)).workingDaysLeft).toBeLessThan(0);
    for (const actor of [applicant(), operator(), auditor()]) {
      const clock = applicationView(
        flow.application,
        actor,
        new Date(dueAt.getTime() + 1),
        flow.config,
      ).clock;
      expect(clock.overdue, actor.sub).toBe(true);
    }
  });

  it('keeps the verdict of a stopped clock, and has no days left before submission', () => {
    const late = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    const dueAt = Date.parse(
      applicationView(late.application, reviewer(), late.now, late.config).clock.dueAt ?? '',
    );
    late
      .at(new Date(dueAt + DAY_MS))
      .apply('approve', reviewer('rita'), { validityMonths: 12, conditions: [] });
    const years = new Date(dueAt + 400 * DAY_MS);
    expect(applicationView(late.application, reviewer(), years, late.config).clock).toMatchObject({
      overdue: true,
      stoppedAt: expect.any(String),
    });
    const draft = draftApplication();
    expect(applicationView(draft.application, draft.owner, draft.now, draft.config).clock).toMatchObject({
      overdue: false,
      workingDaysLeft: null,
    });
  });
});

describe('warnings at complete-details', () => {
  it('warns that military end users are not approved, and still moves on to END_USER_DOCS', () => {
    const base = completeDetails();
    const flow = draftApplication({
      details: {
        ...base,
        endUser: { ...base.endUser, type: 'MILITARY' },
        endUse: { ...base.endUse, military: true },
      },
    });
    const result = flow.apply('complete-details', flow.owner, {});
    expect(result.application.status).toBe('END_USER_DOCS');
    expect(result.warnings).toEqual([
      {
        code: 'MILITARY_END_USE',
        path: 'endUser.type',
        message: expect.stringMatching(/^Applications for military end users are not approved/),
      },
      { code: 'MILITARY_END_USE', path: 'endUse.military', message: expect.stringMatching(/not approved/) },
    ]);
  });

  it('has no warnings for a commercial end user and a civil end use', () => {
    const flow = draftApplication();
    expect(flow.apply('complete-details', flow.owner, {}).warnings).toBeUndefined();
  });
});
