/**
 * A few applications in different states, made through the REST API as the demo users would (for
 * the screenshots): a draft, one with documents, one under review, one waiting for information and
 * one approved with its licence.
 */
import {
  type Caller,
  caller,
  completeDetails,
  readyToSubmit,
  SUBMIT_BODY,
  uploadRequiredDocuments,
} from '../test/support/api.ts';

type Mint = (sub: string, org: string, groups: string[]) => Promise<string>;

export interface Seeded {
  users: Record<string, Caller>;
  draft: string;
  documents: string;
  underReview: string;
  informationRequested: string;
  approved: string;
  licenceNumber: string | null;
}

async function statusOf(reader: Caller, id: string, status: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await reader.get(`/applications/${id}`);
    if (body?.status === status) return body;
    if (Date.now() > deadline) throw new Error(`${id} did not reach ${status} (is ${body?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function seedDemo(url: string, mint: Mint): Promise<Seeded> {
  const users: Record<string, Caller> = {
    alice: caller(url, await mint('alice', 'acme', ['applicant'])),
    rita: caller(url, await mint('rita', 'authority', ['reviewer'])),
    otto: caller(url, await mint('otto', 'authority', ['operator'])),
    audrey: caller(url, await mint('audrey', 'authority', ['auditor'])),
  };
  const { alice, rita } = users as Record<'alice' | 'rita', Caller>;

  const draft = (
    await alice.post('/applications', { exporter: { name: 'Ganzhou Oxides Ltd', country: 'CN' } })
  ).body.applicationId as string;
  const documents = (await alice.post('/applications', completeDetails())).body.applicationId as string;
  await alice.post(`/applications/${documents}/actions/complete-details`);
  await uploadRequiredDocuments(alice, documents);

  const submitted: string[] = [];
  for (const name of ['Inner Mongolia Magnet Works', 'Baotou Rare Earth Magnets', 'Jiangxi Terbium Co.']) {
    const id = await readyToSubmit(alice, completeDetails({ exporter: { name, country: 'CN' } }));
    await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
    submitted.push(id);
  }
  const [underReview = '', informationRequested = '', approved = ''] = submitted;
  for (const id of submitted) await statusOf(rita, id, 'UNDER_REVIEW');

  await rita.post(`/applications/${informationRequested}/actions/claim`);
  await rita.post(`/applications/${informationRequested}/actions/request-information`, {
    questions: [
      'Who installs the motors, and where?',
      'Please attach the end-user certificate signed by the managing director.',
    ],
    dueInWorkingDays: 10,
  });
  await rita.post(`/applications/${approved}/actions/claim`);
  await rita.post(`/applications/${approved}/actions/approve`, {
    validityMonths: 12,
    conditions: ['No re-export without prior authorisation.'],
    note: 'End use consistent with the consignee’s business.',
  });
  const decided = await statusOf(rita, approved, 'APPROVED');
  const licence = decided.licence as { licenceNumber?: string } | null;
  await statusOf(rita, informationRequested, 'INFORMATION_REQUESTED');
  return {
    users,
    draft,
    documents,
    underReview,
    informationRequested,
    approved,
    licenceNumber: licence?.licenceNumber ?? null,
  };
}
