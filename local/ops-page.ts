import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { clock } from '#adapters/clock.ts';
import { config } from '#adapters/config.ts';
import { DynamoApplicationRepository } from '#adapters/dynamodb.ts';
import { header, json, toHttpResponse } from '#adapters/http.ts';
import { StepFunctionsWorkflow } from '#adapters/stepfunctions.ts';
import { workingDaysElapsed } from '#domain/applications/legal-clock.ts';
import type { Status } from '#domain/applications/lifecycle.ts';
import { type ChainVerification, verifyChain } from '#domain/audit.ts';
import type { DomainConfig } from '#domain/config.ts';
import { ForbiddenError, MethodNotAllowedError, NotFoundError, ValidationError } from '#domain/errors.ts';
import type {
  ApplicationRepository,
  ExecutionInfo,
  ExecutionStatus,
  StoredApplication,
  WorkflowEngine,
} from '#domain/ports.ts';
import type { ApiHandler } from './api-server.ts';

/**
 * The operators' local page: applications (metadata only: no details, documents or values) joined
 * with their current execution, and per application the states its execution visited and whether its
 * audit chain verifies. Local only: the local stack routes these paths to `withOpsPage` ahead of the
 * API handler and without the authorizer, on its 127.0.0.1-bound port. Load this module after the
 * AWS_ENDPOINT_URL_* variables are set: its adapters create their SDK clients when they load.
 */
export const OPS_PATHS = ['/ops', '/ops/data.json', '/ops/application.json'] as const;

export interface OpsRow {
  applicationId: string;
  orgId: string;
  status: Status;
  lane: string | null;
  version: number;
  updatedAt: string;
  assignedTo: string | null;
  /** `<elapsed>/<limit>` working days of the legal clock; null before submission. */
  legalClock: string | null;
  generation: number;
  executionStatus: ExecutionStatus | null;
  currentState: string | null;
}

export interface VisitedState {
  state: string;
  enteredAt: string;
}

export interface OpsApplication {
  application: OpsRow;
  execution: ExecutionInfo | null;
  visitedStates: VisitedState[];
  audit: ChainVerification;
}

export interface OpsData {
  generatedAt: string;
  rows: OpsRow[];
}

export interface OpsDependencies {
  repository: ApplicationRepository;
  workflow: WorkflowEngine;
  now: () => Date;
  config: DomainConfig;
}

/** The table's columns, in order; the page's script reads the keys back from the header cells. */
const COLUMNS: ReadonlyArray<readonly [keyof OpsRow, string]> = [
  ['applicationId', 'Application'],
  ['orgId', 'Org'],
  ['status', 'Status'],
  ['lane', 'Lane'],
  ['version', 'Version'],
  ['updatedAt', 'Updated'],
  ['assignedTo', 'Assigned to'],
  ['legalClock', 'Working days'],
  ['generation', 'Generation'],
  ['executionStatus', 'Execution'],
  ['currentState', 'Current state'],
];

const MAX_ROWS = 200;
/** Parallel reads per refresh, so 200 rows do not queue 600 requests at once. */
const CONCURRENCY = 8;
const APPLICATION_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** `<applicationId>-<generation>`, as the adapter names executions. */
const EXECUTION_NAME = /^(.+)-([1-9]\d{0,8})$/;
const LOCAL_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

/** What the page, its JSON and `npm run ops` read: DynamoDB through the repository, executions through the adapter. */
export class OpsReader {
  constructor(
    private readonly deps: OpsDependencies = {
      repository: new DynamoApplicationRepository(),
      workflow: new StepFunctionsWorkflow(),
      now: () => clock.now(),
      config,
    },
  ) {}

  /** The newest applications first (of one status, when given), each with its current execution. */
  async rows(limit = MAX_ROWS, status?: Status): Promise<OpsRow[]> {
    const { items } = await this.deps.repository.listAll({ limit, status, submittedOnly: false });
    // The listing holds domain attributes only; the execution's generation is on the item (`get`).
    const rows = await mapConcurrently(items, CONCURRENCY, async ({ applicationId }) => {
      const stored = await this.deps.repository.get(applicationId);
      return stored && this.row(stored);
    });
    return rows.filter((row) => row !== null);
  }

  /** Null when there is no such application. */
  async application(applicationId: string): Promise<OpsApplication | null> {
    const stored = await this.deps.repository.get(applicationId);
    if (!stored) return null;
    const [execution, visitedStates, audit] = await Promise.all([
      this.deps.workflow.describe(applicationId, stored.workflow.generation),
      this.visitedStatesOf(stored),
      this.verifyStored(stored),
    ]);
    return { application: toRow(stored, execution, this.deps), execution, visitedStates, audit };
  }

  /**
   * The states an execution entered, in order: the application's current one, or the one named
   * (`<applicationId>-<generation>`, as `ListExecutions` names them); null when there is no such
   * application.
   */
  async visitedStates(applicationIdOrExecution: string): Promise<VisitedState[] | null> {
    const found = await this.find(applicationIdOrExecution);
    return found && this.visitedStatesOf(found.stored, found.generation);
  }

  /** The audit chain verified against the application's version and head hash; null when there is none. */
  async verify(applicationIdOrExecution: string): Promise<ChainVerification | null> {
    const found = await this.find(applicationIdOrExecution);
    return found && this.verifyStored(found.stored);
  }

  /** An application id as it is, else an execution name: the application and that generation. */
  private async find(idOrName: string): Promise<{ stored: StoredApplication; generation: number } | null> {
    const stored = await this.deps.repository.get(idOrName);
    if (stored) return { stored, generation: stored.workflow.generation };
    const execution = EXECUTION_NAME.exec(idOrName);
    if (!execution?.[1]) return null;
    const ofExecution = await this.deps.repository.get(execution[1]);
    return ofExecution && { stored: ofExecution, generation: Number(execution[2]) };
  }

  private async row(stored: StoredApplication): Promise<OpsRow> {
    const execution = await this.deps.workflow.describe(
      stored.application.applicationId,
      stored.workflow.generation,
    );
    return toRow(stored, execution, this.deps);
  }

  private async visitedStatesOf(
    { application, workflow }: StoredApplication,
    generation = workflow.generation,
  ): Promise<VisitedState[]> {
    const events = await this.deps.workflow.history(application.applicationId, generation);
    return (events ?? [])
      .filter((event) => event.type.endsWith('StateEntered') && event.state !== null)
      .map((event) => ({ state: event.state ?? '', enteredAt: event.timestamp }));
  }

  private async verifyStored({ application }: StoredApplication): Promise<ChainVerification> {
    return verifyChain(await this.deps.repository.auditEvents(application.applicationId), application);
  }
}

function toRow(
  { application, workflow }: StoredApplication,
  execution: ExecutionInfo | null,
  deps: Pick<OpsDependencies, 'now' | 'config'>,
): OpsRow {
  const { clock: legal } = application;
  return {
    applicationId: application.applicationId,
    orgId: application.orgId,
    status: application.status,
    lane: application.lane?.name ?? null,
    version: application.version,
    updatedAt: application.updatedAt,
    assignedTo: application.assignedTo,
    legalClock: legal.startedAt
      ? `${workingDaysElapsed(legal, deps.now(), deps.config)}/${legal.workingDaysLimit}`
      : null,
    generation: workflow.generation,
    executionStatus: execution?.status ?? null,
    currentState: execution?.currentState ?? null,
  };
}

async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

// --- HTTP -----------------------------------------------------------------------------------------

/** The API handler with the ops paths served in front of it (GET only, local Host headers only). */
export function withOpsPage(api: ApiHandler, reader: OpsReader = new OpsReader()): ApiHandler {
  return (event, context) =>
    (OPS_PATHS as readonly string[]).includes(event.path) ? serveOps(event, reader) : api(event, context);
}

async function serveOps(event: APIGatewayProxyEvent, reader: OpsReader): Promise<APIGatewayProxyResult> {
  let result: APIGatewayProxyResult;
  try {
    result = await route(event, reader);
  } catch (error) {
    result = toHttpResponse(error);
  }
  return {
    ...result,
    headers: { ...result.headers, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
  };
}

async function route(event: APIGatewayProxyEvent, reader: OpsReader): Promise<APIGatewayProxyResult> {
  // A page without a token must not be readable by another site through DNS rebinding.
  if (!LOCAL_HOST.test(header(event, 'host') ?? '')) {
    throw new ForbiddenError('The ops page answers requests for 127.0.0.1 or localhost only.');
  }
  if (event.httpMethod !== 'GET' && event.httpMethod !== 'HEAD')
    throw new MethodNotAllowedError(['GET', 'HEAD']);
  switch (event.path) {
    case '/ops/data.json':
      return json(200, await opsData(reader));
    case '/ops/application.json':
      return json(200, await applicationOf(event, reader));
    default:
      return page(reader);
  }
}

async function opsData(reader: OpsReader): Promise<OpsData> {
  const generatedAt = clock.now().toISOString();
  return { generatedAt, rows: await reader.rows() };
}

async function applicationOf(event: APIGatewayProxyEvent, reader: OpsReader): Promise<OpsApplication> {
  const id = event.queryStringParameters?.id ?? '';
  if (!APPLICATION_ID.test(id))
    throw new ValidationError([{ path: 'id', message: 'must be an application id' }]);
  const application = await reader.application(id);
  if (!application) throw new NotFoundError('Application not found.');
  return application;
}

const TEMPLATE_URL = new URL('../web/ops.html', import.meta.url);
let template: Promise<string> | undefined;

/** The page with the first table rendered on the server (escaped); its script refreshes it from data.json. */
async function page(reader: OpsReader): Promise<APIGatewayProxyResult> {
  template ??= readFile(TEMPLATE_URL, 'utf8');
  const [html, data] = await Promise.all([template, opsData(reader)]);
  const nonce = randomBytes(16).toString('base64');
  const body = fill(html, {
    nonce,
    generatedAt: escapeHtml(data.generatedAt),
    head: COLUMNS.map(([key, label]) => `<th data-key="${key}">${escapeHtml(label)}</th>`).join(''),
    rows: data.rows.map(renderRow).join('\n'),
  });
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      'referrer-policy': 'no-referrer',
    },
    body,
  };
}

/** One pass over `{{name}}` placeholders; values are inserted as they are (no `$` patterns, no re-scan). */
function fill(html: string, values: Record<string, string>): string {
  return html.replace(/\{\{(\w+)\}\}/g, (placeholder, name: string) => values[name] ?? placeholder);
}

/** The same cells the page's script builds: `—` for null, the id as a link to the detail view. */
function renderRow(row: OpsRow): string {
  const cells = COLUMNS.map(([key]) => {
    const raw = String(row[key] ?? '—');
    const value = escapeHtml(raw);
    if (key === 'applicationId')
      return `<td><a href="#${escapeHtml(encodeURIComponent(raw))}">${value}</a></td>`;
    return key === 'executionStatus' ? `<td data-value="${value}">${value}</td>` : `<td>${value}</td>`;
  });
  return `<tr>${cells.join('')}</tr>`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}
