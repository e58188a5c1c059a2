import { createDependencies } from '../../adapters/dependencies.ts';
import { header, ifMatchVersion, json, jsonBody, validate } from '../../adapters/http.ts';
import { invokeForJson } from '../../adapters/lambda.ts';
import { DynamoStatsStore } from '../../adapters/stats-store.ts';
import { StepFunctionsWorkflow } from '../../adapters/stepfunctions.ts';
import { actorFromClaims, hasRole } from '../../domain/access.ts';
import type { ActionInputs } from '../../domain/applications/apply-action.ts';
import { documentBodyTooLarge } from '../../domain/applications/documents.ts';
import { type Action, SYSTEM_ACTIONS, type SystemAction } from '../../domain/applications/lifecycle.ts';
import { QueueQuerySchema } from '../../domain/applications/queue.ts';
import * as queueUseCases from '../../domain/applications/queue-use-cases.ts';
import { readPublicStats } from '../../domain/applications/stats.ts';
import * as useCases from '../../domain/applications/use-cases.ts';
import { applicationView } from '../../domain/applications/views.ts';
import { ForbiddenError, NotFoundError } from '../../domain/errors.ts';
import {
  ActionBodySchemas,
  type ActionResponse,
  DetailsPatchSchema,
  DetailsSchema,
  DocumentUploadSchema,
  LIMITS,
  ListQuerySchema,
} from '../../domain/schemas.ts';
import type { ReconcileSummary } from '../reconciler.ts';
import type { Route, RouteRequest } from './router.ts';

/** The REST routes of API.md: parse (zod) → one use case → respond. */
export const deps = createDependencies();
const workflow = new StepFunctionsWorkflow();
const stats = new DynamoStatsStore();
/** Public figures may be up to this old (API.md: cached ≤ 60 s). */
const STATS_MAX_AGE_SECONDS = 60;

const caller = ({ event }: RouteRequest) =>
  actorFromClaims(event.requestContext.authorizer?.claims as Record<string, string> | undefined);
const meta = ({ event, context }: RouteRequest) => ({
  requestId: event.requestContext.requestId ?? context.awsRequestId,
  ifMatch: ifMatchVersion(event),
});
const param = (request: RouteRequest, name: string): string => request.params[name] ?? '';
const view = (request: RouteRequest, application: Parameters<typeof applicationView>[0]) =>
  applicationView(application, caller(request), deps.now(), deps.config);
const withEtag = (status: number, application: { version: number }) =>
  json(status, application, { etag: `"${application.version}"` });

/** Performs `action` on the application in the path and answers it with its new ETag. */
async function performed<A extends Action>(request: RouteRequest, action: A, input: ActionInputs[A]) {
  const result = await useCases.performAction(
    deps,
    caller(request),
    param(request, 'id'),
    action,
    input,
    meta(request),
  );
  const answer: ActionResponse = view(request, result.application);
  if (result.warnings) answer.warnings = result.warnings;
  return withEtag(200, answer);
}

/** The application whose execution an operator or auditor watches (404 if not visible, then 403). */
async function watchedApplication(request: RouteRequest) {
  const actor = caller(request);
  const { application, workflow: meta } = await useCases.loadVisible(deps, actor, param(request, 'id'));
  if (!hasRole(actor, 'operator', 'auditor')) {
    throw new ForbiddenError('Only operators and auditors watch workflow executions.');
  }
  return { applicationId: application.applicationId, generation: meta.generation };
}
const noExecution = () => new NotFoundError('No workflow execution is known for this application.');

const DOCUMENT_BODY_LIMIT = { bytes: LIMITS.documentBodyBytes, tooLarge: documentBodyTooLarge };

// Own keys only: `in` would also accept inherited names such as `constructor` (a 500, not a 404).
const isHumanAction = (action: string): action is keyof typeof ActionBodySchemas =>
  Object.hasOwn(ActionBodySchemas, action);
const isSystemAction = (action: string): action is SystemAction =>
  (SYSTEM_ACTIONS as string[]).includes(action);

export const routes: Route[] = [
  { pattern: '/health', methods: { GET: async () => json(200, { status: 'ok' }) } },
  {
    // Public: no token (the local server and API Gateway let it through without one).
    pattern: '/stats',
    methods: {
      GET: async () =>
        json(200, await readPublicStats({ ...deps, stats }), {
          'cache-control': `public, max-age=${STATS_MAX_AGE_SECONDS}`,
        }),
    },
  },
  {
    pattern: '/applications',
    methods: {
      GET: async (request) => {
        const actor = caller(request);
        const query = validate(ListQuerySchema, request.event.queryStringParameters ?? {}, 'query');
        const page = await useCases.listApplications(deps, actor, query);
        return json(200, { items: page.items.map((item) => view(request, item)), cursor: page.cursor });
      },
      POST: async (request) => {
        const actor = caller(request);
        const details = validate(DetailsSchema, jsonBody(request.event, true));
        return withEtag(
          201,
          view(request, await useCases.createApplication(deps, actor, details, meta(request))),
        );
      },
    },
  },
  {
    pattern: '/applications/:id',
    methods: {
      GET: async (request) => {
        const { application } = await useCases.loadVisible(deps, caller(request), param(request, 'id'));
        return withEtag(200, view(request, application));
      },
      PATCH: async (request) => {
        const patch = validate(DetailsPatchSchema, jsonBody(request.event, false));
        return performed(request, 'update', patch);
      },
    },
  },
  {
    pattern: '/applications/:id/documents',
    methods: {
      POST: async (request) => {
        const upload = validate(DocumentUploadSchema, jsonBody(request.event, false, DOCUMENT_BODY_LIMIT));
        const document = await useCases.addDocument(
          deps,
          caller(request),
          param(request, 'id'),
          upload,
          meta(request),
        );
        return json(201, document);
      },
    },
  },
  {
    pattern: '/applications/:id/documents/:documentId',
    methods: {
      GET: async (request) => {
        const { document, content } = await useCases.getDocument(
          deps,
          caller(request),
          param(request, 'id'),
          param(request, 'documentId'),
        );
        return json(200, { document, contentBase64: Buffer.from(content).toString('base64') });
      },
      DELETE: async (request) =>
        performed(request, 'remove-document', { documentId: param(request, 'documentId') }),
    },
  },
  {
    pattern: '/applications/:id/actions/:action',
    methods: {
      POST: async (request) => {
        const action = param(request, 'action');
        const actor = caller(request);
        if (isSystemAction(action)) {
          // Never callable through the API: 404 when not visible, else 403.
          await useCases.loadVisible(deps, actor, param(request, 'id'));
          throw new ForbiddenError(`"${action}" is a system action and cannot be requested.`);
        }
        if (!isHumanAction(action)) throw new NotFoundError(`No such action "${action}".`);
        const body = validate(ActionBodySchemas[action], jsonBody(request.event, true));
        return performed(request, action, body as never);
      },
    },
  },
  {
    pattern: '/applications/:id/audit',
    methods: {
      GET: async (request) =>
        json(200, { items: await useCases.auditTrail(deps, caller(request), param(request, 'id')) }),
    },
  },
  {
    pattern: '/applications/:id/execution',
    methods: {
      GET: async (request) => {
        const { applicationId, generation } = await watchedApplication(request);
        const execution = await workflow.describe(applicationId, generation);
        if (!execution) throw noExecution();
        return json(200, execution);
      },
    },
  },
  {
    pattern: '/applications/:id/execution/history',
    methods: {
      GET: async (request) => {
        const { applicationId, generation } = await watchedApplication(request);
        const events = await workflow.history(applicationId, generation);
        if (!events) throw noExecution();
        return json(200, { events });
      },
    },
  },
  {
    pattern: '/applications/:id/audit/verify',
    methods: {
      GET: async (request) =>
        json(200, await useCases.verifyAuditTrail(deps, caller(request), param(request, 'id'))),
    },
  },
  {
    pattern: '/queue',
    methods: {
      GET: async (request) => {
        const query = validate(QueueQuerySchema, request.event.queryStringParameters ?? {}, 'query');
        return json(200, await queueUseCases.listQueue(deps, caller(request), query));
      },
    },
  },
  {
    pattern: '/queue/claim-next',
    methods: {
      POST: async (request) => {
        const actor = caller(request);
        validate(ActionBodySchemas.claim, jsonBody(request.event, true));
        return withEtag(200, view(request, await queueUseCases.claimNext(deps, actor, meta(request))));
      },
    },
  },
  {
    pattern: '/ops/reconcile',
    methods: {
      POST: async (request) => {
        if (!hasRole(caller(request), 'operator'))
          throw new ForbiddenError('Only operators run the reconciler.');
        validate(ActionBodySchemas.claim, jsonBody(request.event, true));
        return json(200, await runReconciler());
      },
    },
  },
];

/**
 * The reconciler, now: on AWS its own function (RECONCILER_FUNCTION_NAME, which holds the Step
 * Functions rights the API does not); on the local stack, where every handler shares one process,
 * the same handler in this process.
 */
async function runReconciler(): Promise<ReconcileSummary> {
  const functionName = process.env.RECONCILER_FUNCTION_NAME;
  if (functionName) return invokeForJson<ReconcileSummary>(functionName);
  const { handler } = await import('../reconciler.ts');
  return handler();
}

export const idempotencyKey = (request: RouteRequest): string | undefined =>
  header(request.event, 'idempotency-key');
