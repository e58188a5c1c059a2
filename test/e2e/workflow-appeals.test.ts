import { describe, expect, it } from 'vitest';
import { completeDetails, readyToSubmit, SUBMIT_BODY } from '../support/api.ts';
import { completion, statesVisited, statusReached, useWorkflowStack, waitingIn } from '../support/stack.ts';

/**
 * Appeals through HTTP on the full local stack: the denial's execution has ended, so the relay
 * starts the appeal's generation, which enters at RouteByStatus and waits in the Appealed step.
 */
const e2e = useWorkflowStack('wfAppeals');

const GROUNDS = { grounds: 'The end user is a university laboratory; see the attached letter.' };
const UPHELD = { outcome: 'UPHELD', note: 'The published policy applies.' };
const OVERTURNED = { outcome: 'OVERTURNED', note: 'The refusal rested on a misread end use.' };
const APPROVE = { validityMonths: 12, conditions: [] };
const MILITARY_LAB = completeDetails({
  endUser: { name: 'Technische Hochschule Labor', country: 'DE', address: '1 Campus', type: 'MILITARY' },
});

async function submitted(details = completeDetails()): Promise<string> {
  const id = await readyToSubmit(e2e.people.alice, details);
  expect((await e2e.people.alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY)).status).toBe(200);
  return id;
}

/** Refused by screening (military end user), and its execution ended. */
async function refusedByScreening(): Promise<string> {
  const id = await submitted(MILITARY_LAB);
  await completion(e2e.people, id, 'DENIED');
  return id;
}

/** Rita's denial signed off by Sam, its execution ended. */
async function deniedByRita(): Promise<string> {
  const id = await submitted();
  await statusReached(e2e.people.audrey, id, 'UNDER_REVIEW');
  await waitingIn(e2e.people.otto, id, 'UnderReview');
  expect((await e2e.people.rita.post(`/applications/${id}/actions/claim`)).status).toBe(200);
  await e2e.people.rita.post(`/applications/${id}/actions/deny`, { reasons: ['RISK_OF_DIVERSION'] });
  await waitingIn(e2e.people.otto, id, 'PendingSignOff');
  expect((await e2e.people.sam.post(`/applications/${id}/actions/sign-off`, { agree: true })).status).toBe(
    200,
  );
  await completion(e2e.people, id, 'DENIED');
  return id;
}

/** Appeals and waits until the new generation waits in the Appealed step. */
async function appealed(id: string) {
  const response = await e2e.people.alice.post(`/applications/${id}/actions/appeal`, GROUNDS);
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ status: 'APPEALED', appeal: { grounds: GROUNDS.grounds } });
  const execution = await waitingIn(e2e.people.otto, id, 'Appealed');
  expect(execution).toMatchObject({ name: `${id}-2`, generation: 2, status: 'RUNNING' });
  return execution;
}

describe('workflow: appeals', () => {
  it('overturns a reviewer’s denial: review again, sign-off, licence, in generation 2', async () => {
    const id = await deniedByRita();
    await appealed(id);
    const sam = await e2e.people.sam.post(`/applications/${id}/actions/decide-appeal`, OVERTURNED);
    expect(sam.body.error.code).toBe('SEPARATION_OF_DUTIES');
    const decided = await e2e.people.sue.post(`/applications/${id}/actions/decide-appeal`, OVERTURNED);
    expect(decided.body).toMatchObject({ status: 'UNDER_REVIEW', assignedTo: null, decision: null });

    await waitingIn(e2e.people.otto, id, 'UnderReview');
    expect((await e2e.people.rita.post(`/applications/${id}/actions/claim`)).body.error.code).toBe(
      'SEPARATION_OF_DUTIES',
    );
    expect((await e2e.people.ravi.post(`/applications/${id}/actions/claim`)).status).toBe(200);
    const approve = await e2e.people.ravi.post(`/applications/${id}/actions/approve`, APPROVE);
    expect(approve.body.status).toBe('PENDING_SIGN_OFF');
    await waitingIn(e2e.people.otto, id, 'PendingSignOff');
    expect((await e2e.people.sue.post(`/applications/${id}/actions/sign-off`, { agree: true })).status).toBe(
      200,
    );

    const done = await completion(e2e.people, id, 'APPROVED');
    expect(done.execution).toMatchObject({ status: 'SUCCEEDED', generation: 2, name: `${id}-2` });
    expect(done.states).toEqual([
      'RouteByStatus',
      'Appealed',
      'AfterAppealed',
      'UnderReview',
      'AfterUnderReview',
      'PendingSignOff',
      'AfterPendingSignOff',
      'Approved',
    ]);
    expect(done.application).toMatchObject({
      licence: { licenceNumber: expect.any(String) },
      decision: { outcome: 'APPROVED', history: [{ outcome: 'DENIED', decidedBy: 'sam' }] },
      flags: [expect.objectContaining({ code: 'APPEAL_OVERTURNED' })],
      clock: { pauses: [expect.objectContaining({ reason: 'APPEAL' })] },
    });
    expect(done.audit.map((event) => event.action)).toEqual(
      expect.arrayContaining(['sign-off', 'appeal', 'decide-appeal', 'claim', 'approve']),
    );
  });

  it('overturns a screening refusal with corrections: screened again on the corrected facts, then reviewed', async () => {
    const id = await refusedByScreening();
    await appealed(id);
    const corrections = { endUser: { type: 'RESEARCH' } };
    const decided = await e2e.people.sam.post(`/applications/${id}/actions/decide-appeal`, {
      ...OVERTURNED,
      corrections,
    });
    expect(decided.body).toMatchObject({ status: 'SUBMITTED', endUser: { type: 'RESEARCH' } });

    await statusReached(e2e.people.audrey, id, 'UNDER_REVIEW');
    await waitingIn(e2e.people.otto, id, 'UnderReview');
    expect(await statesVisited(e2e.people.otto, id)).toEqual([
      'RouteByStatus',
      'Appealed',
      'AfterAppealed',
      'Screening',
      'AfterScreening',
      'UnderReview',
    ]);
    const audit = await e2e.people.audrey.get(`/applications/${id}/audit`);
    expect(audit.body.items.map((event: { action: string }) => event.action).slice(-3)).toEqual([
      'appeal',
      'decide-appeal',
      'screening-cleared',
    ]);
    expect(audit.body.items.at(-2).changes).toMatchObject({ corrections });
  });

  it('upholds a screening refusal: final in generation 2, and a second appeal is 409', async () => {
    const id = await refusedByScreening();
    await appealed(id);
    expect((await e2e.people.sam.post(`/applications/${id}/actions/decide-appeal`, UPHELD)).status).toBe(200);

    const done = await completion(e2e.people, id, 'DENIED');
    expect(done.execution).toMatchObject({ status: 'SUCCEEDED', generation: 2 });
    expect(done.states).toEqual(['RouteByStatus', 'Appealed', 'AfterAppealed', 'Denied']);
    expect(done.application).toMatchObject({ appeal: { outcome: 'UPHELD' }, allowedActions: [] });
    const again = await e2e.people.alice.post(`/applications/${id}/actions/appeal`, GROUNDS);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('INVALID_TRANSITION');
  });

  it('withdraws an appeal: DENIED again, the denial stands', async () => {
    const id = await refusedByScreening();
    await appealed(id);
    const withdrawn = await e2e.people.alice.post(`/applications/${id}/actions/withdraw`, {
      reason: 'We accept the refusal.',
    });
    expect(withdrawn.body).toMatchObject({ status: 'DENIED', decision: { reasons: ['MILITARY_END_USE'] } });

    const done = await completion(e2e.people, id, 'DENIED');
    expect(done.states).toEqual(['RouteByStatus', 'Appealed', 'AfterAppealed', 'Denied']);
    expect(done.execution).toMatchObject({ status: 'SUCCEEDED', generation: 2 });
  });
});
