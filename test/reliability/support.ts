import { expect } from 'vitest';
import { applySystemAction } from '#domain/applications/use-cases.ts';
import {
  type ApiResponse,
  type Caller,
  completeDetails,
  PDF_BASE64,
  readyToSubmit,
  SUBMIT_BODY,
  type TestApi,
} from '../support/api.ts';
import type { Ledger } from './ledger.ts';

/** People of the reliability suite, all on one test API. */
export interface People {
  alice: Caller; // applicant, acme
  bob: Caller; // applicant, globex
  rita: Caller; // reviewer
  ravi: Caller; // reviewer
  sam: Caller; // senior reviewer
  sara: Caller; // senior reviewer
  audrey: Caller; // auditor
  otto: Caller; // operator
}

export async function people(api: Pick<TestApi, 'as'>, org = 'acme'): Promise<People> {
  return {
    alice: await api.as('alice', org, ['applicant']),
    bob: await api.as('bob', `${org}-other`, ['applicant']),
    rita: await api.as('rita', 'authority', ['reviewer']),
    ravi: await api.as('ravi', 'authority', ['reviewer']),
    sam: await api.as('sam', 'authority', ['senior-reviewer']),
    sara: await api.as('sara', 'authority', ['senior-reviewer']),
    audrey: await api.as('audrey', 'authority', ['auditor']),
    otto: await api.as('otto', 'authority', ['operator']),
  };
}

/** A caller whose every answer is counted in the ledger. */
export function counted(caller: Caller, figures: Ledger): Caller {
  const count = async (response: Promise<ApiResponse>) => {
    const answer = await response;
    figures.answer(answer.status);
    return answer;
  };
  return {
    authorization: caller.authorization,
    get: (path, headers) => count(caller.get(path, headers)),
    post: (path, body, headers) => count(caller.post(path, body, headers)),
    patch: (path, body, headers) => count(caller.patch(path, body, headers)),
    delete: (path, headers) => count(caller.delete(path, headers)),
  };
}

export function countedPeople(all: People, figures: Ledger): People {
  return Object.fromEntries(
    Object.entries(all).map(([name, caller]) => [name, counted(caller, figures)]),
  ) as unknown as People;
}

export const HIGH_VALUE = completeDetails({
  goods: [
    {
      description: 'Sintered NdFeB magnets with dysprosium',
      element: 'DYSPROSIUM',
      form: 'MAGNET',
      controlCode: '1C999.a',
      quantityKg: 4_000,
      valueUsd: 5_000_000,
    },
  ],
});

export const UPLOAD = {
  type: 'OTHER',
  fileName: 'extra.pdf',
  contentType: 'application/pdf',
  contentBase64: PDF_BASE64,
};
export const APPROVE = { validityMonths: 12 };
export const QUESTIONS = { questions: ['Who is the end user?'], dueInWorkingDays: 10 };
export const ANSWERS = { answers: ['Motorenwerk GmbH'] };
export const WITHDRAW = { reason: 'No longer needed' };
export const SIGN_OFF = { agree: true };
/** A valid body for each action that takes one (reassign hands the case to ravi). */
export const ACTION_BODIES: Record<string, unknown> = {
  update: { endUse: { description: 'Wind turbines', military: false } },
  'add-document': UPLOAD,
  submit: SUBMIT_BODY,
  reassign: { to: 'ravi' },
  'request-information': QUESTIONS,
  respond: ANSWERS,
  approve: APPROVE,
  deny: { reasons: ['OTHER'] },
  'sign-off': SIGN_OFF,
  withdraw: WITHDRAW,
};

/** Screening outcome "cleared", applied through the same domain and repository code as the workflow. */
export async function screenCleared(id: string): Promise<void> {
  const { deps } = await import('#handlers/api/request-context.ts');
  const outcome = { report: { listVersion: 'test' }, flags: [], recentApprovalForEndUser: false };
  await applySystemAction(deps, 'screen', id, 'screening-cleared', outcome, 'reliability');
}

function ok(response: ApiResponse, what: string): ApiResponse {
  if (response.status >= 300) throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
  return response;
}

/** Takes a fresh application of alice's to `status` over HTTP (screening through the domain). */
export async function applicationIn(
  p: People,
  status: 'DRAFT' | 'END_USER_DOCS' | 'UNDER_REVIEW' | 'INFORMATION_REQUESTED' | 'PENDING_SIGN_OFF',
  { claimedBy = p.rita as Caller | null, details = completeDetails() } = {},
): Promise<string> {
  if (status === 'DRAFT')
    return ok(await p.alice.post('/applications', details), 'create').body.applicationId;
  const id = await readyToSubmit(p.alice, status === 'PENDING_SIGN_OFF' ? HIGH_VALUE : details);
  if (status === 'END_USER_DOCS') return id;
  ok(await p.alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY), 'submit');
  await screenCleared(id);
  if (status === 'UNDER_REVIEW' && claimedBy === null) return id;
  ok(await p.rita.post(`/applications/${id}/actions/claim`), 'claim');
  if (status === 'INFORMATION_REQUESTED') {
    ok(
      await p.rita.post(`/applications/${id}/actions/request-information`, QUESTIONS),
      'request-information',
    );
  }
  if (status === 'PENDING_SIGN_OFF')
    ok(await p.rita.post(`/applications/${id}/actions/approve`, APPROVE), 'approve');
  return id;
}

/** The API.md error shape. */
export function isErrorShape(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const { error } = body as { error: unknown };
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, details } = error as Record<string, unknown>;
  return (
    typeof code === 'string' &&
    /^[A-Z_]+$/.test(code) &&
    typeof message === 'string' &&
    Array.isArray(details)
  );
}

/**
 * The stored invariants of one application, read as the auditor: seq 1..n without gaps,
 * `version` = number of events, and `verify` valid. Each is counted in the ledger.
 */
export async function expectIntact(
  p: People,
  id: string,
  figures: Ledger,
): Promise<{ status: string; body: Record<string, unknown> }> {
  const [application, audit, verify] = await Promise.all([
    p.audrey.get(`/applications/${id}`),
    p.audrey.get(`/applications/${id}/audit`),
    p.audrey.get(`/applications/${id}/audit/verify`),
  ]);
  const seqs: number[] = audit.body.items.map((event: { seq: number }) => event.seq);
  const contiguous = seqs.every((seq, index) => seq === index + 1);
  expect(figures.check(contiguous), `${id}: audit seqs ${seqs.join(',')}`).toBe(true);
  expect(figures.check(application.body.version === seqs.length), `${id}: version vs events`).toBe(true);
  expect(figures.check(verify.body.valid === true), `${id}: verify ${JSON.stringify(verify.body)}`).toBe(
    true,
  );
  return { status: application.body.status, body: application.body };
}
