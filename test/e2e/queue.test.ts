import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, startTestApi, type TestApi, underReviewViaApi, useOwnTables } from '../support/api.ts';

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

describe('GET /queue over HTTP', () => {
  it('is for reviewers and senior reviewers only: 403 for applicants and operators, 401 without a token', async () => {
    expect((await alice.get('/queue')).body.error.code).toBe('FORBIDDEN');
    expect((await otto.get('/queue')).status).toBe(403);
    expect((await api.anonymous().get('/queue')).status).toBe(401);
    expect((await rita.get('/queue')).status).toBe(200);
    expect((await sam.get('/queue?lane=STANDARD&assigned=none&limit=5')).status).toBe(200);
  });

  it('lists a case under review with its lane, clock and countries, and refuses bad queries with 400', async () => {
    const id = await underReviewViaApi(alice);
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
    await underReviewViaApi(alice);
    const claimed = await sam.post('/queue/claim-next', {});
    expect(claimed.status).toBe(200);
    expect(claimed.body.assignedTo).toBe('sam-queue');
    expect(claimed.body.status).toBe('UNDER_REVIEW');
    expect((await alice.post('/queue/claim-next', {})).status).toBe(403);
    expect((await otto.post('/queue/claim-next', {})).status).toBe(403);
    expect((await sam.post('/queue/claim-next', { extra: 1 })).status).toBe(400);
  });
});
