import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { completeDetails } from '../test/support/api.ts';

/**
 * Drives applications through the REST API of the local stack, as users would, and waits for the
 * workflow by reading DynamoDB and Step Functions directly with the benchmark's own (uncounted)
 * clients, so waiting adds no API requests to the figures.
 */
export interface BenchClients {
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  sfn: SFNClient;
  applicationsTable: string;
  stateMachineArn: string;
}

export interface Personas {
  applicant: string;
  reviewer: string;
  senior: string;
}

export interface ApiCall {
  method: string;
  path: string;
  status: number;
  ms: number;
}

export class BenchApi {
  readonly calls: ApiCall[] = [];

  constructor(
    private readonly url: string,
    readonly tokens: Personas,
  ) {}

  async send(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Record<string, unknown>> {
    const started = performance.now();
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    this.calls.push({ method, path, status: response.status, ms });
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }
}

const PDF = Buffer.from('%PDF-1.7\n% benchmark document\n%%EOF\n').toString('base64');
const DOCUMENT_TYPES = ['CONTRACT', 'END_USER_CERTIFICATE', 'END_USE_STATEMENT'] as const;

/** The tests' complete details (one shipment of magnets to a German end user) at `valueUsd`. */
export function benchDetails(valueUsd: number) {
  const details = completeDetails();
  return { ...details, goods: details.goods.map((item) => ({ ...item, valueUsd })) };
}

const POLL_MS = 10;
const WAIT_MS = 60_000;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Waits until the application has `status` and the workflow has stored the step's task token. */
export function waitForStep(
  clients: BenchClients,
  id: string,
  status: string,
): Promise<Record<string, unknown>> {
  return until(`${id} in ${status} with its task token`, async () => {
    const { Item } = await clients.documents.send(
      new GetCommand({
        TableName: clients.applicationsTable,
        Key: { applicationId: id },
        ConsistentRead: true,
      }),
    );
    return Item && Item.status === status && Item.pendingTask ? Item : undefined;
  });
}

export const executionArn = (clients: BenchClients, id: string, generation = 1): string =>
  `${clients.stateMachineArn.replace(':stateMachine:', ':execution:')}:${id}-${generation}`;

export function waitForExecutionEnd(clients: BenchClients, id: string): Promise<string> {
  return until(`the execution of ${id} to end`, async () => {
    const { status } = await clients.sfn.send(
      new DescribeExecutionCommand({ executionArn: executionArn(clients, id) }),
    );
    return status && status !== 'RUNNING' ? status : undefined;
  });
}

export async function executionHistory(clients: BenchClients, id: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.sfn.send(
      new GetExecutionHistoryCommand({
        executionArn: executionArn(clients, id),
        nextToken,
        maxResults: 1000,
      }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** Creates an application with its details and documents and submits it; answers its id. */
export async function submitApplication(api: BenchApi, valueUsd = 250_000): Promise<string> {
  const applicant = api.tokens.applicant;
  const created = await api.send(applicant, 'POST', '/applications', benchDetails(valueUsd));
  const id = String(created.applicationId);
  for (const type of DOCUMENT_TYPES) {
    await api.send(applicant, 'POST', `/applications/${id}/documents`, {
      type,
      fileName: `${type.toLowerCase()}.pdf`,
      contentType: 'application/pdf',
      contentBase64: PDF,
    });
  }
  await api.send(applicant, 'POST', `/applications/${id}/actions/complete-details`, {});
  await api.send(applicant, 'POST', `/applications/${id}/actions/submit`, {
    declaration: { accurate: true, signedBy: 'Bench Applicant' },
  });
  return id;
}

const action = (api: BenchApi, token: string, id: string, name: string, body: unknown = {}) =>
  api.send(token, 'POST', `/applications/${id}/actions/${name}`, body);

const APPROVAL = { validityMonths: 12, conditions: ['No re-export'], note: 'Benchmark' };

/** create → documents → submit → screening → claim → approve, until the execution has ended. */
export async function happyPath(api: BenchApi, clients: BenchClients): Promise<string> {
  const id = await submitApplication(api);
  await waitForStep(clients, id, 'UNDER_REVIEW');
  await action(api, api.tokens.reviewer, id, 'claim');
  await action(api, api.tokens.reviewer, id, 'approve', APPROVAL);
  const status = await waitForExecutionEnd(clients, id);
  if (status !== 'SUCCEEDED') throw new Error(`execution of ${id} ended ${status}`);
  return id;
}

/** The same with one request for information and a senior sign-off (goods at the sign-off threshold). */
export async function reviewPath(api: BenchApi, clients: BenchClients): Promise<string> {
  const id = await submitApplication(api, 1_000_000);
  await waitForStep(clients, id, 'UNDER_REVIEW');
  await action(api, api.tokens.reviewer, id, 'claim');
  await action(api, api.tokens.reviewer, id, 'request-information', {
    questions: ['Who maintains the motors?'],
    dueInWorkingDays: 5,
  });
  await waitForStep(clients, id, 'INFORMATION_REQUESTED');
  await action(api, api.tokens.applicant, id, 'respond', { answers: ['The end user itself.'] });
  await waitForStep(clients, id, 'UNDER_REVIEW');
  await action(api, api.tokens.reviewer, id, 'approve', APPROVAL);
  await waitForStep(clients, id, 'PENDING_SIGN_OFF');
  await action(api, api.tokens.senior, id, 'sign-off', { agree: true, note: 'Benchmark sign-off' });
  const status = await waitForExecutionEnd(clients, id);
  if (status !== 'SUCCEEDED') throw new Error(`execution of ${id} ended ${status}`);
  return id;
}

/** One claim or release of an application claimed by the reviewer: one transition with an audit event. */
export async function toggleClaim(
  api: BenchApi,
  id: string,
  claimed: boolean,
  withKey: boolean,
): Promise<number> {
  const started = performance.now();
  await api.send(
    api.tokens.reviewer,
    'POST',
    `/applications/${id}/actions/${claimed ? 'release' : 'claim'}`,
    {},
    withKey ? { 'idempotency-key': randomUUID() } : {},
  );
  return performance.now() - started;
}
