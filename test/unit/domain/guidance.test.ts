import { describe, expect, it } from 'vitest';
import { DomainError } from '#domain/errors.ts';
import { applicationIn, reviewer } from '../../support/applications.ts';

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
