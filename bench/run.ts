import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand as RawScanCommand,
  ResourceInUseException,
  UpdateTableCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { clock } from '../functions/adapters/clock.ts';
import {
  ANCHOR_PENDING_ATTRIBUTE,
  type TableNames,
  tableDefinitions,
  tableNamesFromEnv,
  WORKFLOW_OPEN_ATTRIBUTE,
} from '../functions/adapters/table-definitions.ts';
import { endUserKey } from '../functions/domain/applications/screening.ts';
import type { Application } from '../functions/domain/schemas.ts';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { loadOrCreateSigningKeys, mintToken } from '../local/jwt.ts';
import { currentFunction, invocationObservers, LOCAL_FUNCTION_NAMES, observed } from '../local/lambdas.ts';
import { freePort } from '../local/ports.ts';
import type { LocalStack } from '../local/stack.ts';
import { holdStreamPollers } from '../local/stream-poller.ts';
import { type BundleReport, type InitReport, measureBuild, median } from './bundles.ts';
import {
  type CostBreakdown,
  itemBytes,
  requestCost,
  runsPerMonth,
  type StoredApplicationCost,
  storedApplicationMonthlyCost,
  type UsageCounts,
} from './cost-model.ts';
import { type CounterSnapshot, Counters, difference, installSdkCounter, perEach, total } from './counters.ts';
import {
  BenchApi,
  type BenchApi as BenchApiType,
  type BenchClients,
  executionHistory,
  happyPath,
  reviewPath,
  submitApplication,
  toggleClaim,
  waitForExecutionEnd,
  waitForStep,
} from './lifecycle.ts';
import { NOT_PRICED, PRICES } from './prices.ts';
import { renderMarkdown, writeCharts } from './report.ts';

/**
 * `npm run bench`: the whole lifecycle on the local stack (DynamoDB Local in memory + the local Step
 * Functions endpoint, the real handlers in this process), measured with the SDK counter and the
 * executions' histories; writes `bench/results/latest.json` and `latest.md`. See bench/README.md.
 */
export interface BenchOptions {
  /** Lifecycles per concurrency level. */
  applications: number;
  concurrency: number[];
  /** Stored finished applications for the "large" growth point (the small point is `storedSmall`). */
  stored: number;
  storedSmall: number;
  /** Happy-path and review-path applications traced one at a time for the per-application counts. */
  traced: number;
  /** Transitions timed for each of raw / API / API with key. */
  samples: number;
  initRuns: number;
  outDir: string;
  /** An already running DynamoDB (the smoke test's); otherwise DynamoDB Local starts in memory. */
  dynamodbEndpoint?: string;
  tablePrefix: string;
  log?: (message: string) => void;
}

// Sized to finish in about 3 minutes on the 2-core machine (186 s with 30 / 5 / 200 before).
export const DEFAULT_OPTIONS: BenchOptions = {
  applications: 20,
  concurrency: [1, 4, 16],
  stored: 10_000,
  storedSmall: 100,
  traced: 3,
  samples: 120,
  initRuns: 15,
  outDir: path.join(import.meta.dirname, 'results'),
  tablePrefix: 'Bench',
};

export interface LatencyReport {
  samples: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

export interface Invocation {
  functionName: string;
  ms: number;
}

/** Lambda bills each invocation's duration rounded up to the millisecond, times its memory. */
export function billedGbSeconds(invocations: readonly Invocation[]): number {
  return invocations.reduce(
    (sum, { functionName, ms }) =>
      sum +
      (Math.ceil(ms) / 1000) *
        (functionName === LOCAL_FUNCTION_NAMES.api ? API_MEMORY_GB : FUNCTION_MEMORY_GB),
    0,
  );
}

export interface PathCounts extends UsageCounts {
  /** Local invocations by function, per application. */
  invocationsByFunction: Record<string, number>;
  lambdaTasksInHistory: number;
  /** The SDK calls by `service:operation:table`, per application. */
  calls: CounterSnapshot;
  historyEvents: number;
}

export interface GrowthPoint {
  storedApplications: number;
  /** API transition p50 over the raw transaction p50 measured beside it. */
  apiTransitionP50Ratio: number;
  apiTransitionP50Ms: number;
  /*
   * Read units of the function itself (its invocations' SDK calls), not of the stream consumers and
   * timers that run meanwhile: those cost per record, whatever is stored, and are in the per-application counts.
   */
  /** The api function's, per claim or release. */
  readUnitsPerTransition: number;
  /** The screen function's, per screening (its end-user check included). */
  screeningReadUnits: number;
  reconcilerReadUnitsPerRun: number;
  metricPublisherReadUnitsPerRun: number;
}

export interface Target {
  name: string;
  limit: string;
  value: number | string;
  met: boolean;
}

export interface BenchReport {
  generatedAt: string;
  node: string;
  applications: number;
  concurrency: number[];
  throughput: Array<{
    concurrency: number;
    applications: number;
    seconds: number;
    lifecyclesPerSecond: number;
  }>;
  lifecyclesPerSecond: Record<string, number>;
  apiTransitionP50Ms: number;
  apiTransitionP99Ms: number;
  apiTransitionWithKeyP50Ms: number;
  apiTransitionWithKeyP99Ms: number;
  rawTransactWriteP50Ms: number;
  rawTransactWriteP99Ms: number;
  transitionRatio: number;
  transitionWithKeyRatio: number;
  /** A consistent GetItem then the raw transaction, over the raw transaction: the floor of a transition. */
  floorRatio: number;
  latency: {
    raw: LatencyReport;
    readThenRaw: LatencyReport;
    api: LatencyReport;
    apiWithKey: LatencyReport;
    /** An API transition (no key) split: its DynamoDB calls, and everything else (HTTP, auth, handler). */
    apiParts: { dynamodb: LatencyReport; rest: LatencyReport };
  };
  perApplication: { happyPath: PathCounts; reviewPath: PathCounts };
  costPer1000ApplicationsUsd: number;
  costPer1000: { happyPath: CostBreakdown; reviewPath: CostBreakdown };
  storedApplication: StoredApplicationCost & {
    tableBytes: number;
    s3Bytes: number;
    reconcilerReadUnitsPerRun: number;
    metricReadUnitsPerRun: number;
  };
  growth: { small: GrowthPoint; large: GrowthPoint; ratios: Record<string, number> };
  bundleBytes: Record<string, number>;
  bundles: Record<string, BundleReport>;
  initRatio: number;
  init: InitReport;
  prices: typeof PRICES;
  notPriced: readonly string[];
  assumptions: string[];
  targets: Target[];
}

const API_MEMORY_GB = 1;
const FUNCTION_MEMORY_GB = 0.5;
const RECONCILE_EVERY_MINUTES = 5;
const BACKLOG_EVERY_MINUTES = 15;
const ORG = 'bench-org';
const DAY_MS = 24 * 60 * 60 * 1000;

const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;

function percentiles(values: readonly number[]): LatencyReport {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    samples: values.length,
    p50Ms: round(median(values)),
    p90Ms: round(at(0.9)),
    p99Ms: round(at(0.99)),
  };
}

/** A shared growth figure: 1 when both are zero, the plain ratio otherwise. */
export const growthRatio = (small: number, large: number): number =>
  small === 0 ? (large === 0 ? 1 : Number.POSITIVE_INFINITY) : round(large / small);

interface Harness {
  options: BenchOptions;
  counters: Counters;
  clients: BenchClients;
  api: BenchApiType;
  tables: TableNames;
  stack: () => LocalStack;
  restart: () => Promise<void>;
  log: (message: string) => void;
  invocations: Invocation[];
  /** Applications the measurements left open; withdrawn after each phase, so each phase sees the same few. */
  open: string[];
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  // Each line says when in the run it started, so the slow phases show.
  const log =
    options.log ??
    ((message: string) => console.log(`[${Math.round((performance.now() - started) / 1000)} s] ${message}`));
  log('bundles and cold-start imports');
  const { bundles, init } = await measureBuild(options.initRuns);

  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const counters = new Counters();
  const ignored = new WeakSet<object>();
  installSdkCounter(counters, ignored, currentFunction);
  const invocations: Invocation[] = [];
  const observer = (functionName: string, ms: number) => void invocations.push({ functionName, ms });
  invocationObservers.add(observer);

  const dataDir = await mkdtemp(path.join(tmpdir(), 'licence-bench-'));
  const dynamodb = options.dynamodbEndpoint
    ? undefined
    : await startDynamoDbLocal({ port: await freePort() });
  const endpoint = options.dynamodbEndpoint ?? dynamodb?.endpoint ?? '';
  const { startLocalStack } = await import('../local/stack.ts');
  const stackOptions = {
    port: await freePort(),
    sfnPort: await freePort(),
    dynamodbPort: 0,
    dataDir,
    inMemory: true,
    dynamodbEndpoint: endpoint,
    tablePrefix: options.tablePrefix,
    reconcileEveryMs: 24 * 60 * 60 * 1000,
  };
  let running: LocalStack | null = await startLocalStack(stackOptions);
  try {
    const tables = tableNamesFromEnv();
    const rawDynamodb = new DynamoDBClient({ endpoint });
    const documents = DynamoDBDocumentClient.from(rawDynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const sfn = new SFNClient({ endpoint: running.sfnEndpoint });
    for (const client of [rawDynamodb, documents, sfn]) ignored.add(client);
    const keys = await loadOrCreateSigningKeys(dataDir);
    const token = (sub: string, groups: string[], org = 'authority') => mintToken(keys, { sub, groups, org });
    const api = new BenchApi(running.url, {
      applicant: await token('bench-applicant', ['applicant'], ORG),
      reviewer: await token('bench-reviewer', ['reviewer']),
      senior: await token('bench-senior', ['senior-reviewer']),
    });
    const clients: BenchClients = {
      dynamodb: rawDynamodb,
      documents,
      sfn,
      applicationsTable: tables.applications,
      stateMachineArn: process.env.STATE_MACHINE_ARN ?? '',
    };
    const harness: Harness = {
      options,
      counters,
      clients,
      api,
      tables,
      log,
      open: [],
      invocations,
      stack: () => {
        if (!running) throw new Error('the local stack is not running');
        return running;
      },
      restart: async () => {
        await running?.stop();
        running = null;
        running = await startLocalStack(stackOptions);
      },
    };
    return await measure(harness, bundles, init);
  } finally {
    invocationObservers.delete(observer);
    await running?.stop();
    await dynamodb?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function measure(
  h: Harness,
  bundles: Record<string, BundleReport>,
  init: InitReport,
): Promise<BenchReport> {
  const { options, log } = h;
  log('warm-up lifecycle');
  const templateId = await happyPath(h.api, h.clients);

  await seedStored(h, templateId, options.storedSmall);
  log(`tracing ${options.traced} happy-path and ${options.traced} review-path applications`);
  const happy = await tracePath(h, happyPath);
  const review = await tracePath(h, reviewPath);

  log(`timing ${options.samples} transitions each: raw, API, API with Idempotency-Key`);
  const { readUnitsPerTransition: _reads, ...latency } = await timeTransitions(h, options.samples);
  await withdrawOpen(h);
  const small = await growthPoint(h);

  await seedStored(h, templateId, options.stored);
  const large = await growthPoint(h);

  const throughput: BenchReport['throughput'] = [];
  for (const concurrency of options.concurrency) {
    log(`${options.applications} lifecycles at concurrency ${concurrency}`);
    throughput.push(await runThroughput(h, options.applications, concurrency));
  }

  const stored = await storedApplication(h, templateId, small, large);
  const costHappy = requestCost(happy, 1000);
  const costReview = requestCost(review, 1000);
  const ratios = {
    apiTransitionP50: growthRatio(small.apiTransitionP50Ratio, large.apiTransitionP50Ratio),
    readUnitsPerTransition: growthRatio(small.readUnitsPerTransition, large.readUnitsPerTransition),
    screeningReadUnits: growthRatio(small.screeningReadUnits, large.screeningReadUnits),
    reconcilerReadUnitsPerRun: growthRatio(small.reconcilerReadUnitsPerRun, large.reconcilerReadUnitsPerRun),
    metricPublisherReadUnitsPerRun: growthRatio(
      small.metricPublisherReadUnitsPerRun,
      large.metricPublisherReadUnitsPerRun,
    ),
  };
  const bundleBytes = Object.fromEntries(
    Object.entries(bundles).map(([name, bundle]) => [name, bundle.bytes]),
  );
  const transitionRatio = round(latency.api.p50Ms / latency.raw.p50Ms, 2);
  const transitionWithKeyRatio = round(latency.apiWithKey.p50Ms / latency.raw.p50Ms, 2);
  const floorRatio = round(latency.readThenRaw.p50Ms / latency.raw.p50Ms, 2);
  const report: Omit<BenchReport, 'targets'> = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    applications: options.applications,
    concurrency: options.concurrency,
    throughput,
    lifecyclesPerSecond: Object.fromEntries(
      throughput.map((t) => [String(t.concurrency), t.lifecyclesPerSecond]),
    ),
    apiTransitionP50Ms: latency.api.p50Ms,
    apiTransitionP99Ms: latency.api.p99Ms,
    apiTransitionWithKeyP50Ms: latency.apiWithKey.p50Ms,
    apiTransitionWithKeyP99Ms: latency.apiWithKey.p99Ms,
    rawTransactWriteP50Ms: latency.raw.p50Ms,
    rawTransactWriteP99Ms: latency.raw.p99Ms,
    transitionRatio,
    transitionWithKeyRatio,
    floorRatio,
    latency,
    perApplication: { happyPath: happy, reviewPath: review },
    costPer1000ApplicationsUsd: costHappy.total,
    costPer1000: { happyPath: costHappy, reviewPath: costReview },
    storedApplication: stored,
    growth: { small, large, ratios },
    bundleBytes,
    bundles,
    initRatio: init.initRatio,
    init,
    prices: PRICES,
    notPriced: NOT_PRICED,
    assumptions: [
      `Lambda: every local invocation counted and timed in-process (against DynamoDB Local, slower than DynamoDB), billed per ms at ${FUNCTION_MEMORY_GB * 1024} MB (api ${API_MEMORY_GB * 1024} MB); relay batches as the local stream poller forms them (AWS: up to 25 records within 1 s).`,
      'S3 requests: one PUT per document upload (the local stack stores documents in files); KMS: no request of our own (S3 bucket keys and DynamoDB cache data keys; amortised per key, not per application).',
      `Reconciler every ${RECONCILE_EVERY_MINUTES} min, backlog metric every ${BACKLOG_EVERY_MINUTES} min (as deployed); stored applications are APPROVED ones of one org, up to 11 months old.`,
      'Stored-application per-run cost: the read units the runs spend per additional stored application, between the two growth points.',
    ],
  };
  return { ...report, targets: targets(report) };
}

export function targets(report: Omit<BenchReport, 'targets'>): Target[] {
  const list: Target[] = [];
  const add = (name: string, limit: string, value: number | string, met: boolean) =>
    list.push({ name, limit, value, met });
  add(
    'API transition p50 / raw TransactWriteItems',
    '≤ 1.6',
    report.transitionRatio,
    report.transitionRatio <= 1.6,
  );
  add(
    'API transition p50 with Idempotency-Key / raw',
    '≤ 2.5',
    report.transitionWithKeyRatio,
    report.transitionWithKeyRatio <= 2.5,
  );
  for (const [name, bytes] of Object.entries(report.bundleBytes)) {
    const limit = name === 'api' ? 200_000 : 150_000;
    add(`bundle ${name} (bytes)`, `≤ ${limit}`, bytes, bytes <= limit);
  }
  add('initRatio', '≤ 1.3', report.initRatio, report.initRatio <= 1.3);
  const transitions = report.perApplication.happyPath.stateTransitions;
  add('state transitions, happy path', '≤ 10', transitions, transitions <= 10);
  add(
    'cost per 1,000 happy-path applications (USD)',
    '≤ 0.33',
    report.costPer1000ApplicationsUsd,
    report.costPer1000ApplicationsUsd <= 0.33,
  );
  const perRun = report.storedApplication.perRunComputeUsd;
  add('per-run compute of a stored finished application (USD/month)', '= 0', perRun, perRun <= 0);
  for (const [name, ratio] of Object.entries(report.growth.ratios)) {
    add(
      `growth ${name} (${report.growth.small.storedApplications} → ${report.growth.large.storedApplications} stored)`,
      '≤ 1.2',
      ratio,
      ratio <= 1.2,
    );
  }
  return list;
}

/** Per-application counts: each application alone, so every call and unit in between is its own. */
async function tracePath(
  h: Harness,
  path: (api: BenchApiType, clients: BenchClients) => Promise<string>,
): Promise<PathCounts> {
  let calls: CounterSnapshot = {};
  const sums = { transitions: 0, lambdaTasks: 0, historyEvents: 0, api: 0, documents: 0 };
  const invocations: Invocation[] = [];
  for (let i = 0; i < h.options.traced; i++) {
    const before = h.counters.snapshot();
    const apiBefore = h.api.calls.length;
    const invocationsBefore = h.invocations.length;
    const id = await path(h.api, h.clients);
    // The stream consumers finish the path's last records after its execution has ended.
    await settled(h);
    const delta = difference(h.counters.snapshot(), before);
    calls = merge(calls, delta);
    invocations.push(...h.invocations.slice(invocationsBefore));
    const apiCalls = h.api.calls.slice(apiBefore);
    sums.api += apiCalls.length;
    sums.documents += apiCalls.filter((call) => call.path.endsWith('/documents')).length;
    const history = await executionHistory(h.clients, id);
    sums.transitions += stateTransitions(history);
    sums.lambdaTasks += lambdaTasks(history);
    sums.historyEvents += history.length;
  }
  const n = h.options.traced;
  const perApp = perEach(calls, n);
  const dynamo = total(perApp, 'dynamodb:');
  const byFunction: Record<string, number> = {};
  for (const invocation of invocations)
    byFunction[invocation.functionName] = (byFunction[invocation.functionName] ?? 0) + 1 / n;
  return {
    stateTransitions: sums.transitions / n,
    lambdaInvocations: round(invocations.length / n),
    lambdaGbSeconds: round(billedGbSeconds(invocations) / n, 5),
    invocationsByFunction: Object.fromEntries(
      Object.entries(byFunction).map(([name, count]) => [name, round(count)]),
    ),
    lambdaTasksInHistory: sums.lambdaTasks / n,
    apiRequests: sums.api / n,
    dynamodbReadUnits: round(dynamo.readUnits),
    dynamodbWriteUnits: round(dynamo.writeUnits),
    s3Puts: sums.documents / n,
    s3Gets: 0,
    kmsRequests: 0,
    historyEvents: sums.historyEvents / n,
    calls: perApp,
  };
}

function merge(a: CounterSnapshot, b: CounterSnapshot): CounterSnapshot {
  const result: CounterSnapshot = { ...a };
  for (const [key, count] of Object.entries(b)) {
    const earlier = result[key] ?? { calls: 0, readUnits: 0, writeUnits: 0, indexWriteUnits: 0 };
    result[key] = {
      calls: earlier.calls + count.calls,
      readUnits: earlier.readUnits + count.readUnits,
      writeUnits: earlier.writeUnits + count.writeUnits,
      indexWriteUnits: earlier.indexWriteUnits + count.indexWriteUnits,
    };
  }
  return result;
}

/** State transitions as Step Functions bills them: every state entered. */
export const stateTransitions = (history: readonly HistoryEvent[]): number =>
  history.filter((event) => event.type?.endsWith('StateEntered')).length;

export const lambdaTasks = (history: readonly HistoryEvent[]): number =>
  history.filter(
    (event) =>
      event.type === 'LambdaFunctionScheduled' ||
      (event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'lambda'),
  ).length;

/**
 * Raw, read-then-raw, API and API-with-key transitions interleaved (so machine load hits all alike):
 * the API ones are claim/release of one UNDER_REVIEW application, each one transition with an audit
 * event; the raw one is a bare two-item TransactWriteItems of the same two item sizes, and
 * read-then-raw the floor of a transition (a consistent GetItem of the application, then the raw
 * transaction). The local stream pollers are held meanwhile (see `holdStreamPollers`) and deliver
 * what the transitions wrote afterwards.
 */
async function timeTransitions(
  h: Harness,
  samples: number,
): Promise<{
  raw: LatencyReport;
  readThenRaw: LatencyReport;
  api: LatencyReport;
  apiWithKey: LatencyReport;
  apiParts: { dynamodb: LatencyReport; rest: LatencyReport };
  readUnitsPerTransition: number;
}> {
  const id = await submitApplication(h.api);
  h.open.push(id);
  await waitForStep(h.clients, id, 'UNDER_REVIEW');
  await toggleClaim(h.api, id, false, false);
  let claimed = true;
  const raw = await rawTransaction(h, id);
  const times = {
    raw: [] as number[],
    readThenRaw: [] as number[],
    api: [] as number[],
    apiWithKey: [] as number[],
    apiDynamodb: [] as number[],
    apiRest: [] as number[],
  };
  let readUnits = 0;
  const inDynamodb = () => h.counters.millisecondsIn(LOCAL_FUNCTION_NAMES.api, 'dynamodb');
  const release = holdStreamPollers();
  try {
    for (let i = 0; i < samples; i++) {
      times.raw.push(await raw(false));
      times.readThenRaw.push(await raw(true));
      const before = h.counters.snapshot(LOCAL_FUNCTION_NAMES.api);
      const dynamodbBefore = inDynamodb();
      const ms = await toggleClaim(h.api, id, claimed, false);
      const dynamodbMs = inDynamodb() - dynamodbBefore;
      times.api.push(ms);
      times.apiDynamodb.push(dynamodbMs);
      times.apiRest.push(ms - dynamodbMs);
      claimed = !claimed;
      readUnits += total(
        difference(h.counters.snapshot(LOCAL_FUNCTION_NAMES.api), before),
        'dynamodb:',
      ).readUnits;
      times.apiWithKey.push(await toggleClaim(h.api, id, claimed, true));
      claimed = !claimed;
    }
  } finally {
    release();
  }
  await settled(h);
  return {
    raw: percentiles(times.raw),
    readThenRaw: percentiles(times.readThenRaw),
    api: percentiles(times.api),
    apiWithKey: percentiles(times.apiWithKey),
    apiParts: { dynamodb: percentiles(times.apiDynamodb), rest: percentiles(times.apiRest) },
    readUnitsPerTransition: round(readUnits / samples),
  };
}

/**
 * The raw baseline's tables: the definitions of Applications and AuditEvents (their indexes
 * included), without streams. Created on first use.
 */
async function ensureRawTables(h: Harness): Promise<{ applications: string; auditEvents: string }> {
  const rawTables = {
    applications: `${h.options.tablePrefix}RawApplications`,
    auditEvents: `${h.options.tablePrefix}RawAuditEvents`,
  };
  for (const definition of tableDefinitions({ ...h.tables, ...rawTables })) {
    if (definition.TableName !== rawTables.applications && definition.TableName !== rawTables.auditEvents)
      continue;
    try {
      await h.clients.dynamodb.send(
        new CreateTableCommand({ ...definition, StreamSpecification: undefined }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await waitUntilTableExists(
      { client: h.clients.dynamodb, maxWaitTime: 30 },
      { TableName: definition.TableName },
    );
  }
  return rawTables;
}

/**
 * A TransactWriteItems putting copies of the application item and its last audit event; with
 * `read`, after a consistent GetItem of the application (what every transition reads first).
 */
async function rawTransaction(h: Harness, id: string): Promise<(read: boolean) => Promise<number>> {
  const rawTables = await ensureRawTables(h);
  const { Item: application } = await h.clients.documents.send(
    new GetCommand({ TableName: h.tables.applications, Key: { applicationId: id }, ConsistentRead: true }),
  );
  const { Items: events } = await h.clients.documents.send(
    new QueryCommand({
      TableName: h.tables.auditEvents,
      KeyConditionExpression: 'applicationId = :id',
      ExpressionAttributeValues: { ':id': id },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const event = events?.[0];
  if (!application || !event) throw new Error(`no stored application ${id} or audit event`);
  const key = { TableName: h.tables.applications, Key: { applicationId: id }, ConsistentRead: true };
  return async (read) => {
    const copy = `app_${ulid()}`;
    const started = performance.now();
    if (read) await h.clients.documents.send(new GetCommand(key));
    await h.clients.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: rawTables.applications, Item: { ...application, applicationId: copy } } },
          { Put: { TableName: rawTables.auditEvents, Item: { ...event, applicationId: copy } } },
        ],
      }),
    );
    return performance.now() - started;
  };
}

async function growthPoint(h: Harness): Promise<GrowthPoint> {
  const storedApplications = await countApplications(h);
  h.log(`growth figures with ${storedApplications} stored applications`);
  // Two days on, every application so far is long finished; the first runs may tidy up after them
  // once, the second runs show what each run costs from then on.
  clock.advanceBy(2 * DAY_MS);
  // Invoked as scheduled Lambdas are, so their calls are counted apart from the stream consumers
  // and timers of the stack that may run meanwhile.
  const { reconciler, backlogMetric, screen } = LOCAL_FUNCTION_NAMES;
  const runReconciler = async () => {
    const { handler } = await import('../functions/handlers/reconciler.ts');
    await observed(reconciler, () => handler());
  };
  const runMetric = async () => {
    const { handler } = await import('../functions/handlers/backlog-metric.ts');
    await observed(backlogMetric, () => handler());
  };
  await runReconciler();
  await runMetric();
  const reconcilerReads = await readUnitsOf(h, reconciler, runReconciler);
  const metricReads = await readUnitsOf(h, backlogMetric, runMetric);
  const latency = await timeTransitions(h, Math.max(4, Math.floor(h.options.samples / 4)));
  let screening = 0;
  const screenings = Math.min(3, h.options.traced);
  for (let i = 0; i < screenings; i++) {
    const id = await submitApplication(h.api);
    h.open.push(id);
    const before = h.counters.snapshot(screen);
    await waitForStep(h.clients, id, 'UNDER_REVIEW');
    screening += total(difference(h.counters.snapshot(screen), before), 'dynamodb:').readUnits;
  }
  await withdrawOpen(h);
  return {
    storedApplications,
    apiTransitionP50Ratio: round(latency.api.p50Ms / latency.raw.p50Ms),
    apiTransitionP50Ms: latency.api.p50Ms,
    readUnitsPerTransition: latency.readUnitsPerTransition,
    screeningReadUnits: round(screening / screenings),
    reconcilerReadUnitsPerRun: reconcilerReads,
    metricPublisherReadUnitsPerRun: metricReads,
  };
}

/** Once no SDK call has been counted for a while: the stream consumers have caught up. */
async function settled(h: Harness, quietMs = 400, maxMs = 10_000): Promise<void> {
  const calls = () => total(h.counters.snapshot()).calls;
  const deadline = performance.now() + maxMs;
  for (let seen = calls(); performance.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = calls();
    if (now === seen) return;
    seen = now;
  }
}

/** Withdraws what the measurements left open and waits for their executions to end. */
async function withdrawOpen(h: Harness): Promise<void> {
  for (const id of h.open.splice(0)) {
    await h.api.send(h.api.tokens.applicant, 'POST', `/applications/${id}/actions/withdraw`, {
      reason: 'Benchmark finished',
    });
    await waitForExecutionEnd(h.clients, id);
  }
}

/** The read units the invocations of `functionName` spend during `run`. */
async function readUnitsOf(h: Harness, functionName: string, run: () => Promise<void>): Promise<number> {
  const before = h.counters.snapshot(functionName);
  await run();
  return round(total(difference(h.counters.snapshot(functionName), before), 'dynamodb:').readUnits);
}

async function countApplications(h: Harness): Promise<number> {
  let count = 0;
  let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await h.clients.dynamodb.send(
      new RawScanCommand({ TableName: h.tables.applications, Select: 'COUNT', ExclusiveStartKey: startKey }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

async function runThroughput(h: Harness, applications: number, concurrency: number) {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < applications) {
      next += 1;
      await happyPath(h.api, h.clients);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    concurrency,
    applications,
    seconds: round(seconds, 2),
    lifecyclesPerSecond: round(applications / seconds, 2),
  };
}

/**
 * Tops the table up to `target` stored finished applications, copies of a real approved one in the
 * benchmark's org with their own end users, 0–11 months old. The stack is stopped meanwhile and the
 * table's stream switched off, so the copies reach no relay (they stand for applications finished
 * long ago, whose executions ended then).
 */
async function seedStored(h: Harness, templateId: string, target: number): Promise<void> {
  const missing = target - (await countApplications(h));
  if (missing <= 0) return;
  h.log(`storing ${missing} finished applications`);
  const { Item: template } = await h.clients.documents.send(
    new GetCommand({
      TableName: h.tables.applications,
      Key: { applicationId: templateId },
      ConsistentRead: true,
    }),
  );
  if (!template) throw new Error(`template application ${templateId} is missing`);
  // Finished long ago: no task token, out of the reconciler's index of open applications, and its
  // audit head covered by a checkpoint long since (out of `anchorPending`).
  const {
    pendingTask: _pendingTask,
    [WORKFLOW_OPEN_ATTRIBUTE]: _open,
    [ANCHOR_PENDING_ATTRIBUTE]: _anchor,
    approvedEndUser: _approvedEndUser,
    ...finished
  } = template;
  await h.stack().stop();
  const table = h.tables.applications;
  await setStream(h, table, false);
  const now = clock.now().getTime();
  const DAY = DAY_MS;
  const items = Array.from({ length: missing }, (_, index) => {
    const created = new Date(now - (1 + (index % 330)) * DAY).toISOString();
    const name = `Stored End User ${index}`;
    const endUser = { ...(finished.endUser as Application['endUser']), name };
    const consignee = { ...(finished.consignee as Record<string, unknown>), name };
    const decision = { ...(finished.decision as Record<string, unknown>), decidedAt: created };
    return {
      ...finished,
      applicationId: `app_${ulid()}`,
      createdAt: created,
      updatedAt: created,
      lastActivityAt: created,
      endUser,
      consignee,
      decision,
      // As the repository keys an approval: under the copy's own end user, at its decision.
      approvedEndUser: endUserKey({ orgId: String(finished.orgId), endUser }) ?? undefined,
      approvedAt: created,
    };
  });
  const batches: Array<typeof items> = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  const writeBatch = async (into: string, batch: typeof items) => {
    let requests = batch.map((item) => ({
      PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) },
    }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await h.clients.dynamodb.send(
        new BatchWriteItemCommand({ RequestItems: { [into]: requests } }),
      );
      requests = (UnprocessedItems?.[into] ?? []) as typeof requests;
    }
  };
  // The raw baseline's table holds as many: DynamoDB Local's writes and reads slow as a table
  // grows (AWS's do not), and growth is meant to show our code's, against a baseline of the same size.
  const { applications: rawApplications } = await ensureRawTables(h);
  const lanes = 4;
  for (const into of [table, rawApplications]) {
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let i = lane; i < batches.length; i += lanes) {
          const batch = batches[i];
          if (batch) await writeBatch(into, batch);
        }
      }),
    );
  }
  await setStream(h, table, true);
  await h.restart();
}

async function setStream(h: Harness, table: string, enabled: boolean): Promise<void> {
  await h.clients.dynamodb.send(
    new UpdateTableCommand({
      TableName: table,
      StreamSpecification: enabled
        ? { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' }
        : { StreamEnabled: false },
    }),
  );
  for (;;) {
    const { Table } = await h.clients.dynamodb.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function storedApplication(
  h: Harness,
  templateId: string,
  small: GrowthPoint,
  large: GrowthPoint,
): Promise<BenchReport['storedApplication']> {
  const { Item } = await h.clients.documents.send(
    new GetCommand({
      TableName: h.tables.applications,
      Key: { applicationId: templateId },
      ConsistentRead: true,
    }),
  );
  const { Items: events = [] } = await h.clients.documents.send(
    new QueryCommand({
      TableName: h.tables.auditEvents,
      KeyConditionExpression: 'applicationId = :id',
      ExpressionAttributeValues: { ':id': templateId },
    }),
  );
  if (!Item) throw new Error(`application ${templateId} is missing`);
  const indexes = (tableDefinitions(h.tables)[0]?.GlobalSecondaryIndexes ?? []).map(
    (index) => index.Projection,
  );
  const applicationBytes = itemBytes(Item);
  // Each index keeps its projection of the item plus 100 bytes of overhead (AWS's sizing rule).
  const indexBytes = indexes.reduce(
    (sum, projection) =>
      sum +
      100 +
      (projection?.ProjectionType === 'ALL'
        ? applicationBytes
        : 200 + (projection?.NonKeyAttributes?.length ?? 0) * 40),
    0,
  );
  const tableBytes =
    applicationBytes + 100 + indexBytes + events.reduce((sum, event) => sum + itemBytes(event) + 100, 0);
  const documents = (Item.documents as Array<{ sizeBytes?: number }> | undefined) ?? [];
  const s3Bytes = documents.reduce((sum, document) => sum + (document.sizeBytes ?? 0), 0);
  const extra = large.storedApplications - small.storedApplications;
  const marginal = (a: number, b: number) => (extra > 0 ? Math.max(0, (b - a) / extra) : 0);
  const usage = {
    reconcilerReadUnitsPerRun: marginal(small.reconcilerReadUnitsPerRun, large.reconcilerReadUnitsPerRun),
    reconcilerRunsPerMonth: runsPerMonth(RECONCILE_EVERY_MINUTES),
    metricReadUnitsPerRun: marginal(
      small.metricPublisherReadUnitsPerRun,
      large.metricPublisherReadUnitsPerRun,
    ),
    metricRunsPerMonth: runsPerMonth(BACKLOG_EVERY_MINUTES),
    tableBytes,
    s3Bytes,
  };
  return {
    ...storedApplicationMonthlyCost(usage),
    tableBytes,
    s3Bytes,
    reconcilerReadUnitsPerRun: round(usage.reconcilerReadUnitsPerRun, 6),
    metricReadUnitsPerRun: round(usage.metricReadUnitsPerRun, 6),
  };
}

export async function writeReport(report: BenchReport, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeCharts(report, outDir);
  await writeFile(path.join(outDir, 'latest.md'), renderMarkdown(report));
}
