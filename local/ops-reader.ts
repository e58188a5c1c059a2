import { clock } from '#adapters/clock.ts';
import { config } from '#adapters/config.ts';
import { DynamoApplicationRepository } from '#adapters/dynamodb.ts';
import { StepFunctionsWorkflow } from '#adapters/stepfunctions.ts';
import type { AnchoredVerification } from '#domain/anchoring.ts';
import { workingDaysElapsed } from '#domain/applications/legal-clock.ts';
import type { Status } from '#domain/applications/lifecycle.ts';
import { type ChainVerification, verifyChain } from '#domain/audit.ts';
import type { DomainConfig } from '#domain/config.ts';
import type { Dependencies } from '#domain/dependencies.ts';
import { NotFoundError } from '#domain/errors.ts';
import { getLicence, verifyLicenceAuditTrail } from '#domain/licences/use-cases.ts';
import { type LicenceView, usageView } from '#domain/licences/views.ts';
import type {
  ApplicationRepository,
  ExecutionInfo,
  ExecutionStatus,
  StoredApplication,
  WorkflowEngine,
} from '#domain/ports.ts';
import type { UserActor } from '#domain/schemas.ts';

/**
 * What `npm run ops` reads on the local stack: applications (metadata only: no details, documents or
 * values) joined with their current execution, and per application the states its execution visited
 * and whether its audit chain verifies. The old `/ops` page that showed them without a token is gone:
 * the web console's operations page reads the same through the REST API, and `/ops` redirects there.
 * Load this module after the AWS_ENDPOINT_URL_* variables are set: its adapters create their SDK
 * clients when they load.
 */
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

export interface OpsDependencies {
  repository: ApplicationRepository;
  workflow: WorkflowEngine;
  now: () => Date;
  config: DomainConfig;
}

const MAX_ROWS = 200;
/** Parallel reads per refresh, so 200 rows do not queue 600 requests at once. */
const CONCURRENCY = 8;
/** `<applicationId>-<generation>`, as the adapter names executions. */
const EXECUTION_NAME = /^(.+)-([1-9]\d{0,8})$/;

/** What `npm run ops` reads: DynamoDB through the repository, executions through the adapter. */
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

/** Who `npm run ops -- licence` reads as: an operator (DESIGN.md: operators see licences without values). */
const OPS_OPERATOR: UserActor = { kind: 'user', sub: 'ops', org: null, roles: ['operator'] };

export interface OpsLicence {
  licence: LicenceView;
  usages: ReturnType<typeof usageView>[];
  audit: AnchoredVerification;
}

/**
 * One licence as an operator sees it (GET /licences/{number}), its usage records without values
 * and its audit chain verified as GET /licences/{number}/audit/verify does; null when there is no
 * such licence. The usage records are read from the table: the API shows them to no operator.
 */
export async function opsLicence(deps: Dependencies, licenceNumber: string): Promise<OpsLicence | null> {
  try {
    const [licence, audit, usages] = await Promise.all([
      getLicence(deps, OPS_OPERATOR, licenceNumber),
      verifyLicenceAuditTrail(deps, OPS_OPERATOR, licenceNumber),
      deps.licences.usages(licenceNumber),
    ]);
    return { licence, audit, usages: usages.map((usage) => usageView(usage, OPS_OPERATOR)) };
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}
