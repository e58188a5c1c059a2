import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it, vi } from 'vitest';
import { clock } from '#adapters/clock.ts';
import { StepFunctionsWorkflow } from '#adapters/stepfunctions.ts';
import { performAction } from '#domain/applications/use-cases.ts';
import type { WorkflowData } from '#domain/ports.ts';
import type { UserActor } from '#domain/schemas.ts';
import { completeDetails, readyToSubmit, SUBMIT_BODY, uploadRequiredDocuments } from '../support/api.ts';
import {
  completion,
  eventually,
  executionReached,
  statusReached,
  useWorkflowStack,
  waitingIn,
} from '../support/stack.ts';

/**
 * Restarts of a stack whose executions live in memory (`--in-memory`), while DynamoDB keeps its data. After a restart the stream
 * poller resumes from its checkpoint and the reconciler starts the missing executions from the
 * persisted statuses, so every application finishes its lifecycle, with nothing lost or repeated.
 */
const e2e = useWorkflowStack('wfRecovery');

const APPROVE = { validityMonths: 6, conditions: [] };
const aliceActor: UserActor = { kind: 'user', sub: 'alice', org: 'acme', roles: ['applicant'] };
const ritaActor: UserActor = { kind: 'user', sub: 'rita', org: 'authority', roles: ['reviewer'] };

const actions = async (id: string): Promise<string[]> =>
  (await e2e.people.audrey.get(`/applications/${id}/audit`)).body.items.map(
    (event: { action: string }) => event.action,
  );

async function inReview(): Promise<string> {
  const id = await readyToSubmit(e2e.people.alice);
  await e2e.people.alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
  await statusReached(e2e.people.audrey, id, 'UNDER_REVIEW');
  await e2e.people.rita.post(`/applications/${id}/actions/claim`);
  return id;
}

/** A commit made while the stack is down: in the stream, not yet relayed. */
async function commitWhileDown(
  id: string,
  actor: UserActor,
  action: 'submit' | 'request-information',
  body: object,
) {
  const { deps } = await import('#handlers/api/request-context.ts');
  await performAction(deps, actor, id, action, body as never, { requestId: `offline-${action}` });
}

async function approveInReview(id: string): Promise<void> {
  await statusReached(e2e.people.audrey, id, 'UNDER_REVIEW');
  await e2e.people.rita.post(`/applications/${id}/actions/claim`);
  expect((await e2e.people.rita.post(`/applications/${id}/actions/approve`, APPROVE)).status).toBe(200);
}

describe('workflow: recovery after a restart', () => {
  it('finishes every application that was waiting, and relays commits made while it was down', async () => {
    const { alice, rita, sam, otto } = e2e.people;
    const draft = (await alice.post('/applications', completeDetails())).body.applicationId as string;
    const docs = await readyToSubmit(alice);
    const review = await inReview();
    const rfi = await inReview();
    await rita.post(`/applications/${rfi}/actions/request-information`, {
      questions: ['Q?'],
      dueInWorkingDays: 10,
    });
    const signOff = await inReview();
    await rita.post(`/applications/${signOff}/actions/deny`, { reasons: ['NATIONAL_SECURITY'] });
    const submitWhileDown = await readyToSubmit(alice);
    const requestWhileDown = await inReview();
    const waiting: Array<[string, string]> = [
      [draft, 'Draft'],
      [docs, 'EndUserDocs'],
      [review, 'UnderReview'],
      [rfi, 'InformationRequested'],
      [signOff, 'PendingSignOff'],
      [submitWhileDown, 'EndUserDocs'],
      [requestWhileDown, 'UnderReview'],
    ];
    for (const [id, state] of waiting) await waitingIn(otto, id, state);

    await e2e.stack.stop();
    await commitWhileDown(submitWhileDown, aliceActor, 'submit', SUBMIT_BODY);
    await commitWhileDown(requestWhileDown, ritaActor, 'request-information', {
      questions: ['Q?'],
      dueInWorkingDays: 10,
    });
    await e2e.stack.start();

    // Every execution is back, waiting where the persisted status says; the offline submit got screened.
    await statusReached(e2e.people.audrey, submitWhileDown, 'UNDER_REVIEW');
    const resumed: Array<[string, string]> = [
      [draft, 'Draft'],
      [docs, 'EndUserDocs'],
      [review, 'UnderReview'],
      [rfi, 'InformationRequested'],
      [signOff, 'PendingSignOff'],
      [submitWhileDown, 'UnderReview'],
      [requestWhileDown, 'InformationRequested'],
    ];
    for (const [id, state] of resumed) await waitingIn(otto, id, state);

    await alice.post(`/applications/${draft}/actions/complete-details`);
    await uploadRequiredDocuments(alice, draft);
    for (const id of [draft, docs]) await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
    for (const id of [draft, docs, submitWhileDown]) await approveInReview(id);
    await rita.post(`/applications/${review}/actions/approve`, APPROVE);
    for (const id of [rfi, requestWhileDown]) {
      await alice.post(`/applications/${id}/actions/respond`, { answers: ['A.'] });
      await waitingIn(otto, id, 'UnderReview');
      await rita.post(`/applications/${id}/actions/approve`, APPROVE);
    }
    await sam.post(`/applications/${signOff}/actions/sign-off`, { agree: true });

    const finals: Array<[string, string]> = [
      [draft, 'APPROVED'],
      [docs, 'APPROVED'],
      [review, 'APPROVED'],
      [rfi, 'APPROVED'],
      [signOff, 'DENIED'],
      [submitWhileDown, 'APPROVED'],
      [requestWhileDown, 'APPROVED'],
    ];
    for (const [id, status] of finals) {
      const done = await completion(e2e.people, id, status);
      expect(done.execution).toMatchObject({ status: 'SUCCEEDED', generation: 1 });
    }

    // Nothing lost or repeated: exactly the actions people and screening took, each once.
    const reviewed = [
      'create',
      'complete-details',
      'add-document',
      'add-document',
      'add-document',
      'submit',
      'screening-cleared',
      'claim',
    ];
    for (const id of [draft, docs, submitWhileDown, review]) {
      expect(await actions(id)).toEqual([...reviewed, 'approve']);
    }
    for (const id of [rfi, requestWhileDown]) {
      expect(await actions(id)).toEqual([...reviewed, 'request-information', 'respond', 'approve']);
    }
    expect(await actions(signOff)).toEqual([...reviewed, 'deny', 'sign-off']);
  });

  it('starts the next generation when an execution ended while its application is still open', async () => {
    const id = await inReview();
    const first = await waitingIn(e2e.people.otto, id, 'UnderReview');
    const sfn = new SFNClient({});
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn, error: 'OperatorStop' }));
    sfn.destroy();
    await executionReached(e2e.people.otto, id, (execution) => execution.status === 'ABORTED', 'aborted');

    const { handler: reconcile } = await import('#handlers/reconciler.ts');
    expect(await reconcile()).toMatchObject({ started: 1 });
    const second = await waitingIn(e2e.people.otto, id, 'UnderReview');
    expect(second).toMatchObject({ generation: 2, name: `${id}-2` });
    expect(await reconcile()).toMatchObject({ started: 0, woken: 0 });

    await e2e.people.rita.post(`/applications/${id}/actions/approve`, APPROVE);
    const done = await completion(e2e.people, id, 'APPROVED');
    expect(done.execution).toMatchObject({ status: 'SUCCEEDED', generation: 2 });
    expect(done.states).toEqual(['RouteByStatus', 'UnderReview', 'AfterUnderReview', 'Approved']);
  });

  it('wakes an execution whose wake-up the stream gave up on, with the token from its history', async () => {
    const id = await inReview();
    await waitingIn(e2e.people.otto, id, 'UnderReview');
    // Step Functions refuses the relay's wake-up until the stream gives up on the record.
    const send = StepFunctionsWorkflow.prototype.sendTaskSuccess;
    const refused = vi.spyOn(StepFunctionsWorkflow.prototype, 'sendTaskSuccess').mockImplementation(function (
      this: StepFunctionsWorkflow,
      token: string,
      data: WorkflowData,
    ) {
      if (data.applicationId === id) return Promise.reject(new Error('ServiceUnavailable'));
      return send.call(this, token, data);
    });
    try {
      await e2e.people.rita.post(`/applications/${id}/actions/approve`, APPROVE);
      await eventually(async () => (refused.mock.calls.length >= 5 ? true : undefined), {
        what: 'five relay attempts',
      });
    } finally {
      refused.mockRestore();
    }
    const stuck = await waitingIn(e2e.people.otto, id, 'UnderReview');
    expect((await e2e.people.audrey.get(`/applications/${id}`)).body.status).toBe('APPROVED');

    clock.advanceBy(2 * 60_000);
    const { handler: reconcile } = await import('#handlers/reconciler.ts');
    expect(await reconcile()).toMatchObject({ woken: 1 });

    const done = await completion(e2e.people, id, 'APPROVED');
    expect(done.execution).toMatchObject({ status: 'SUCCEEDED', name: stuck.name });
    expect(done.states.slice(-3)).toEqual(['UnderReview', 'AfterUnderReview', 'Approved']);
  });
});
