import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySystemAction } from '#domain/applications/use-cases.ts';
import {
  type Caller,
  readyToSubmit,
  SUBMIT_BODY,
  startTestApi,
  type TestApi,
  useOwnTables,
} from '../support/api.ts';

let api: TestApi;
let alice: Caller;
let rita: Caller;
let sam: Caller;
let otto: Caller;

beforeAll(async () => {
  await useOwnTables('e2eq');
  api = await startTestApi();
  alice = await api.as('alice', 'acme', ['applicant']);
  rita = await api.as('rita-queue', 'authority', ['reviewer']);
  sam = await api.as('sam-queue', 'authority', ['senior-reviewer']);
  otto = await api.as('otto', 'authority', ['operator']);
});
afterAll(() => api.stop());

async function underReview(): Promise<string> {
  const id = await readyToSubmit(alice);
  expect((await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY)).status).toBe(200);
  const { deps } = await import('#handlers/api/routes.ts');
  const outcome = { report: { listVersion: 'test' }, flags: [], recentApprovalForEndUser: false };
  await applySystemAction(deps, 'screen', id, 'screening-cleared', outcome, 'test');
  return id;
}

describe('GET /queue over HTTP', () => {
  it('is for reviewers and senior reviewers only: 403 for applicants and operators, 401 without a token', async () => {
    expect((await alice.get('/queue')).body.error.code).toBe('FORBIDDEN');
    expect((await otto.get('/queue')).status).toBe(403);
    expect((await api.anonymous().get('/queue')).status).toBe(401);
    expect((await rita.get('/queue')).status).toBe(200);
    expect((await sam.get('/queue?lane=STANDARD&assigned=none&limit=5')).status).toBe(200);
  });

  it('lists a case under review with its lane, clock and countries, and refuses bad queries with 400', async () => {
    const id = await underReview();
    const claimed = await rita.post(`/applications/${id}/actions/claim`, {});
    expect(claimed.status).toBe(200);
    const page = await rita.get('/queue?assigned=me&limit=100');
    expect(page.status).toBe(200);
    expect(page.body.items.find((item: { applicationId: string }) => item.applicationId === id)).toEqual({
      applicationId: id,
      status: 'UNDER_REVIEW',
      lane: { name: 'STANDARD', reason: expect.any(String) },
      dueAt: expect.any(String),
      nearDue: false,
      workingDaysElapsed: expect.any(Number),
      workingDaysLeft: expect.any(Number),
      paused: false,
      assignedTo: 'rita-queue',
      flags: [],
      exporterCountry: 'CN',
      endUserCountry: 'DE',
    });
    expect((await rita.get('/queue?lane=FAST')).status).toBe(400);
    expect((await rita.get('/queue?cursor=not-a-cursor')).body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('POST /queue/claim-next over HTTP', () => {
  it('assigns the caller a case, refuses applicants and operators', async () => {
    await underReview();
    const claimed = await sam.post('/queue/claim-next', {});
    expect(claimed.status).toBe(200);
    expect(claimed.body.assignedTo).toBe('sam-queue');
    expect(claimed.body.status).toBe('UNDER_REVIEW');
    expect((await alice.post('/queue/claim-next', {})).status).toBe(403);
    expect((await otto.post('/queue/claim-next', {})).status).toBe(403);
    expect((await sam.post('/queue/claim-next', { extra: 1 })).status).toBe(400);
  });
});
