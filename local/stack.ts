import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clock } from '../functions/adapters/clock.ts';
import { localExpirySchedules } from '../functions/adapters/local-expiry-schedules.ts';
import { tableNamesFromEnv } from '../functions/adapters/table-definitions.ts';
import { startApiServer } from './api-server.ts';
import { CONSOLE_PATHS, CONSOLE_PREFIXES, withConsole } from './console.ts';
import { createTablesIfMissing } from './create-tables.ts';
import { assertNoLiveOwner, startDynamoDbLocal } from './dynamodb-local.ts';
import { loadOrCreateSigningKeys, localDataDir } from './jwt.ts';
import {
  apiFunctions,
  LOCAL_DEFINITION_SUBSTITUTIONS,
  LOCAL_FUNCTION_NAMES,
  lambdaContext,
  observed,
  workflowLambdas,
} from './lambdas.ts';
import { assertPortFree } from './ports.ts';
import { startLocalStepFunctions } from './stepfunctions/index.ts';
import { startStreamPoller } from './stream-poller.ts';

/**
 * The whole system on one machine: DynamoDB Local, the API server and (with the workflow) the
 * local Step Functions endpoint running the real ASL, the stream poller feeding the relay, the
 * reconciler at start-up and every minute, and the audit checkpoint writer every 5 minutes of the
 * shared clock. The real handlers run unchanged; the AWS SDK clients
 * local Step Functions endpoint running the real ASL, the stream poller feeding the relay, and the
 * reconciler at start-up and every minute; always the stats consumer, and the Licences stream's
 * consumer with the local expiry scheduler on the shared clock. The real handlers run unchanged; the AWS SDK clients
 * reach the local endpoints through AWS_ENDPOINT_URL_* variables, set here before the handlers load
 * (so one process serves one stack configuration: a restart must reuse the same ports and tables).
 */
export interface LocalStackOptions {
  port: number;
  dynamodbPort: number;
  dataDir: string;
  /** DynamoDB Local's data and the execution records in memory, instead of under `dataDir`. */
  inMemory: boolean;
  /** Use an already running DynamoDB (tests share one) instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  /** Run the workflow (Step Functions endpoint, stream poller, reconciler); default true. */
  workflow?: boolean;
  /** Port of the local Step Functions endpoint; default 8083, 0 picks a free one. */
  sfnPort?: number;
  /** Prefix of the four table names, so test files can each have their own tables. */
  tablePrefix?: string;
  /** How often the reconciler runs after its start-up run; default one minute. */
  reconcileEveryMs?: number;
}

export interface LocalStack {
  url: string;
  /** The local Step Functions endpoint, when the workflow runs. */
  sfnEndpoint?: string;
  stop(): Promise<void>;
}

/**
 * A clock faster than real time (`LOCAL_TIME_SCALE` ≠ 1) writes future-dated data, which reads as
 * nonsense once the stack runs at normal speed again: it may run with `--in-memory`, or on a
 * `LOCAL_DATA_DIR` other than the default `.local` (one kept for such runs). Returns the sentence
 * that refuses it, or undefined when it may run.
 */
export function scaledClockRefusal(
  inMemory: boolean,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const raw = env.LOCAL_TIME_SCALE ?? '';
  if (raw === '' || Number(raw) === 1 || inMemory) return undefined;
  const dataDir = localDataDir(env);
  if (dataDir !== localDataDir({})) return undefined;
  return `LOCAL_TIME_SCALE=${raw} would write future-dated data into the persistent ${dataDir}; run \`npm start -- --in-memory\`, or set LOCAL_DATA_DIR to a directory kept for scaled runs.`;
}

export const STATE_MACHINE_NAME = 'licence-lifecycle';
const ASL_PATH = new URL('../statemachines/licence-lifecycle.asl.json', import.meta.url);
const RECONCILE_EVERY_MS = 60_000;
/** As the scheduled checkpoint Lambda on AWS. */
export const CHECKPOINT_EVERY_MS = 5 * 60_000;
const logger = new Logger({ serviceName: 'local-stack' });

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
  };
  try {
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    process.env.LOCAL_DATA_DIR = options.dataDir;
    // Domain events: LOCAL_DATA_DIR/events.ndjson, or (in memory) a log in this process.
    process.env.LOCAL_EVENTS = options.inMemory ? 'memory' : 'file';
    if (options.tablePrefix !== undefined) setTableNames(options.tablePrefix);
    const pidFile = join(options.dataDir, 'dynamodb-local.pid');
    // Refused before anything starts or stops: a running stack on the same data or ports stays as it is.
    if (!options.dynamodbEndpoint) await assertNoLiveOwner(pidFile);
    await assertPortsFree(options);
    let endpoint = options.dynamodbEndpoint;
    if (!endpoint) {
      const dynamodb = await startDynamoDbLocal({
        port: options.dynamodbPort,
        ...(options.inMemory ? {} : { dataDir: join(options.dataDir, 'dynamodb') }),
        pidFile,
      });
      stoppers.push(dynamodb.stop);
      endpoint = dynamodb.endpoint;
    }
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
    process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = endpoint;
    await createTablesIfMissing(new DynamoDBClient({ endpoint }), tableNamesFromEnv());

    await startStatsConsumer(options, stoppers);
    await startCheckpointTimer(stoppers);
    await startLicenceStream(options, stoppers);

    let sfnEndpoint: string | undefined;
    if (options.workflow ?? true) {
      sfnEndpoint = await startWorkflow(options, stoppers);
    } else {
      delete process.env.STATE_MACHINE_ARN;
    }

    const keys = await loadOrCreateSigningKeys(options.dataDir);
    // Loaded only now, so their SDK clients see the local endpoints.
    const handler = await apiFunctions();
    // So is the web console (static files, and the demo users' sign-in).
    const api = await startApiServer({
      port: options.port,
      handler: withConsole(handler, keys),
      keys,
      publicPaths: ['/health', '/openapi.json', '/stats', '/.well-known/jwks.json', ...CONSOLE_PATHS],
      publicPrefixes: ['/verify/', ...CONSOLE_PREFIXES],
    });
    stoppers.push(api.stop);
    return { url: api.url, ...(sfnEndpoint && { sfnEndpoint }), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The API and Step Functions ports (0: any free one); DynamoDB Local's once a stale instance is stopped. */
async function assertPortsFree(options: LocalStackOptions): Promise<void> {
  const sfnPort = options.workflow === false ? 0 : (options.sfnPort ?? 8083);
  for (const port of [options.port, sfnPort]) if (port !== 0) await assertPortFree(port);
}

function setTableNames(prefix: string): void {
  process.env.APPLICATIONS_TABLE = `${prefix}Applications`;
  process.env.AUDIT_TABLE = `${prefix}AuditEvents`;
  process.env.IDEMPOTENCY_TABLE = `${prefix}Idempotency`;
  process.env.COUNTERS_TABLE = `${prefix}Counters`;
  process.env.LICENCES_TABLE = `${prefix}Licences`;
  process.env.EVENTS_TABLE = `${prefix}Events`;
  process.env.STATS_TABLE = `${prefix}Stats`;
}

/**
 * The stats consumer: the stream's second reader (as on AWS, its own event source with its own
 * checkpoints), with or without the workflow.
 */
async function startStatsConsumer(options: LocalStackOptions, stoppers: Array<() => Promise<void>>) {
  const stats = await import('../functions/handlers/stats.ts');
  await readStream(options, stoppers, 'applications', 'stats-checkpoints', (event) =>
    stats.handler(event, lambdaContext(LOCAL_FUNCTION_NAMES.stats)),
  );
}

/**
 * The checkpoint writer every `CHECKPOINT_EVERY_MS` of the shared clock (so `advanceBy` and
 * `LOCAL_TIME_SCALE` move it too); the next run is armed when one ends, so runs never overlap and
 * a clock moved by days writes one checkpoint, not one per 5 minutes skipped.
 */
async function startCheckpointTimer(stoppers: Array<() => Promise<void>>): Promise<void> {
  const checkpoint = await import('../functions/handlers/checkpoint.ts');
  let running: Promise<void> = Promise.resolve();
  let cancel = () => {};
  let stopped = false;
  const run = async () => {
    try {
      await observed(LOCAL_FUNCTION_NAMES.checkpoint, () => checkpoint.handler());
    } catch (error) {
      logger.error('the checkpoint writer failed', { error });
    }
  };
  const arm = () => {
    if (stopped) return;
    cancel = clock.schedule(new Date(clock.now().getTime() + CHECKPOINT_EVERY_MS), () => {
      running = running.then(run).then(arm);
    });
  };
  arm();
  stoppers.push(async () => {
    stopped = true;
    cancel();
    await running;
  });
}

/**
 * The Licences stream's consumer and the local scheduler it keeps the expiry schedules in, firing
 * the expiry function on the shared clock; the schedules are kept under `dataDir` unless in memory.
 */
async function startLicenceStream(options: LocalStackOptions, stoppers: Array<() => Promise<void>>) {
  const [consumer, expiry] = await Promise.all([
    import('../functions/handlers/licence-stream.ts'),
    import('../functions/handlers/licence-expiry.ts'),
  ]);
  const { licenceStream, licenceExpiry } = LOCAL_FUNCTION_NAMES;
  await localExpirySchedules.start({
    fire: async (licenceNumber) => {
      await observed(licenceExpiry, () => expiry.handler({ licenceNumber }, lambdaContext(licenceExpiry)));
    },
    file: options.inMemory ? undefined : join(options.dataDir, 'expiry-schedules.json'),
  });
  stoppers.push(() => localExpirySchedules.stop());
  await readStream(options, stoppers, 'licences', 'licence-stream-checkpoints', (event) =>
    observed(licenceStream, () => consumer.handler(event, lambdaContext(licenceStream))),
  );
}

/** One reader of a table's stream, with its own checkpoint directory. */
async function readStream(
  options: LocalStackOptions,
  stoppers: Array<() => Promise<void>>,
  table: 'applications' | 'licences',
  checkpoints: string,
  consume: Parameters<typeof startStreamPoller>[0]['relay'],
): Promise<void> {
  const tableName = tableNamesFromEnv()[table];
  const poller = await startStreamPoller({
    tableName,
    relay: consume,
    checkpointFile: join(options.dataDir, checkpoints, `${tableName}.json`),
  });
  stoppers.push(poller.stop);
}

/**
 * The Step Functions endpoint with the real ASL, then the stream poller; once the poller has relayed
 * what the stream held, the reconciler runs (so it does not race records still to be relayed), then
 * every `reconcileEveryMs`. Returns the endpoint.
 */
async function startWorkflow(
  options: LocalStackOptions,
  stoppers: Array<() => Promise<void>>,
): Promise<string> {
  const stepFunctions = await startLocalStepFunctions({
    port: options.sfnPort ?? 8083,
    stateMachines: [
      {
        name: STATE_MACHINE_NAME,
        definition: await readFile(ASL_PATH, 'utf8'),
        substitutions: LOCAL_DEFINITION_SUBSTITUTIONS,
      },
    ],
    lambdas: workflowLambdas(),
    clock,
    ...(options.inMemory ? {} : { dataDir: join(options.dataDir, 'stepfunctions') }),
  });
  stoppers.push(stepFunctions.stop);
  process.env.AWS_ENDPOINT_URL_SFN = stepFunctions.endpoint;
  process.env.STATE_MACHINE_ARN = stepFunctions.stateMachineArn(STATE_MACHINE_NAME);

  const [relay, reconciler] = await Promise.all([
    import('../functions/handlers/relay.ts'),
    import('../functions/handlers/reconciler.ts'),
  ]);
  await readStream(options, stoppers, 'applications', 'stream-checkpoints', (event) =>
    observed(LOCAL_FUNCTION_NAMES.relay, () =>
      relay.handler(event, lambdaContext(LOCAL_FUNCTION_NAMES.relay)),
    ),
  );

  const runReconciler = async () => {
    try {
      await reconciler.handler(undefined, lambdaContext(LOCAL_FUNCTION_NAMES.reconciler));
    } catch (error) {
      logger.error('the reconciler failed', { error });
    }
  };
  let running = runReconciler();
  await running;
  const timer = setInterval(() => {
    running = running.then(runReconciler);
  }, options.reconcileEveryMs ?? RECONCILE_EVERY_MS);
  timer.unref();
  stoppers.push(async () => {
    clearInterval(timer);
    await running;
  });
  return stepFunctions.endpoint;
}
