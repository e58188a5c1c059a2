import createClient from 'openapi-fetch';
import { describe, expect, it } from 'vitest';
import type { paths } from '#handlers/api/openapi-types.ts';
import { mintToken } from '#local/jwt.ts';
import { eventually, useWorkflowStack } from '../support/stack.ts';

/**
 * The README walk-through (create → details → documents → submit → screening → claim → approve)
 * through a client typed by the generated `openapi-types.ts` (openapi-typescript from
 * `GET /openapi.json`) with openapi-fetch, against the full local stack: if the published contract
 * and the API disagree on a path, body or response, this fails to compile or to run.
 */
const e2e = useWorkflowStack('wfClient');

async function clientAs(sub: string, org: string, groups: string[]) {
  const token = await mintToken(e2e.stack.keys, { sub, org, groups });
  return createClient<paths>({ baseUrl: e2e.stack.url, headers: { authorization: `Bearer ${token}` } });
}

const PDF_BASE64 = Buffer.from('%PDF-1.7\n% sample\n').toString('base64');

describe('the generated OpenAPI client', () => {
  it('drives the README walk-through from a draft to an issued licence', async () => {
    const alice = await clientAs('alice', 'acme', ['applicant']);
    const rita = await clientAs('rita', 'authority', ['reviewer']);
    const audrey = await clientAs('audrey', 'authority', ['auditor']);

    // 1. A draft with some of the details.
    const draft = await alice.POST('/applications', {
      body: { exporter: { name: 'Baotou Magnets', country: 'CN' } },
    });
    expect(draft.response.status).toBe(201);
    const id = draft.data?.applicationId ?? '';
    const path = { id };

    // 2. The rest of the details, then the completeness check.
    const patched = await alice.PATCH('/applications/{id}', {
      params: { path },
      body: {
        goods: [
          {
            description: 'Sintered NdFeB magnets',
            element: 'DYSPROSIUM',
            form: 'MAGNET',
            controlCode: '1C999.a',
            quantityKg: 120.5,
            valueUsd: 250_000,
          },
        ],
        consignee: { name: 'Motorenwerk GmbH', country: 'DE', address: 'Industriestr. 1, Stuttgart' },
        endUser: {
          name: 'Motorenwerk GmbH',
          country: 'DE',
          address: 'Industriestr. 1, Stuttgart',
          type: 'COMMERCIAL',
        },
        endUse: { description: 'Traction motors for electric buses', military: false },
      },
    });
    expect(patched.response.status).toBe(200);
    const completed = await alice.POST('/applications/{id}/actions/complete-details', { params: { path } });
    expect(completed.data?.status).toBe('END_USER_DOCS');

    // 3. The three end-user documents.
    for (const type of ['CONTRACT', 'END_USER_CERTIFICATE', 'END_USE_STATEMENT'] as const) {
      const uploaded = await alice.POST('/applications/{id}/documents', {
        params: { path, header: { 'idempotency-key': `upload-${type}` } },
        body: { type, fileName: `${type}.pdf`, contentType: 'application/pdf', contentBase64: PDF_BASE64 },
      });
      expect(uploaded.response.status).toBe(201);
    }

    // 4. Submit; the workflow screens it into review.
    const submitted = await alice.POST('/applications/{id}/actions/submit', {
      params: { path },
      body: { declaration: { accurate: true, signedBy: 'Alice Compliance' } },
    });
    expect(submitted.data?.status).toBe('SUBMITTED');
    const screened = await eventually(
      async () => {
        const { data } = await alice.GET('/applications/{id}', { params: { path } });
        return data?.status === 'UNDER_REVIEW' ? data : undefined;
      },
      { what: `${id} to be screened into review` },
    );
    expect(screened.lane?.name).toBe('STANDARD');

    // 5. A reviewer claims it and approves: a licence is issued.
    expect((await rita.POST('/applications/{id}/actions/claim', { params: { path } })).response.status).toBe(
      200,
    );
    const approved = await rita.POST('/applications/{id}/actions/approve', {
      params: { path },
      body: { validityMonths: 12, conditions: ['No re-export without authorisation'] },
    });
    expect(approved.data?.status).toBe('APPROVED');
    expect(approved.data?.licence?.licenceNumber).toEqual(expect.any(String));

    // 6. The audit trail verifies.
    const verified = await audrey.GET('/applications/{id}/audit/verify', { params: { path } });
    expect(verified.data).toMatchObject({ valid: true });
  });
});
