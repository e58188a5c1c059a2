/**
 * Smoke test of a running stack through the REST API only (API.md): one application from draft to
 * an issued licence, then the audit chain verified. Works against AWS and against `npm start`.
 *
 *   npm run smoke -- --url <base URL> --applicant-token <jwt> --reviewer-token <jwt> \
 *     --auditor-token <jwt> [--senior-token <jwt>] [--timeout-seconds 180]
 *
 * Tokens may instead come from SMOKE_APPLICANT_TOKEN, SMOKE_REVIEWER_TOKEN, SMOKE_AUDITOR_TOKEN and
 * SMOKE_SENIOR_TOKEN (keeps them out of the process list). The senior token is needed only when the
 * approval goes to sign-off (a screening flag). Exit code 0 means every step passed.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const ApplicationSchema = z.looseObject({
  applicationId: z.string(),
  status: z.string(),
  version: z.number(),
  licence: z.looseObject({ licenceNumber: z.string() }).nullish(),
});
type Application = z.infer<typeof ApplicationSchema>;
const VerifySchema = z.looseObject({
  valid: z.boolean(),
  events: z.number().optional(),
  reason: z.string().optional(),
});

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'applicant-token': { type: 'string', default: process.env.SMOKE_APPLICANT_TOKEN },
    'reviewer-token': { type: 'string', default: process.env.SMOKE_REVIEWER_TOKEN },
    'auditor-token': { type: 'string', default: process.env.SMOKE_AUDITOR_TOKEN },
    'senior-token': { type: 'string', default: process.env.SMOKE_SENIOR_TOKEN },
    'timeout-seconds': { type: 'string', default: '180' },
  },
  strict: true,
});

function required(name: keyof typeof values): string {
  const value = values[name];
  if (!value) throw new Error(`--${name} is required (see the header of scripts/smoke.ts)`);
  return value;
}

const baseUrl = required('url').replace(/\/+$/, '');
const tokens = {
  applicant: required('applicant-token'),
  reviewer: required('reviewer-token'),
  auditor: required('auditor-token'),
};
const timeoutMs = Number(values['timeout-seconds']) * 1000;

async function call(
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['idempotency-key'] = randomUUID();
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    const requestId = response.headers.get('x-request-id') ?? response.headers.get('x-amzn-requestid');
    throw new Error(`${method} ${path} → ${response.status} (request ${requestId}): ${text.slice(0, 500)}`);
  }
  return text === '' ? undefined : JSON.parse(text);
}

const application = async (method: string, path: string, token: string, body?: unknown) =>
  ApplicationSchema.parse(await call(method, path, token, body));

function step(message: string): void {
  console.log(`✓ ${message}`);
}

function expectStatus(app: Application, expected: string): void {
  if (app.status !== expected) throw new Error(`expected status ${expected}, got ${app.status}`);
}

const pdf = (label: string) => Buffer.from(`%PDF-1.4\n% smoke test: ${label}\n%%EOF\n`).toString('base64');

async function waitForStatus(id: string, wanted: string[]): Promise<Application> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await application('GET', `/applications/${id}`, tokens.reviewer);
    if (wanted.includes(current.status)) return current;
    if (Date.now() > deadline) throw new Error(`still ${current.status} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const health = await call('GET', '/health', undefined);
  step(`health ${JSON.stringify(health)}`);

  const created = await application('POST', '/applications', tokens.applicant, {
    exporter: { name: 'Smoke Test Rare Earths Ltd', country: 'CN' },
    goods: [
      {
        description: 'Sintered NdFeB magnets with dysprosium',
        element: 'DYSPROSIUM',
        form: 'MAGNET',
        controlCode: 'SMOKE-1',
        quantityKg: 10,
        valueUsd: 25_000,
      },
    ],
  });
  const id = created.applicationId;
  const path = `/applications/${id}`;
  step(`create ${id}`);

  const party = { name: 'Smoke Test Motors GmbH', country: 'DE', address: '1 Teststrasse, Berlin' };
  await application('PATCH', path, tokens.applicant, {
    consignee: party,
    endUser: { ...party, type: 'COMMERCIAL' },
    endUse: { description: 'Electric motors for industrial pumps', military: false },
  });
  step('update details');

  for (const type of ['CONTRACT', 'END_USER_CERTIFICATE', 'END_USE_STATEMENT']) {
    await call('POST', `${path}/documents`, tokens.applicant, {
      type,
      fileName: `${type.toLowerCase()}.pdf`,
      contentType: 'application/pdf',
      contentBase64: pdf(type),
    });
  }
  step('add documents');

  expectStatus(
    await application('POST', `${path}/actions/complete-details`, tokens.applicant, {}),
    'END_USER_DOCS',
  );
  step('complete details');
  const submitted = await application('POST', `${path}/actions/submit`, tokens.applicant, {
    declaration: { accurate: true, signedBy: 'Smoke Test' },
  });
  expectStatus(submitted, 'SUBMITTED');
  step('submit');

  expectStatus(await waitForStatus(id, ['UNDER_REVIEW', 'PENDING_SIGN_OFF', 'DENIED']), 'UNDER_REVIEW');
  step('screening cleared by the workflow');

  await application('POST', `${path}/actions/claim`, tokens.reviewer, {});
  step('claim');
  const recommended = await application('POST', `${path}/actions/approve`, tokens.reviewer, {
    validityMonths: 12,
    conditions: ['Smoke test licence: no shipment'],
    note: 'Smoke test',
  });
  step(`approve → ${recommended.status}`);
  if (recommended.status === 'PENDING_SIGN_OFF') {
    const senior = values['senior-token'];
    if (!senior) throw new Error('the approval needs a sign-off: pass --senior-token');
    await application('POST', `${path}/actions/sign-off`, senior, { agree: true, note: 'Smoke test' });
    step('sign-off');
  }

  const approved = await application('GET', path, tokens.applicant);
  expectStatus(approved, 'APPROVED');
  if (!approved.licence?.licenceNumber) throw new Error('approved without a licence number');
  step(`licence ${approved.licence.licenceNumber}`);

  const verification = VerifySchema.parse(await call('GET', `${path}/audit/verify`, tokens.auditor));
  if (!verification.valid || verification.events !== approved.version) {
    throw new Error(`audit chain not valid: ${JSON.stringify(verification)}`);
  }
  step(`audit chain verified (${verification.events} events)`);
  console.log(`smoke test passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
