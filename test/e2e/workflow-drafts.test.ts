import { describe, expect, it } from 'vitest';
import { clock } from '#adapters/clock.ts';
import { completeDetails, readyToSubmit, SUBMIT_BODY } from '../support/api.ts';
import {
  completion,
  eventually,
  statesVisited,
  statusReached,
  useWorkflowStack,
  waitingIn,
} from '../support/stack.ts';

/** Drafts and their abandonment timer, and withdrawal from every waiting step. */
const e2e = useWorkflowStack('wfDrafts');

const DAY_MS = 86_400_000;

async function draft(): Promise<string> {
  const created = await e2e.people.alice.post('/applications', completeDetails());
  expect(created.status).toBe(201);
  return created.body.applicationId;
}

/** An application waiting in the human step of `status`, reached through the API. */
async function waitingAt(status: string): Promise<{ id: string; state: string }> {
  const { alice, rita, otto } = e2e.people;
  if (status === 'DRAFT') {
    const id = await draft();
    return { id, state: (await waitingIn(otto, id, 'Draft')).currentState ?? '' };
  }
  const id = await readyToSubmit(alice);
  if (status === 'END_USER_DOCS')
    return { id, state: (await waitingIn(otto, id, 'EndUserDocs')).currentState ?? '' };
  await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
  await statusReached(e2e.people.audrey, id, 'UNDER_REVIEW');
  if (status === 'UNDER_REVIEW')
    return { id, state: (await waitingIn(otto, id, 'UnderReview')).currentState ?? '' };
  await rita.post(`/applications/${id}/actions/claim`);
  if (status === 'INFORMATION_REQUESTED') {
    await rita.post(`/applications/${id}/actions/request-information`, {
      questions: ['Why?'],
      dueInWorkingDays: 5,
    });
    return { id, state: (await waitingIn(otto, id, 'InformationRequested')).currentState ?? '' };
  }
  await rita.post(`/applications/${id}/actions/deny`, { reasons: ['OTHER'] });
  return { id, state: (await waitingIn(otto, id, 'PendingSignOff')).currentState ?? '' };
}

describe.concurrent('workflow: withdrawal', () => {
  it.each(['DRAFT', 'END_USER_DOCS', 'UNDER_REVIEW', 'INFORMATION_REQUESTED', 'PENDING_SIGN_OFF'])(
    'ends the execution when the applicant withdraws in %s',
    async (status) => {
      const { id, state } = await waitingAt(status);
      const withdrawn = await e2e.people.alice.post(`/applications/${id}/actions/withdraw`, {
        reason: 'Not needed.',
      });
      expect(withdrawn.body.status).toBe('WITHDRAWN');

      const done = await completion(e2e.people, id, 'WITHDRAWN');
      expect(done.execution.status).toBe('SUCCEEDED');
      expect(done.states.slice(-3)).toEqual([state, `After${state}`, 'Withdrawn']);
    },
  );
});

describe('workflow: draft abandonment', () => {
  it('abandons a draft after 90 days without activity', async () => {
    const id = await draft();
    await waitingIn(e2e.people.otto, id, 'Draft');
    clock.advanceBy(91 * DAY_MS);

    const done = await completion(e2e.people, id, 'ABANDONED');
    expect(done.execution.status).toBe('SUCCEEDED');
    expect(done.audit.at(-1)).toMatchObject({
      action: 'abandon',
      actor: { kind: 'system', sub: 'system:system-transition' },
      fromStatus: 'DRAFT',
    });
    expect(done.states).toEqual(['RouteByStatus', 'Draft', 'AbandonDraft', 'AfterAbandonTimer', 'Abandoned']);
  });

  it('re-arms the timer for the remainder after recent activity, and abandons only 90 days after it', async () => {
    const id = await draft();
    await waitingIn(e2e.people.otto, id, 'Draft');
    clock.advanceBy(60 * DAY_MS);
    const patch = await e2e.people.alice.patch(`/applications/${id}`, {
      endUse: { description: 'Wind turbines' },
    });
    expect(patch.status).toBe(200);
    clock.advanceBy(31 * DAY_MS);

    // The timer armed at creation fires; the domain answers "not yet" and the step waits again.
    const states = await eventually(
      async () => {
        const visited = await statesVisited(e2e.people.otto, id);
        return visited.at(-1) === 'Draft' && visited.includes('AbandonDraft') ? visited : undefined;
      },
      { what: 'the draft step to wait again' },
    );
    expect(states).toEqual(['RouteByStatus', 'Draft', 'AbandonDraft', 'AfterAbandonTimer', 'Draft']);
    expect((await e2e.people.alice.get(`/applications/${id}`)).body.status).toBe('DRAFT');

    clock.advanceBy(60 * DAY_MS);
    const done = await completion(e2e.people, id, 'ABANDONED');
    expect(done.execution.status).toBe('SUCCEEDED');
    expect(done.audit.filter((event) => event.action === 'abandon')).toHaveLength(1);
  });
});
