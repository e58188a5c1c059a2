import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { inProcessFunctions } from '#adapters/lambda.ts';
import { type ApiFunction, apiFunctionOf } from '#handlers/api/paths.ts';
import type { RestHandler } from '#handlers/api/rest-handler.ts';
import type { LocalLambda } from './stepfunctions/index.ts';

/**
 * The workflow's Lambda functions, run in-process: local function ARNs (the state machine's
 * definition substitutions) mapped to the real handlers, each called with a Lambda-like context.
 * The handlers create their SDK clients when they load, so they load only when first invoked.
 */
const ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function';

export const LOCAL_FUNCTION_NAMES = {
  api: 'licence-api',
  auditApi: 'licence-audit-api',
  awaitStep: 'licence-await-step',
  screen: 'licence-screen',
  systemTransition: 'licence-system-transition',
  relay: 'licence-relay',
  reconciler: 'licence-reconciler',
  stats: 'licence-stats',
  checkpoint: 'licence-checkpoint',
  licenceStream: 'licence-licence-stream',
  licenceExpiry: 'licence-licence-expiry',
  backlogMetric: 'licence-backlog-metric',
} as const;

export const localFunctionArn = (name: string): string => `${ARN_PREFIX}:${name}`;

/** The ASL's `${...}` substitutions, as CDK passes them on AWS. */
export const LOCAL_DEFINITION_SUBSTITUTIONS = {
  AwaitStepFunctionArn: localFunctionArn(LOCAL_FUNCTION_NAMES.awaitStep),
  ScreenFunctionArn: localFunctionArn(LOCAL_FUNCTION_NAMES.screen),
  SystemTransitionFunctionArn: localFunctionArn(LOCAL_FUNCTION_NAMES.systemTransition),
} as const;

const TIMEOUT_MS = 60_000;

export function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + TIMEOUT_MS;
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(functionName),
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type Handler = (event: never, context: Context) => Promise<unknown>;

/** Told about every local invocation (function name, wall-clock ms); the benchmark bills Lambda time from it. */
export const invocationObservers = new Set<(functionName: string, ms: number) => void>();

const invocation = new AsyncLocalStorage<string>();

/** The function whose observed invocation the caller runs in (the benchmark counts SDK calls by it). */
export const currentFunction = (): string | undefined => invocation.getStore();

/** Runs one invocation of `functionName`, timed for the observers (if any). */
export async function observed<T>(functionName: string, run: () => Promise<T>): Promise<T> {
  if (invocationObservers.size === 0) return run();
  const started = performance.now();
  try {
    return await invocation.run(functionName, run);
  } finally {
    const ms = performance.now() - started;
    for (const observer of invocationObservers) observer(functionName, ms);
  }
}

/** Loads the handler module on first invocation, then calls it as Lambda would. */
function lazy(name: string, load: () => Promise<{ handler: Handler }>): LocalLambda {
  let loaded: Promise<{ handler: Handler }> | undefined;
  return async (payload) => {
    loaded ??= load();
    const { handler } = await loaded;
    return observed(name, () => handler(payload as never, lambdaContext(name)));
  };
}

/**
 * The three functions the state machine invokes, by ARN. Their modules load on first use: the
 * handlers read STATE_MACHINE_ARN and AWS_ENDPOINT_URL_SFN when they load, which exist only once
 * the endpoint that invokes them is up.
 */
export function workflowLambdas(): Record<string, LocalLambda> {
  const { awaitStep, screen, systemTransition } = LOCAL_FUNCTION_NAMES;
  return {
    [LOCAL_DEFINITION_SUBSTITUTIONS.AwaitStepFunctionArn]: lazy(
      awaitStep,
      () => import('../functions/handlers/await-step.ts'),
    ),
    [LOCAL_DEFINITION_SUBSTITUTIONS.ScreenFunctionArn]: lazy(
      screen,
      () => import('../functions/handlers/screen.ts'),
    ),
    [LOCAL_DEFINITION_SUBSTITUTIONS.SystemTransitionFunctionArn]: lazy(
      systemTransition,
      () => import('../functions/handlers/system-transition.ts'),
    ),
  };
}

/**
 * The API functions behind one local API server, as API Gateway routes to them: each request to
 * the function that serves its path (functions/handlers/api/paths.ts), in that function's own
 * observed invocation. `POST /ops/reconcile` invokes the reconciler as on AWS, here in this process
 * as the reconciler's own invocation. Load it once the local endpoints are set (the handlers create
 * their SDK clients when they load).
 */
export async function apiFunctions(): Promise<RestHandler> {
  const { reconciler } = LOCAL_FUNCTION_NAMES;
  const reconcile = lazy(reconciler, () => import('../functions/handlers/reconciler.ts'));
  process.env.RECONCILER_FUNCTION_NAME = reconciler;
  inProcessFunctions.set(reconciler, () => reconcile(undefined));
  const [api, auditApi] = await Promise.all([
    import('../functions/handlers/api.ts'),
    import('../functions/handlers/audit-api.ts'),
  ]);
  const functions: Record<ApiFunction, { name: string; handler: RestHandler }> = {
    api: { name: LOCAL_FUNCTION_NAMES.api, handler: api.handler },
    'audit-api': { name: LOCAL_FUNCTION_NAMES.auditApi, handler: auditApi.handler },
  };
  return (event, context) => {
    const { name, handler } = functions[apiFunctionOf(event.path)];
    // The request's context (id, deadline), named for the function that serves it.
    const named = {
      ...context,
      functionName: name,
      invokedFunctionArn: localFunctionArn(name),
      logGroupName: `/aws/lambda/${name}`,
    };
    return observed(name, () => handler(event, named));
  };
}
