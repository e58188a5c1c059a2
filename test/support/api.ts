import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { inject } from 'vitest';
import type { TableNames } from '#adapters/table-definitions.ts';
import { startApiServer } from '#local/api-server.ts';
import { createTablesIfMissing } from '#local/create-tables.ts';
import { loadOrCreateSigningKeys, mintToken, type SigningKeys } from '#local/jwt.ts';
import { apiFunctions } from '#local/lambdas.ts';

/**
 * The API handler behind the local API server (JWT-verifying, REST proxy events) on a free port,
 * against the integration project's DynamoDB Local. No workflow: tests move applications past
 * screening through the same domain and repository code (`screenCleared`).
 */
export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in tests
  body: any;
}

export interface Caller {
  /** The Authorization header value this caller sends (empty when anonymous). */
  authorization: string;
  get(path: string, headers?: Record<string, string>): Promise<ApiResponse>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  patch(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  delete(path: string, headers?: Record<string, string>): Promise<ApiResponse>;
}

export interface TestApi {
  url: string;
  keys: SigningKeys;
  as(sub: string, org: string, groups: string[]): Promise<Caller>;
  anonymous(): Caller;
  stop(): Promise<void>;
}

/**
 * Points this test file's handlers at tables of its own (call before `startTestApi`): for tests
 * that must see only their own cases (claim-next, statistics).
 */
export async function useOwnTables(prefix: string): Promise<void> {
  const names = await createOwnTables(prefix);
  process.env.APPLICATIONS_TABLE = names.applications;
  process.env.AUDIT_TABLE = names.auditEvents;
  process.env.IDEMPOTENCY_TABLE = names.idempotency;
  process.env.COUNTERS_TABLE = names.counters;
  process.env.STATS_TABLE = names.stats;
  process.env.LICENCES_TABLE = names.licences;
  process.env.EVENTS_TABLE = names.events;
}

/** Creates a fresh set of tables in the integration project's DynamoDB Local and names them. */
export async function createOwnTables(prefix: string): Promise<TableNames> {
  const unique = `${prefix}${ulid()}`;
  const names: TableNames = {
    applications: `${unique}Applications`,
    auditEvents: `${unique}AuditEvents`,
    idempotency: `${unique}Idempotency`,
    counters: `${unique}Counters`,
    stats: `${unique}Stats`,
    licences: `${unique}Licences`,
    events: `${unique}Events`,
  };
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint') });
  await createTablesIfMissing(client, names);
  client.destroy();
  return names;
}

/** A submitted application moved past screening through the same domain and repository code. */
export async function underReviewViaApi(applicant: Caller, details = completeDetails()): Promise<string> {
  const id = await readyToSubmit(applicant, details);
  const submitted = await applicant.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
  if (submitted.status !== 200) throw new Error(`submit answered ${submitted.status}`);
  const { deps } = await import('#handlers/api/request-context.ts');
  const { applySystemAction } = await import('#domain/applications/use-cases.ts');
  const outcome = { report: { listVersion: 'test' }, flags: [], recentApprovalForEndUser: false };
  await applySystemAction(deps, 'screen', id, 'screening-cleared', outcome, 'test');
  return id;
}

export async function startTestApi(): Promise<TestApi> {
  const dataDir = await mkdtemp(join(tmpdir(), 'licence-api-'));
  process.env.LOCAL_DATA_DIR = dataDir;
  const keys = await loadOrCreateSigningKeys(dataDir);
  const server = await startApiServer({
    port: 0,
    handler: await apiFunctions(),
    keys,
    publicPaths: ['/health', '/openapi.json', '/stats'],
  });
  return {
    url: server.url,
    keys,
    as: async (sub, org, groups) => caller(server.url, await mintToken(keys, { sub, org, groups })),
    anonymous: () => caller(server.url, undefined),
    stop: server.stop,
  };
}

export function caller(url: string, token: string | undefined): Caller {
  const send = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  };
  return {
    authorization: token ? `Bearer ${token}` : '',
    get: (path, headers) => send('GET', path, undefined, headers),
    post: (path, body, headers) => send('POST', path, body ?? {}, headers),
    patch: (path, body, headers) => send('PATCH', path, body, headers),
    delete: (path, headers) => send('DELETE', path, undefined, headers),
  };
}

export const PDF_BASE64 = Buffer.from('%PDF-1.7\n%test document\n').toString('base64');
export const PNG_BASE64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString(
  'base64',
);

export const completeDetails = (overrides: Record<string, unknown> = {}) => ({
  exporter: { name: 'Baotou Rare Earth Magnets', country: 'CN' },
  goods: [
    {
      description: 'Sintered NdFeB magnets with dysprosium',
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
  ...overrides,
});

export const REQUIRED_DOCUMENTS = ['CONTRACT', 'END_USER_CERTIFICATE', 'END_USE_STATEMENT'] as const;

/** Creates an application and takes it to END_USER_DOCS with the required documents uploaded. */
export async function readyToSubmit(applicant: Caller, details = completeDetails()): Promise<string> {
  const created = await applicant.post('/applications', details);
  const id: string = created.body.applicationId;
  await applicant.post(`/applications/${id}/actions/complete-details`);
  await uploadRequiredDocuments(applicant, id);
  return id;
}

/** Uploads a small PDF for each required document type. */
export async function uploadRequiredDocuments(applicant: Caller, id: string): Promise<void> {
  for (const type of REQUIRED_DOCUMENTS) {
    await applicant.post(`/applications/${id}/documents`, {
      type,
      fileName: `${type.toLowerCase()}.pdf`,
      contentType: 'application/pdf',
      contentBase64: PDF_BASE64,
    });
  }
}

export const SUBMIT_BODY = { declaration: { accurate: true, signedBy: 'Alice Compliance' } };
