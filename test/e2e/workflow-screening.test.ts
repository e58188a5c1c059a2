import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeDetails, readyToSubmit, SUBMIT_BODY } from '../support/api.ts';
import {
  completion,
  executionReached,
  inOrder,
  statusReached,
  submittedStepByStep,
  useWorkflowStack,
  waitingIn,
} from '../support/stack.ts';

/** Screening in the workflow, against data/denied-parties.json (fictional entities). */
const e2e = useWorkflowStack('wfScreening');

const APPROVE = { validityMonths: 12, conditions: [] };
const party = (name: string, country: string) => ({ name, country, address: '1 Harbour Road' });

async function submitted(details: ReturnType<typeof completeDetails>): Promise<string> {
  const id = await readyToSubmit(e2e.people.alice, details);
  expect((await e2e.people.alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY)).status).toBe(200);
  return id;
}

describe('workflow: screening', () => {
  it('refuses a military end user by published policy, without a person', async () => {
    const id = await submittedStepByStep(
      e2e.people,
      completeDetails({ endUser: { ...party('Ministry of Defence Procurement', 'DE'), type: 'MILITARY' } }),
    );
    const done = await completion(e2e.people, id, 'DENIED');
    expect(done.execution.status).toBe('SUCCEEDED');
    expect(done.application.decision).toMatchObject({ reasons: ['MILITARY_END_USE'] });
    expect(done.audit.at(-1)).toMatchObject({ action: 'screening-refused', actor: { sub: 'system:screen' } });
    expect(done.states).toEqual([
      'RouteByStatus',
      'Draft',
      'AfterDraft',
      'EndUserDocs',
      'AfterEndUserDocs',
      'Screening',
      'AfterScreening',
      'Denied',
    ]);
  });

  it('sends an exact denied-party match to a senior reviewer with a recommendation to deny', async () => {
    const listed = party('CRIMSON LOTUS TRADING LIMITED', 'HK');
    const id = await submitted(
      completeDetails({ consignee: listed, endUser: { ...listed, type: 'COMMERCIAL' } }),
    );
    const pending = await statusReached(e2e.people.audrey, id, 'PENDING_SIGN_OFF');
    expect(pending.recommendation).toMatchObject({
      outcome: 'DENIED',
      reasons: ['DENIED_PARTY'],
      recommendedBy: 'system:screen',
    });
    expect(pending.flags).toContainEqual(
      expect.objectContaining({ code: 'DENIED_PARTY_MATCH', source: 'screening' }),
    );
    await waitingIn(e2e.people.otto, id, 'PendingSignOff');
    expect((await e2e.people.sam.post(`/applications/${id}/actions/sign-off`, { agree: true })).status).toBe(
      200,
    );

    const done = await completion(e2e.people, id, 'DENIED');
    expect(done.execution.status).toBe('SUCCEEDED');
    const screening = done.audit.find((event) => event.action === 'screening-matched') as unknown as {
      changes: {
        screening: {
          listVersion: string;
          parties: Array<{ role: string; match: { exact: boolean } | null }>;
        };
      };
    };
    expect(screening.changes.screening.listVersion).toBe('2025-06-01.1');
    expect(screening.changes.screening.parties).toContainEqual(
      expect.objectContaining({ role: 'endUser', match: expect.objectContaining({ exact: true, score: 1 }) }),
    );
    expect(inOrder(done.states, ['Screening', 'AfterScreening', 'PendingSignOff', 'Denied'])).toBe(true);
  });

  it('flags a close denied-party match for the reviewer, and the approval then needs a sign-off', async () => {
    const nearly = party('Crimson Lotos Trading', 'HK');
    const id = await submitted(
      completeDetails({ consignee: nearly, endUser: { ...nearly, type: 'COMMERCIAL' } }),
    );
    const review = await statusReached(e2e.people.audrey, id, 'UNDER_REVIEW');
    expect(review.flags).toContainEqual(
      expect.objectContaining({ code: 'POTENTIAL_DENIED_PARTY_MATCH', source: 'screening' }),
    );
    expect(review.lane.name).toBe('ENHANCED');
    await waitingIn(e2e.people.otto, id, 'UnderReview');
    await e2e.people.rita.post(`/applications/${id}/actions/claim`);
    const approve = await e2e.people.rita.post(`/applications/${id}/actions/approve`, APPROVE);
    expect(approve.body.status).toBe('PENDING_SIGN_OFF');
    await e2e.people.sam.post(`/applications/${id}/actions/sign-off`, { agree: true });

    const done = await completion(e2e.people, id, 'APPROVED');
    expect(done.execution.status).toBe('SUCCEEDED');
    expect(inOrder(done.states, ['Screening', 'UnderReview', 'PendingSignOff', 'Approved'])).toBe(true);
  });

  it('puts a repeat end user of the org in the EXPEDITED lane once a licence was approved for it', async () => {
    const endUser = { ...party('Nordic Motor Works AB', 'SE'), type: 'COMMERCIAL' as const };
    const details = completeDetails({ consignee: party('Nordic Motor Works AB', 'SE'), endUser });
    const first = await submitted(details);
    expect((await statusReached(e2e.people.audrey, first, 'UNDER_REVIEW')).lane.name).toBe('STANDARD');
    await e2e.people.rita.post(`/applications/${first}/actions/claim`);
    await e2e.people.rita.post(`/applications/${first}/actions/approve`, APPROVE);
    await statusReached(e2e.people.audrey, first, 'APPROVED');

    const second = await submitted(details);
    expect((await statusReached(e2e.people.audrey, second, 'UNDER_REVIEW')).lane.name).toBe('EXPEDITED');
  });
});

describe.concurrent('workflow: when screening cannot run', () => {
  let corruptDir: string;

  beforeAll(async () => {
    corruptDir = await mkdtemp(join(tmpdir(), 'corrupt-list-'));
    const file = join(corruptDir, 'denied-parties.json');
    await writeFile(file, '{"version": "broken", "parties": [');
    process.env.DENIED_PARTY_LIST_FILE = file;
  });
  afterAll(async () => {
    delete process.env.DENIED_PARTY_LIST_FILE;
    await rm(corruptDir, { recursive: true, force: true });
  });

  it('routes to an enhanced review with sign-off after the retries', async () => {
    const id = await submitted(completeDetails());
    const review = await statusReached(e2e.people.audrey, id, 'UNDER_REVIEW', 30_000);
    expect(review.flags).toContainEqual(
      expect.objectContaining({ code: 'SCREENING_ERROR', source: 'screening' }),
    );
    expect(review.lane.name).toBe('ENHANCED');
    await e2e.people.ravi.post(`/applications/${id}/actions/claim`);
    expect((await e2e.people.ravi.post(`/applications/${id}/actions/approve`, APPROVE)).body.status).toBe(
      'PENDING_SIGN_OFF',
    );
    await e2e.people.sue.post(`/applications/${id}/actions/sign-off`, { agree: true });

    const done = await completion(e2e.people, id, 'APPROVED');
    expect(done.execution.status).toBe('SUCCEEDED');
    expect(done.audit).toContainEqual(
      expect.objectContaining({
        action: 'screening-failed',
        actor: { kind: 'system', sub: 'system:system-transition' },
      }),
    );
    expect(
      inOrder(done.states, ['Screening', 'ScreeningFailed', 'AfterScreeningFailed', 'UnderReview']),
    ).toBe(true);
  });

  it('lets the applicant withdraw while screening is under way', async () => {
    const id = await submitted(completeDetails());
    await executionReached(
      e2e.people.otto,
      id,
      (execution) => execution.currentState === 'Screening',
      'screening',
    );
    const withdrawn = await e2e.people.alice.post(`/applications/${id}/actions/withdraw`, {
      reason: 'Order cancelled.',
    });
    expect(withdrawn.body.status).toBe('WITHDRAWN');

    const done = await completion(e2e.people, id, 'WITHDRAWN');
    expect(done.execution.status).toBe('SUCCEEDED');
    // The next retry finds the application withdrawn and answers its status without screening.
    expect(done.audit.map((event) => event.action)).not.toContain('screening-failed');
    expect(done.states.slice(-3)).toEqual(['Screening', 'AfterScreening', 'Withdrawn']);
  });
});
