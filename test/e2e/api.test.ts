import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamodb.ts';
import { tableNamesFromEnv } from '#adapters/table-definitions.ts';
import { applySystemAction } from '#domain/applications/use-cases.ts';
import {
  type Caller,
  completeDetails,
  PDF_BASE64,
  PNG_BASE64,
  readyToSubmit,
  SUBMIT_BODY,
  startTestApi,
  type TestApi,
} from '../support/api.ts';

let api: TestApi;
let alice: Caller; // applicant, org acme
let bob: Caller; // applicant, org globex
let rita: Caller; // reviewer
let ravi: Caller; // reviewer
let sam: Caller; // senior reviewer
let audrey: Caller; // auditor
let otto: Caller; // operator

beforeAll(async () => {
  api = await startTestApi();
  alice = await api.as('alice', 'acme', ['applicant']);
  bob = await api.as('bob', 'globex', ['applicant']);
  rita = await api.as('rita', 'authority', ['reviewer']);
  ravi = await api.as('ravi', 'authority', ['reviewer']);
  sam = await api.as('sam', 'authority', ['senior-reviewer']);
  audrey = await api.as('audrey', 'authority', ['auditor']);
  otto = await api.as('otto', 'authority', ['operator']);
});
afterAll(() => api.stop());

/** Moves a submitted application past screening through the same domain and repository code. */
async function screenCleared(id: string): Promise<void> {
  const { deps } = await import('#handlers/api/request-context.ts');
  const outcome = { report: { listVersion: 'test' }, flags: [], recentApprovalForEndUser: false };
  await applySystemAction(deps, 'screen', id, 'screening-cleared', outcome, 'test');
}

async function submitted(details = completeDetails()): Promise<string> {
  const id = await readyToSubmit(alice, details);
  expect((await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY)).status).toBe(200);
  return id;
}

async function underReview(details = completeDetails()): Promise<string> {
  const id = await submitted(details);
  await screenCleared(id);
  return id;
}

describe('applicant path', () => {
  it('takes an application from a draft to SUBMITTED and starts the legal clock', async () => {
    const created = await alice.post('/applications', { exporter: { name: 'Acme Magnets', country: 'CN' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'DRAFT', version: 1, orgId: 'acme', createdBy: 'alice' });
    expect(created.body.allowedActions).toEqual(
      expect.arrayContaining(['update', 'add-document', 'complete-details', 'withdraw']),
    );
    const id = created.body.applicationId;

    const incomplete = await alice.post(`/applications/${id}/actions/complete-details`);
    expect(incomplete.status).toBe(422);
    expect(incomplete.body.error.code).toBe('INCOMPLETE');
    expect(incomplete.body.error.details.map((detail: { path: string }) => detail.path)).toContain('goods');

    const { exporter, ...rest } = completeDetails();
    const patched = await alice.patch(`/applications/${id}`, rest, { 'if-match': '"1"' });
    expect(patched.status).toBe(200);
    expect(patched.body.exporter).toEqual({ name: 'Acme Magnets', country: 'CN' });
    expect(patched.body.version).toBe(2);

    expect((await alice.post(`/applications/${id}/actions/complete-details`)).body.status).toBe(
      'END_USER_DOCS',
    );
    const missingDocs = await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
    expect(missingDocs.status).toBe(422);
    expect(
      missingDocs.body.error.details.map((detail: { documentType: string }) => detail.documentType),
    ).toEqual(['CONTRACT', 'END_USER_CERTIFICATE', 'END_USE_STATEMENT']);

    for (const type of ['CONTRACT', 'END_USER_CERTIFICATE', 'END_USE_STATEMENT']) {
      const upload = await alice.post(`/applications/${id}/documents`, {
        type,
        fileName: `${type}.pdf`,
        contentType: 'application/pdf',
        contentBase64: PDF_BASE64,
      });
      expect(upload.status).toBe(201);
      expect(upload.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const done = await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('SUBMITTED');
    expect(done.body.clock.startedAt).not.toBeNull();
    expect(done.body.clock.dueAt).not.toBeNull();
    expect(done.body.clock.workingDaysLimit).toBe(45);

    const read = await alice.get(`/applications/${id}`);
    expect(read.headers.get('etag')).toBe(`"${read.body.version}"`);
    const document = read.body.documents[0];
    const content = await alice.get(`/applications/${id}/documents/${document.documentId}`);
    expect(content.body.contentBase64).toBe(PDF_BASE64);
  });

  it('removes a document in END_USER_DOCS and keeps its record in the audit trail', async () => {
    const id = await readyToSubmit(alice);
    const before = await alice.get(`/applications/${id}`);
    const documentId = before.body.documents[0].documentId;
    const removed = await alice.delete(`/applications/${id}/documents/${documentId}`);
    expect(removed.status).toBe(200);
    expect(removed.body.documents).toHaveLength(2);
    const audit = await audrey.get(`/applications/${id}/audit`);
    const last = audit.body.items.at(-1);
    expect(last).toMatchObject({ action: 'remove-document', changes: { removed: { documentId } } });
  });

  it('lists the caller org applications newest first with cursor pagination', async () => {
    const carol = await api.as('carol', `org-${Date.now()}`, ['applicant']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await carol.post('/applications', {})).body.applicationId);
    const first = await carol.get('/applications?limit=2');
    expect(first.body.items.map((item: { applicationId: string }) => item.applicationId)).toEqual([
      ids[4],
      ids[3],
    ]);
    const second = await carol.get(`/applications?limit=2&cursor=${first.body.cursor}`);
    expect(second.body.items.map((item: { applicationId: string }) => item.applicationId)).toEqual([
      ids[2],
      ids[1],
    ]);
    const third = await carol.get(`/applications?limit=2&cursor=${second.body.cursor}`);
    expect(third.body.items.map((item: { applicationId: string }) => item.applicationId)).toEqual([ids[0]]);
    expect(third.body.cursor).toBeNull();
    expect((await carol.get('/applications?status=SUBMITTED')).body.items).toEqual([]);
  });

  it('refuses with 400 a cursor that belongs to another listing', async () => {
    const page = await audrey.get('/applications?limit=1');
    expect(page.body.cursor).toEqual(expect.any(String));
    const mixed = await audrey.get(`/applications?status=DRAFT&cursor=${page.body.cursor}`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.details[0].path).toBe('cursor');
    expect((await audrey.get('/applications?cursor=bm90LWEta2V5')).status).toBe(400);
  });
});

describe('review path', () => {
  it('lets an assigned reviewer request information, take the answer and approve with a licence', async () => {
    const id = await underReview();
    expect((await rita.get(`/applications/${id}`)).body.allowedActions).toEqual(['claim']);
    expect((await rita.post(`/applications/${id}/actions/claim`)).body.assignedTo).toBe('rita');
    expect((await ravi.post(`/applications/${id}/actions/claim`)).body.error.code).toBe('ALREADY_ASSIGNED');
    expect(
      (await ravi.post(`/applications/${id}/actions/approve`, { validityMonths: 12 })).body.error.code,
    ).toBe('NOT_ASSIGNED');

    const rfi = await rita.post(`/applications/${id}/actions/request-information`, {
      questions: ['Who maintains the motors?', 'Is re-export planned?'],
      dueInWorkingDays: 10,
    });
    expect(rfi.body).toMatchObject({ status: 'INFORMATION_REQUESTED', clock: { paused: true } });
    const wrongCount = await alice.post(`/applications/${id}/actions/respond`, { answers: ['Only one'] });
    expect(wrongCount.status).toBe(400);
    const answered = await alice.post(`/applications/${id}/actions/respond`, {
      answers: ['The buyer', 'No'],
    });
    expect(answered.body).toMatchObject({ status: 'UNDER_REVIEW', clock: { paused: false } });
    expect(answered.body.clock.pauses).toHaveLength(1);

    const approved = await rita.post(`/applications/${id}/actions/approve`, {
      validityMonths: 12,
      conditions: ['No re-export without authorisation'],
    });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('APPROVED');
    expect(approved.body.licence.licenceNumber).toMatch(/^EXL-\d{4}-\d{6}$/);
    expect(approved.body.licence.conditions).toEqual(['No re-export without authorisation']);
    expect(approved.body.clock.stoppedAt).not.toBeNull();
  });

  it('sends a high-value approval to sign-off and refuses a sign-off by the recommender', async () => {
    const details = completeDetails();
    details.goods[0] = { ...details.goods[0], valueUsd: 2_000_000 } as (typeof details.goods)[0];
    const id = await underReview(details);
    await sam.post(`/applications/${id}/actions/claim`);
    const recommended = await sam.post(`/applications/${id}/actions/approve`, { validityMonths: 6 });
    expect(recommended.body.status).toBe('PENDING_SIGN_OFF');
    const own = await sam.post(`/applications/${id}/actions/sign-off`, { agree: true });
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('SEPARATION_OF_DUTIES');
    const hidden = await alice.get(`/applications/${id}`);
    expect(hidden.body.recommendation).toBeNull();

    const sam2 = await api.as('sara', 'authority', ['senior-reviewer']);
    const signed = await sam2.post(`/applications/${id}/actions/sign-off`, { agree: true, note: 'Agreed' });
    expect(signed.body.status).toBe('APPROVED');
    expect(signed.body.decision).toMatchObject({ outcome: 'APPROVED', decidedBy: 'sara' });
    expect((await alice.get(`/applications/${id}`)).body.decision.decidedBy).toBe('senior-reviewer');
  });
});

describe('errors and their precedence', () => {
  it('answers 401 without a valid token and 403 for an applicant holding an authority role', async () => {
    expect((await api.anonymous().get('/applications')).status).toBe(401);
    const forged = await fetch(`${api.url}/applications`, { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('x-request-id')).toBeTruthy();
    const conflicted = await api.as('mallory', 'acme', ['applicant', 'reviewer']);
    const refused = await conflicted.get('/applications');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
  });

  it('answers 400 for malformed JSON, unknown fields, wrong content type and bad queries', async () => {
    const malformed = await alice.post('/applications', '{"exporter":', {});
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('VALIDATION_FAILED');
    const unknown = await alice.post('/applications', { colour: 'red' });
    expect(unknown.status).toBe(400);
    const wrongType = await alice.post('/applications', '{}', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(400);
    const badQuery = await alice.get('/applications?limit=1000');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details[0].path).toBe('limit');
    const id = (await alice.post('/applications', {})).body.applicationId;
    const polluting = await alice.patch(`/applications/${id}`, '{"endUse":{"__proto__":{"military":true}}}');
    expect(polluting.status).toBe(400);
    const badCountry = await alice.post('/applications', { exporter: { name: 'X', country: 'china' } });
    expect(badCountry.body.error.details[0].path).toBe('exporter.country');
  });

  it('refuses bodies declared in another charset or holding invalid UTF-8, and writes nothing', async () => {
    const ulla = await api.as('ulla', `charset-${Date.now()}`, ['applicant']);
    for (const charset of ['utf-16', 'UTF-16LE', 'iso-8859-1', '"latin1"']) {
      const refused = await ulla.post('/applications', '{}', {
        'content-type': `application/json; charset=${charset}`,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: 'Unsupported charset.',
      });
    }
    const utf8 = await ulla.post('/applications', '{}', {
      'content-type': 'application/json; charset="UTF-8"',
    });
    expect(utf8.status).toBe(201);
    const invalidBytes = [
      Buffer.concat([
        Buffer.from('{"exporter":{"name":"Ac'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('me"}}'),
      ]),
      Buffer.concat([Buffer.from('{"exporter":{"name":"'), Buffer.from([0xc3]), Buffer.from('"}}')]),
      Buffer.from('{"exporter":{"name":"\\ud800"}}'),
    ];
    for (const body of invalidBytes) {
      const response = await fetch(`${api.url}/applications`, {
        method: 'POST',
        headers: { authorization: ulla.authorization, 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(400);
      expect(JSON.parse(await response.text()).error).toMatchObject({
        message: 'The request body is not valid UTF-8.',
      });
    }
    expect((await ulla.get('/applications')).body.items).toHaveLength(1);
  });

  it('answers 404 for unknown routes and applications and 405 for a wrong method', async () => {
    expect((await alice.get('/nothing-here')).status).toBe(404);
    expect((await alice.get('/applications/app_00000000000000000000000000')).status).toBe(404);
    const wrongMethod = await alice.delete('/applications');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error.code).toBe('METHOD_NOT_ALLOWED');
    const id = (await alice.post('/applications', {})).body.applicationId;
    expect((await alice.post(`/applications/${id}/actions/fly`)).status).toBe(404);
    for (const inherited of ['constructor', 'toString', '__proto__']) {
      expect((await alice.post(`/applications/${id}/actions/${inherited}`)).status).toBe(404);
    }
  });

  it("hides another org's application behind 404 on every endpoint", async () => {
    const id = await readyToSubmit(alice);
    const documentId = (await alice.get(`/applications/${id}`)).body.documents[0].documentId;
    const responses = await Promise.all([
      bob.get(`/applications/${id}`),
      bob.patch(`/applications/${id}`, { endUse: { military: false } }),
      bob.post(`/applications/${id}/documents`, {
        type: 'OTHER',
        fileName: 'x.pdf',
        contentType: 'application/pdf',
        contentBase64: PDF_BASE64,
      }),
      bob.get(`/applications/${id}/documents/${documentId}`),
      bob.delete(`/applications/${id}/documents/${documentId}`),
      bob.post(`/applications/${id}/actions/withdraw`, { reason: 'not mine' }),
      bob.post(`/applications/${id}/actions/screening-cleared`),
      bob.get(`/applications/${id}/audit`),
      bob.get(`/applications/${id}/audit/verify`),
    ]);
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
    }
    expect(
      (await bob.get('/applications')).body.items.map((item: { orgId: string }) => item.orgId),
    ).not.toContain('acme');
  });

  it('keeps drafts private: 404 to reviewers until submitted', async () => {
    const id = (await alice.post('/applications', {})).body.applicationId;
    expect((await rita.get(`/applications/${id}`)).status).toBe(404);
    expect((await rita.get(`/applications/${id}/audit`)).status).toBe(404);
    expect((await audrey.get(`/applications/${id}`)).status).toBe(200);
  });

  it('answers 403 for a role that may never act and for system actions, before 409', async () => {
    const id = (await alice.post('/applications', {})).body.applicationId;
    const auditorAction = await audrey.post(`/applications/${id}/actions/withdraw`, { reason: 'x' });
    expect(auditorAction.status).toBe(403);
    const systemAction = await alice.post(`/applications/${id}/actions/abandon`);
    expect(systemAction.status).toBe(403);
    // Wrong role on a status where the action is invalid anyway: 403 wins over 409.
    expect((await alice.post(`/applications/${id}/actions/approve`, { validityMonths: 1 })).status).toBe(403);
  });

  it('answers 412 for a stale If-Match before 409 and 409 INVALID_TRANSITION with the allowed actions', async () => {
    const id = (await alice.post('/applications', {})).body.applicationId;
    const stale = await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('PRECONDITION_FAILED');
    const invalid = await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY, {
      'if-match': '"1"',
    });
    expect(invalid.status).toBe(409);
    expect(invalid.body.error).toMatchObject({
      code: 'INVALID_TRANSITION',
      details: [{ status: 'DRAFT', allowedActions: expect.arrayContaining(['update', 'withdraw']) }],
    });
  });

  it('answers 413 naming the 3 MiB document limit and the size received, and accepts exactly 3 MiB', async () => {
    const id = (await alice.post('/applications', {})).body.applicationId;
    const pdfOf = (bytes: number) => {
      const content = Buffer.alloc(bytes, 0x20);
      content.write('%PDF-', 0);
      return {
        type: 'CONTRACT',
        fileName: 'big.pdf',
        contentType: 'application/pdf',
        contentBase64: content.toString('base64'),
      };
    };
    const exact = await alice.post(`/applications/${id}/documents`, pdfOf(3 * 1024 * 1024));
    expect(exact.status).toBe(201);
    expect(exact.body.sizeBytes).toBe(3 * 1024 * 1024);
    const over = await alice.post(`/applications/${id}/documents`, pdfOf(3 * 1024 * 1024 + 1));
    expect(over.status).toBe(413);
    expect(over.body.error.message).toBe(
      'A document may be at most 3 MiB (3145728 bytes) once decoded; this one is 3145729 bytes.',
    );
    const farOver = await alice.post(`/applications/${id}/documents`, pdfOf(5 * 1024 * 1024));
    expect(farOver.status).toBe(413);
    expect(farOver.body.error.message).toMatch(/at most 3 MiB \(3145728 bytes\).*about 524\d{4} bytes/);
    expect((await alice.get(`/applications/${id}`)).body.documents).toHaveLength(1);
  });

  it('answers 413 for oversized bodies and 415 for content that is not pdf/png/jpeg', async () => {
    const id = (await alice.post('/applications', {})).body.applicationId;
    const body = await alice.patch(`/applications/${id}`, `{"padding":"${'x'.repeat(4 * 1024 * 1024)}"}`);
    expect(body.status).toBe(413);
    expect(body.body.error.message).toMatch(/at most 4194304 bytes; this one is 4194318 bytes/);
    const disguised = await alice.post(`/applications/${id}/documents`, {
      type: 'CONTRACT',
      fileName: 'evil.pdf',
      contentType: 'application/pdf',
      contentBase64: Buffer.from('MZ\x90\x00 not a pdf').toString('base64'),
    });
    expect(disguised.status).toBe(415);
    const mislabelled = await alice.post(`/applications/${id}/documents`, {
      type: 'CONTRACT',
      fileName: 'image.pdf',
      contentType: 'application/pdf',
      contentBase64: PNG_BASE64,
    });
    expect(mislabelled.status).toBe(415);
    expect((await alice.get(`/applications/${id}`)).body.documents).toEqual([]);
  });

  it('replays an idempotent request and refuses the same key with another body', async () => {
    const headers = { 'idempotency-key': `create-${Date.now()}` };
    const first = await alice.post('/applications', { exporter: { name: 'Once', country: 'CN' } }, headers);
    const again = await alice.post('/applications', { exporter: { name: 'Once', country: 'CN' } }, headers);
    expect(again.status).toBe(201);
    expect(again.body.applicationId).toBe(first.body.applicationId);
    const reused = await alice.post('/applications', { exporter: { name: 'Twice', country: 'CN' } }, headers);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const list = await alice.get('/applications?limit=100');
    const named = list.body.items.filter(
      (item: { exporter?: { name: string } }) => item.exporter?.name === 'Once',
    );
    expect(named).toHaveLength(1);
  });

  it('carries x-request-id on every response', async () => {
    for (const response of [
      await alice.get('/applications'),
      await alice.get('/nope'),
      await api.anonymous().get('/health'),
    ]) {
      expect(response.headers.get('x-request-id')).toMatch(/.+/);
    }
  });
});

describe('views', () => {
  it('warns at complete-details that military end users are not approved, and still moves on', async () => {
    const details = completeDetails();
    const created = await alice.post('/applications', {
      ...details,
      endUser: { ...details.endUser, type: 'MILITARY' },
    });
    const completed = await alice.post(
      `/applications/${created.body.applicationId}/actions/complete-details`,
    );
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({
      status: 'END_USER_DOCS',
      warnings: [
        { code: 'MILITARY_END_USE', path: 'endUser.type', message: expect.stringMatching(/not approved/) },
      ],
    });
    const civil = await alice.post('/applications', details);
    const plain = await alice.post(`/applications/${civil.body.applicationId}/actions/complete-details`);
    expect(plain.body).not.toHaveProperty('warnings');
  });

  it('shows the returned recommendation and its note to reviewers only, and the clock verdict to all', async () => {
    const id = await underReview();
    await rita.post(`/applications/${id}/actions/claim`);
    await rita.post(`/applications/${id}/actions/deny`, { reasons: ['OTHER'], note: 'Unclear end use.' });
    await sam.post(`/applications/${id}/actions/sign-off`, {
      agree: false,
      note: 'Ask the applicant first.',
    });
    const reviewerView = (await rita.get(`/applications/${id}`)).body;
    expect(reviewerView.lastReturn).toMatchObject({
      note: 'Ask the applicant first.',
      returnedBy: 'sam',
      recommendation: { outcome: 'DENIED', note: 'Unclear end use.' },
    });
    const applicantView = (await alice.get(`/applications/${id}`)).body;
    expect(applicantView.lastReturn).toBeNull();
    expect(applicantView.clock).toMatchObject({ overdue: false, workingDaysLeft: 45 });
  });

  it('shows the applicant authority actors by role and hides internal notes and screening details', async () => {
    const id = await submitted();
    const { deps } = await import('#handlers/api/request-context.ts');
    await applySystemAction(
      deps,
      'screen',
      id,
      'screening-cleared',
      {
        report: { listVersion: 'v1', scores: [0.93] },
        flags: ['POTENTIAL_DENIED_PARTY_MATCH'],
        recentApprovalForEndUser: false,
      },
      'test',
    );
    await rita.post(`/applications/${id}/actions/claim`);
    await rita.post(`/applications/${id}/actions/deny`, {
      reasons: ['RISK_OF_DIVERSION'],
      note: 'internal: shell company',
    });

    const applicantView = (await alice.get(`/applications/${id}`)).body;
    expect(applicantView.assignedTo).toBe('reviewer');
    expect(applicantView.recommendation).toBeNull();
    expect(applicantView.flags).toEqual([]);
    expect(applicantView.lane).toEqual({
      name: 'ENHANCED',
      reason: 'Additional checks apply to this application.',
    });
    const reviewerView = (await rita.get(`/applications/${id}`)).body;
    expect(reviewerView.recommendation.note).toBe('internal: shell company');
    expect(reviewerView.flags[0].code).toBe('POTENTIAL_DENIED_PARTY_MATCH');

    const audit = (await alice.get(`/applications/${id}/audit`)).body.items;
    const serialised = JSON.stringify(audit);
    expect(serialised).not.toContain('rita');
    expect(serialised).not.toContain('shell company');
    expect(serialised).not.toContain('scores');
    expect(audit.find((event: { action: string }) => event.action === 'claim').actor).toEqual({
      kind: 'user',
      role: 'reviewer',
    });
    for (const event of audit) expect(event.hash).toMatch(/^[0-9a-f]{64}$/);

    const operatorView = (await otto.get(`/applications/${id}`)).body;
    expect(operatorView.goods[0].valueUsd).toBeUndefined();
    expect(
      (await otto.get(`/applications/${id}/documents/${operatorView.documents[0].documentId}`)).status,
    ).toBe(403);
  });
});

describe('audit chain', () => {
  it('verifies a chain written through DynamoDB and detects a rewritten event', async () => {
    const id = await underReview();
    const verified = await audrey.get(`/applications/${id}/audit/verify`);
    const application = (await audrey.get(`/applications/${id}`)).body;
    expect(verified.body).toEqual({ valid: true, events: application.version, headHash: expect.any(String) });
    expect((await alice.get(`/applications/${id}/audit/verify`)).status).toBe(403);

    const events = (await audrey.get(`/applications/${id}/audit`)).body.items;
    const tampered = { ...events[2], changes: { ...events[2].changes, forged: true } };
    await documentClient.send(new PutCommand({ TableName: tableNamesFromEnv().auditEvents, Item: tampered }));
    const broken = await otto.get(`/applications/${id}/audit/verify`);
    expect(broken.body).toMatchObject({ valid: false, brokenAt: 3 });
  });
});
