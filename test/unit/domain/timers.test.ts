import { describe, expect, it } from 'vitest';
import { timerDueAt, timerSecondsFor, workflowData } from '#domain/applications/timers.ts';
import { applicationIn, DAY_MS, reviewer } from '../../support/applications.ts';

describe('workflow timers', () => {
  it.each(['DRAFT', 'END_USER_DOCS'] as const)('abandons a %s 90 days after the last activity', (status) => {
    const flow = applicationIn(status);
    const lastActivity = Date.parse(flow.application.lastActivityAt);
    expect(timerDueAt(flow.application, flow.config)).toEqual(new Date(lastActivity + 90 * DAY_MS));
  });

  it('wakes an information request at its due date', () => {
    const flow = applicationIn('INFORMATION_REQUESTED');
    expect(timerDueAt(flow.application, flow.config)?.toISOString()).toBe(
      flow.application.informationRequests.at(-1)?.dueAt,
    );
  });

  it.each(['SUBMITTED', 'UNDER_REVIEW', 'PENDING_SIGN_OFF', 'APPROVED'] as const)(
    'has no timer in %s',
    (status) => {
      const flow = applicationIn(status);
      expect(timerDueAt(flow.application, flow.config)).toBeNull();
      expect(timerSecondsFor(flow.application, flow.now, flow.config)).toBeUndefined();
    },
  );

  it('refuses an INFORMATION_REQUESTED application without an open request', () => {
    const flow = applicationIn('INFORMATION_REQUESTED');
    const answered = flow.application.informationRequests.map((request) => ({
      ...request,
      answers: ['A'],
      answeredAt: flow.now.toISOString(),
    }));
    expect(() => timerDueAt({ ...flow.application, informationRequests: answered }, flow.config)).toThrow(
      /without an open request/,
    );
  });

  it('rounds the remaining time up to whole seconds', () => {
    const flow = applicationIn('DRAFT');
    const due = Date.parse(flow.application.lastActivityAt) + 90 * DAY_MS;
    expect(timerSecondsFor(flow.application, new Date(due - 1_500), flow.config)).toBe(2);
    expect(timerSecondsFor(flow.application, new Date(due - 90 * DAY_MS), flow.config)).toBe(90 * 86_400);
  });

  it('arms a due or overdue timer for at least one second', () => {
    const flow = applicationIn('DRAFT');
    const due = Date.parse(flow.application.lastActivityAt) + 90 * DAY_MS;
    expect(timerSecondsFor(flow.application, new Date(due), flow.config)).toBe(1);
    expect(timerSecondsFor(flow.application, new Date(due + DAY_MS), flow.config)).toBe(1);
  });

  it('gives the execution ids, status and timer seconds only', () => {
    const draft = applicationIn('DRAFT');
    const data = workflowData(draft.application, 3, draft.now, draft.config);
    expect(data).toEqual({
      applicationId: draft.application.applicationId,
      generation: 3,
      status: 'DRAFT',
      timerSeconds: expect.any(Number),
    });
    const review = applicationIn('UNDER_REVIEW', { heldBy: reviewer() });
    expect(workflowData(review.application, 1, review.now, review.config)).toEqual({
      applicationId: review.application.applicationId,
      generation: 1,
      status: 'UNDER_REVIEW',
    });
  });
});
