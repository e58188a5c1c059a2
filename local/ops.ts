/**
 * `npm run ops -- <command>`: the operators' tools against the local stack that `npm start` runs,
 * through its endpoints (DynamoDB Local on DYNAMODB_PORT, Step Functions on SFN_PORT) with the real
 * handlers and adapters. Table names come from the same variables the stack reads.
 */
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import {
  ExecutionStatus,
  ListExecutionsCommand,
  type ListExecutionsOutput,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { columns } from './ops-tables.ts';

const USAGE = `usage: npm run ops -- <command>
  reconcile                     run the reconciler once and print its summary as JSON
  executions [--status STATUS]  list the executions (name, status, start, stop); STATUS is one of
                                ${Object.values(ExecutionStatus).join(', ')}
  history <id>                  the states the application's current execution entered, or those of
                                the execution named (<id> is an application id or an execution name
                                as \`executions\` prints it)
  verify <id>                   verify the application's audit chain (exit 1 when it is broken)
  queue [--lane L] [--status S] [--limit N] [--cursor C]
                                the reviewers' queue in queue order (GET /queue as a senior reviewer sees it,
                                appeals included)
  stats                         the public statistics (GET /stats)
  stats --rebuild               recompute the statistics from every audit trail (a scan: offline use)
                                and print the counters where they differ from the incremental ones
                                (exit 1 when any does)
  list [--status S] [--limit N] the newest applications with their execution (metadata only)
  show <id>                     one application: its metadata, execution, visited states, audit check
  licence <number>              one licence as operators see it (no values): status, holder, validity,
                                licensed/used/remaining kg per item, its usage records, audit check
  events [--since ISO] [--follow]
                                the domain events in LOCAL_DATA_DIR/events.ndjson (docs/events.md),
                                oldest first; --follow keeps printing new ones until interrupted
  --json                        print JSON instead of a table (queue, stats, list, show, licence; events:
                                one JSON event a line)`;

const HOST = '127.0.0.1';
const port = (name: string, fallback: number): number => Number(process.env[name] || fallback);
const ENDPOINTS = {
  dynamodb: { name: 'DynamoDB Local', port: port('DYNAMODB_PORT', 8000) },
  sfn: { name: 'the local Step Functions endpoint', port: port('SFN_PORT', 8083) },
} as const;
type Endpoint = (typeof ENDPOINTS)[keyof typeof ENDPOINTS];
const urlOf = (endpoint: Endpoint) => `http://${HOST}:${endpoint.port}`;

/** A failure the operator can act on: printed as one sentence, without a stack trace. */
class OpsError extends Error {}
class UsageError extends OpsError {}

// Set before the handlers and adapters load: their SDK clients read these when they are created.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_ENDPOINT_URL_DYNAMODB = urlOf(ENDPOINTS.dynamodb);
process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = urlOf(ENDPOINTS.dynamodb);
process.env.AWS_ENDPOINT_URL_SFN = urlOf(ENDPOINTS.sfn);
// Info logs would mix with the output on stdout.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

async function main(): Promise<void> {
  const { positionals, values } = parseCommandLine();
  const [command, applicationId, ...extra] = positionals;
  if (values.help) return print(USAGE);
  if (command === 'reconcile' && !applicationId) return reconcile();
  if (command === 'executions' && !applicationId) return executions(statusFilter(values.status));
  if (command === 'history' && applicationId && extra.length === 0) return history(applicationId);
  if (command === 'verify' && applicationId && extra.length === 0) return verify(applicationId);
  const format = values.json ? 'json' : 'table';
  if (command === 'queue' && !applicationId) return queue(values, format);
  if (command === 'stats' && !applicationId) return values.rebuild ? rebuildStats(format) : stats(format);
  if (command === 'list' && !applicationId) return list(values, format);
  if (command === 'show' && applicationId && extra.length === 0) return show(applicationId, format);
  if (command === 'licence' && applicationId && extra.length === 0) return licence(applicationId, format);
  if (command === 'events' && !applicationId) return events(values, format);
  throw new UsageError(USAGE);
}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        status: { type: 'string' },
        lane: { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
        json: { type: 'boolean' },
        rebuild: { type: 'boolean' },
        since: { type: 'string' },
        follow: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
}

async function reconcile(): Promise<void> {
  await assertRunning(ENDPOINTS.dynamodb, ENDPOINTS.sfn);
  await useLocalStateMachine();
  const { handler } = await import('#handlers/reconciler.ts');
  print(JSON.stringify(await handler()));
}

async function executions(status: ExecutionStatus | undefined): Promise<void> {
  await assertRunning(ENDPOINTS.sfn);
  const arn = await useLocalStateMachine();
  const client = new SFNClient({});
  const rows: string[][] = [['NAME', 'STATUS', 'START', 'STOP']];
  let nextToken: string | undefined;
  do {
    const page: ListExecutionsOutput = await client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: status, maxResults: 1000, nextToken }),
    );
    for (const execution of page.executions ?? []) {
      rows.push([
        execution.name ?? '?',
        execution.status ?? '?',
        execution.startDate?.toISOString() ?? '-',
        execution.stopDate?.toISOString() ?? '-',
      ]);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  print(columns(rows));
}

function statusFilter(status: string | undefined): ExecutionStatus | undefined {
  if (status === undefined) return undefined;
  const known = Object.values(ExecutionStatus).find((value) => value === status);
  if (!known) throw new UsageError(`Unknown execution status "${status}".\n${USAGE}`);
  return known;
}

async function history(applicationId: string): Promise<void> {
  await assertRunning(ENDPOINTS.dynamodb, ENDPOINTS.sfn);
  await useLocalStateMachine();
  const { OpsReader } = await import('./ops-reader.ts');
  const visited = await new OpsReader().visitedStates(applicationId);
  if (visited === null) throw noSuch(applicationId);
  if (visited.length === 0) throw new OpsError(`No workflow execution is known for ${applicationId}.`);
  print(columns([['ENTERED', 'STATE'], ...visited.map(({ enteredAt, state }) => [enteredAt, state])]));
}

async function verify(applicationId: string): Promise<void> {
  await assertRunning(ENDPOINTS.dynamodb);
  const { OpsReader } = await import('./ops-reader.ts');
  const verification = await new OpsReader().verify(applicationId);
  if (verification === null) throw noSuch(applicationId);
  print(JSON.stringify(verification));
  if (!verification.valid) process.exitCode = 1;
}

type Options = ReturnType<typeof parseCommandLine>['values'];
type Format = 'json' | 'table';

async function queue(options: Options, format: Format): Promise<void> {
  await assertRunning(ENDPOINTS.dynamodb);
  const [{ readQueuePage, QueueQuerySchema }, { createDependencies }] = await Promise.all([
    import('#domain/applications/queue.ts'),
    import('#adapters/dependencies.ts'),
  ]);
  const query = QueueQuerySchema.safeParse(
    definedOnly({ lane: options.lane, status: options.status, limit: options.limit, cursor: options.cursor }),
  );
  if (!query.success) throw new UsageError(`${issuesOf(query.error)}\n${USAGE}`);
  const deps = createDependencies();
  const page = await readQueuePage(
    { index: deps.queue, config: deps.config, now: deps.now(), caller: 'ops', seesAppeals: true },
    query.data,
  );
  const { queueTable } = await import('./ops-tables.ts');
  print(format === 'json' ? JSON.stringify(page) : queueTable(page));
}

async function stats(format: Format): Promise<void> {
  await assertRunning(ENDPOINTS.dynamodb);
  const [{ readPublicStats }, { DynamoStatsStore }, { createDependencies }] = await Promise.all([
    import('#domain/applications/stats.ts'),
    import('#adapters/stats-store.ts'),
    import('#adapters/dependencies.ts'),
  ]);
  const figures = await readPublicStats({ ...createDependencies(), stats: new DynamoStatsStore() });
  const { statsTable } = await import('./ops-tables.ts');
  print(format === 'json' ? JSON.stringify(figures) : statsTable(figures));
}

async function rebuildStats(format: Format): Promise<void> {
  await assertRunning(ENDPOINTS.dynamodb);
  const [{ counterDifferences, rebuildCounters }, { auditTrails, DynamoStatsStore }, { config }] =
    await Promise.all([
      import('#domain/applications/stats.ts'),
      import('#adapters/stats-store.ts'),
      import('#adapters/config.ts'),
    ]);
  // The aggregate first: an application changing meanwhile then shows as a difference, not hides one.
  const incremental = await new DynamoStatsStore().aggregate();
  const rebuilt = await rebuildCounters(auditTrails(), config);
  const result = {
    applications: rebuilt.applications,
    agree: false,
    differences: counterDifferences(incremental, rebuilt.counters),
  };
  result.agree = result.differences.length === 0;
  const { rebuildReport } = await import('./ops-tables.ts');
  print(format === 'json' ? JSON.stringify(result) : rebuildReport(result));
  if (!result.agree) process.exitCode = 1;
}

async function list(options: Options, format: Format): Promise<void> {
  await assertRunning(ENDPOINTS.dynamodb, ENDPOINTS.sfn);
  await useLocalStateMachine();
  const [{ OpsReader }, { STATUSES }] = await Promise.all([
    import('./ops-reader.ts'),
    import('#domain/applications/lifecycle.ts'),
  ]);
  const status = options.status && STATUSES.find((known) => known === options.status);
  if (options.status && !status)
    throw new UsageError(`Unknown status "${options.status}": one of ${STATUSES.join(', ')}.\n${USAGE}`);
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new UsageError(`--limit must be a whole number from 1 to 200.\n${USAGE}`);
  const rows = await new OpsReader().rows(limit, status || undefined);
  const { listTable } = await import('./ops-tables.ts');
  print(format === 'json' ? JSON.stringify(rows) : listTable(rows));
}

async function show(applicationId: string, format: Format): Promise<void> {
  await assertRunning(ENDPOINTS.dynamodb, ENDPOINTS.sfn);
  await useLocalStateMachine();
  const { OpsReader } = await import('./ops-reader.ts');
  const found = await new OpsReader().application(applicationId);
  if (found === null) throw noSuch(applicationId);
  const { showTable } = await import('./ops-tables.ts');
  print(format === 'json' ? JSON.stringify(found) : showTable(found));
}

async function licence(licenceNumber: string, format: Format): Promise<void> {
  await assertRunning(ENDPOINTS.dynamodb);
  const [{ opsLicence }, { createDependencies, withCheckpoints }, { licenceTable }] = await Promise.all([
    import('./ops-reader.ts'),
    import('#adapters/dependencies.ts'),
    import('./ops-tables.ts'),
  ]);
  const found = await opsLicence(withCheckpoints(createDependencies()), licenceNumber);
  if (found === null) throw new OpsError(`There is no licence ${licenceNumber}.`);
  print(format === 'json' ? JSON.stringify(found) : licenceTable(found));
}

const FOLLOW_EVERY_MS = 500;

/**
 * The events file as the stack appends it (ops reads it directly, without a token); with
 * --follow, new lines are printed as they arrive. A stack started with --in-memory keeps its
 * events in its own process: GET /events shows them.
 */
async function events(options: Options, format: Format): Promise<void> {
  const [{ readEventFile }, { localDataDir }, { eventsTable }, { join }] = await Promise.all([
    import('#adapters/events.ts'),
    import('./jwt.ts'),
    import('./ops-tables.ts'),
    import('node:path'),
  ]);
  const since = options.since === undefined ? null : Date.parse(options.since);
  if (Number.isNaN(since)) throw new UsageError(`--since must be an ISO-8601 date-time.\n${USAGE}`);
  const file = join(localDataDir(), 'events.ndjson');
  const after = (recordedAt: string) => since === null || Date.parse(recordedAt) >= since;
  let printed = 0;
  const printNew = async (heading: boolean) => {
    const all = await readEventFile(file);
    const fresh = all.slice(printed).filter((event) => after(event.recordedAt));
    printed = all.length;
    if (format === 'json') {
      if (fresh.length > 0) print(fresh.map((event) => JSON.stringify(event)).join('\n'));
    } else if (fresh.length > 0 || heading) {
      print(eventsTable(fresh, heading));
    }
  };
  await printNew(true);
  if (!options.follow) {
    if (printed === 0) process.stderr.write(`No events in ${file} yet.\n`);
    return;
  }
  const { setTimeout: sleep } = await import('node:timers/promises');
  for (;;) {
    await sleep(FOLLOW_EVERY_MS);
    await printNew(false);
  }
}

const definedOnly = (values: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));

const issuesOf = (error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }) =>
  error.issues.map((issue) => `--${issue.path.map(String).join('.')}: ${issue.message}`).join('; ');

const noSuch = (id: string) => new OpsError(`There is no application or execution ${id}.`);

/** Sets and returns STATE_MACHINE_ARN as local/stack.ts builds it (the local endpoint's default region and account). */
async function useLocalStateMachine(): Promise<string> {
  const { STATE_MACHINE_NAME } = await import('./stack.ts');
  process.env.STATE_MACHINE_ARN = `arn:aws:states:us-east-1:000000000000:stateMachine:${STATE_MACHINE_NAME}`;
  return process.env.STATE_MACHINE_ARN;
}

/** Fails fast, with the endpoint named, when nothing listens where the stack should be. */
async function assertRunning(...endpoints: Endpoint[]): Promise<void> {
  for (const endpoint of endpoints) {
    if (!(await listening(endpoint.port))) throw notRunning(endpoint);
  }
}

const notRunning = (endpoint: Endpoint) =>
  new OpsError(
    `The local stack is not running: nothing answers at ${urlOf(endpoint)} (${endpoint.name}); start it with \`npm start\`.`,
  );

const PROBE_TIMEOUT_MS = 2_000;

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port, timeout: PROBE_TIMEOUT_MS });
    const settle = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => settle(true));
    socket.once('timeout', () => settle(false));
    socket.once('error', () => settle(false));
  });
}

/** The stack went away mid-command: the SDK reports ECONNREFUSED, possibly wrapped. */
function isConnectionRefused(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  if (error instanceof AggregateError && error.errors.some(isConnectionRefused)) return true;
  return isConnectionRefused(error.cause);
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

try {
  await main();
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } else {
    const message =
      error instanceof OpsError
        ? error.message
        : isConnectionRefused(error)
          ? 'The local stack stopped answering (connection refused); start it with `npm start`.'
          : `ops failed: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  }
}
