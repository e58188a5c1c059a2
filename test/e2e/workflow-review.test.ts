import { describe, expect, it } from 'vitest';
import { clock } from '#adapters/clock.ts';
import { completeDetails, readyToSubmit, SUBMIT_BODY } from '../support/api.ts';
import {
  completion,
  inOrder,
  type Personas,
  statusReached,
  submittedStepByStep,
  useWorkflowStack,
  waitingIn,
} from '../support/stack.ts';

/**
 * The review paths through HTTP on the full local stack: every status change goes through the
 * stream relay and the real state machine; the tests only act as people would.
 */
const e2e = useWorkflowStack('wfReview');

const APPROVE = { validityMonths: 12, conditions: ['No re-export without a licence'] };
const HIGH_VALUE = completeDetails({
  goods: [
    {
      description: 'Dysprosium oxide',
      element: 'DYSPROSIUM',
      form: 'OXIDE',
      controlCode: '1C999.b',
      quantityKg: 2_000,
      valueUsd: 1_500_000,
    },
  ],
});

/**
 * Submits through the API and waits until screening has put the case in review and the review
 * step waits for it, so each later status change wakes the step through the relay.
 */
async function inReview(details = completeDetails()): Promise<string> {
  const id = await readyToSubmit(e2e.people.alice, details);
  expect((await e2e.people.alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY)).status).toBe(200);
  await statusReached(e2e.people.audrey, id, 'UNDER_REVIEW');
  await waitingIn(e2e.people.otto, id, 'UnderReview');
  return id;
}

async function claimedBy(reviewer: Personas['rita'], id: string): Promise<void> {
  expect((await reviewer.post(`/applications/${id}/actions/claim`)).status).toBe(200);
}

describe('workflow: review', () => {
  it('approves without sign-off: draft to licence through every step of the state machine', async () => {
    const id = await submittedStepByStep(e2e.people);
    await statusReached(e2e.people.audrey, id, 'UNDER_REVIEW');
    await waitingIn(e2e.people.otto, id, 'UnderReview');
    await claimedBy(e2e.people.rita, id);
    expect((await e2e.people.rita.post(`/applications/${id}/actions/approve`, APPROVE)).status).toBe(200);

    const done = await completion(e2e.people, id, 'APPROVED');
    expect(done.execution).toMatchObject({ status: 'SUCCEEDED', generation: 1, name: `${id}-1` });
    expect(done.states).toEqual([
      'RouteByStatus',
      'Draft',
      'AfterDraft',
      'EndUserDocs',
      'AfterEndUserDocs',
      'Screening',
      'AfterScreening',
      'UnderReview',
      'AfterUnderReview',
      'Approved',
    ]);
    expect(done.audit.map((event) => [event.action, event.actor.sub])).toContainEqual([
      'screening-cleared',
      'system:screen',
    ]);
  });

  it('approves a high-value case only with a second senior reviewer (separation of duties)', async () => {
    const id = await inReview(HIGH_VALUE);
    await claimedBy(e2e.people.sam, id);
    const recommended = await e2e.people.sam.post(`/applications/${id}/actions/approve`, APPROVE);
    expect(recommended.body.status).toBe('PENDING_SIGN_OFF');
    await waitingIn(e2e.people.otto, id, 'PendingSignOff');
    const own = await e2e.people.sam.post(`/applications/${id}/actions/sign-off`, { agree: true });
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('SEPARATION_OF_DUTIES');
    expect((await e2e.people.sue.post(`/applications/${id}/actions/sign-off`, { agree: true })).status).toBe(
      200,
    );

    const done = await completion(e2e.people, id, 'APPROVED');
    expect(done.execution.status).toBe('SUCCEEDED');
    expect(done.application.licence).toMatchObject({ conditions: APPROVE.conditions });
    expect(inOrder(done.states, ['UnderReview', 'PendingSignOff', 'AfterPendingSignOff', 'Approved'])).toBe(
      true,
    );
  });

  it('denies with a senior sign-off', async () => {
    const id = await inReview();
    await claimedBy(e2e.people.rita, id);
    const deny = { reasons: ['RISK_OF_DIVERSION'], note: 'The end user re-exports.' };
    expect((await e2e.people.rita.post(`/applications/${id}/actions/deny`, deny)).body.status).toBe(
      'PENDING_SIGN_OFF',
    );
    expect((await e2e.people.sam.post(`/applications/${id}/actions/sign-off`, { agree: true })).status).toBe(
      200,
    );

    const done = await completion(e2e.people, id, 'DENIED');
    expect(done.execution.status).toBe('SUCCEEDED');
    expect(done.application.decision).toMatchObject({ outcome: 'DENIED', reasons: ['RISK_OF_DIVERSION'] });
    expect(inOrder(done.states, ['UnderReview', 'PendingSignOff', 'Denied'])).toBe(true);
  });

  it('returns a case to review when the senior reviewer disagrees, and the review goes on', async () => {
    const id = await inReview();
    await claimedBy(e2e.people.rita, id);
    await e2e.people.rita.post(`/applications/${id}/actions/deny`, { reasons: ['OTHER'], note: 'Unsure.' });
    const disagree = await e2e.people.sam.post(`/applications/${id}/actions/sign-off`, {
      agree: false,
      note: 'No.',
    });
    expect(disagree.body.status).toBe('UNDER_REVIEW');
    await waitingIn(e2e.people.otto, id, 'UnderReview', { after: 'PendingSignOff' });
    expect((await e2e.people.rita.post(`/applications/${id}/actions/approve`, APPROVE)).body.status).toBe(
      'APPROVED',
    );

    const done = await completion(e2e.people, id, 'APPROVED');
    expect(done.execution.status).toBe('SUCCEEDED');
    expect(
      inOrder(done.states, [
        'UnderReview',
        'PendingSignOff',
        'AfterPendingSignOff',
        'UnderReview',
        'Approved',
      ]),
    ).toBe(true);
  });

  it('pauses for a request for information and resumes when the applicant answers', async () => {
    const id = await inReview();
    await claimedBy(e2e.people.rita, id);
    const request = { questions: ['Who owns the end user?'], dueInWorkingDays: 5 };
    expect(
      (await e2e.people.rita.post(`/applications/${id}/actions/request-information`, request)).status,
    ).toBe(200);
    await waitingIn(e2e.people.otto, id, 'InformationRequested');
    const answer = await e2e.people.alice.post(`/applications/${id}/actions/respond`, {
      answers: ['A listed company.'],
    });
    expect(answer.body.status).toBe('UNDER_REVIEW');
    await waitingIn(e2e.people.otto, id, 'UnderReview');
    await e2e.people.rita.post(`/applications/${id}/actions/approve`, APPROVE);

    const done = await completion(e2e.people, id, 'APPROVED');
    expect(done.execution.status).toBe('SUCCEEDED');
    expect(done.application.flags).toEqual([]);
    expect(
      inOrder(done.states, [
        'UnderReview',
        'InformationRequested',
        'AfterInformationRequested',
        'UnderReview',
      ]),
    ).toBe(true);
  });

  it('returns an unanswered request to review when its due date passes (timer on the shared clock)', async () => {
    const id = await inReview();
    await claimedBy(e2e.people.rita, id);
    const request = { questions: ['Send the end-user certificate again.'], dueInWorkingDays: 1 };
    const requested = await e2e.people.rita.post(`/applications/${id}/actions/request-information`, request);
    const dueAt = Date.parse(requested.body.informationRequests[0].dueAt);
    await waitingIn(e2e.people.otto, id, 'InformationRequested');
    clock.advanceBy(dueAt - clock.now().getTime() + 60_000);

    const back = await statusReached(e2e.people.audrey, id, 'UNDER_REVIEW');
    expect(back.flags).toContainEqual(expect.objectContaining({ code: 'RFI_OVERDUE', source: 'workflow' }));
    expect(back.informationRequests[0].overdue).toBe(true);
    await waitingIn(e2e.people.otto, id, 'UnderReview');
    await e2e.people.rita.post(`/applications/${id}/actions/approve`, APPROVE);

    const done = await completion(e2e.people, id, 'APPROVED');
    expect(done.execution.status).toBe('SUCCEEDED');
    expect(done.audit).toContainEqual(
      expect.objectContaining({
        action: 'information-overdue',
        actor: { kind: 'system', sub: 'system:system-transition' },
      }),
    );
    expect(
      inOrder(done.states, [
        'InformationRequested',
        'InformationOverdue',
        'AfterInformationOverdue',
        'UnderReview',
      ]),
    ).toBe(true);
  });
});
