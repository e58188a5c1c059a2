import { readFile } from 'node:fs/promises';
import { eventFeedFromEnv } from '../../adapters/event-bus.ts';
import { json, jsonBody, validate } from '../../adapters/http.ts';
import { invokeForJson } from '../../adapters/lambda.ts';
import { DynamoStatsStore } from '../../adapters/stats-store.ts';
import { StepFunctionsWorkflow } from '../../adapters/stepfunctions.ts';
import { committing } from '../../adapters/write-barrier.ts';
import { hasRole } from '../../domain/access.ts';
import type { ActionInputs } from '../../domain/applications/apply-action.ts';
import { documentBodyTooLarge } from '../../domain/applications/documents.ts';
import {
  type Action,
  SYSTEM_ACTIONS,
  type SystemAction,
  TRANSITIONS,
} from '../../domain/applications/lifecycle.ts';
import { QueueQuerySchema } from '../../domain/applications/queue.ts';
import * as queueUseCases from '../../domain/applications/queue-use-cases.ts';
import { readPublicStats } from '../../domain/applications/stats.ts';
import * as useCases from '../../domain/applications/use-cases.ts';
import { applicationView } from '../../domain/applications/views.ts';
import { ForbiddenError, NotFoundError } from '../../domain/errors.ts';
import { DomainEventSchema, EventsQuerySchema, listEvents } from '../../domain/events.ts';
import { LICENCE_ACTIONS, LICENCE_TRANSITIONS } from '../../domain/licences/lifecycle.ts';
import {
  type LicenceActionBody,
  LicenceActionBodySchemas,
  LicenceListQuerySchema,
  VerifyQuerySchema,
} from '../../domain/licences/schemas.ts';
import * as licences from '../../domain/licences/use-cases.ts';
import type { LicenceView } from '../../domain/licences/views.ts';
import {
  ActionBodySchemas,
  type ActionResponse,
  ActionResponseSchema,
  ApplicationViewSchema,
  DetailsPatchSchema,
  DetailsSchema,
  DocumentRecordSchema,
  DocumentUploadSchema,
  type HumanActionWithBody,
  LIMITS,
  ListQuerySchema,
} from '../../domain/schemas.ts';
import type * as z from '../../domain/zod.ts';
import type { ReconcilerRun } from '../reconciler.ts';
import { caller, deps, meta, param } from './request-context.ts';
import {
  AuditTrailSchema,
  DocumentContentSchema,
  ErrorResponseSchema,
  ExecutionHistorySchema,
  ExecutionSchema,
  HealthSchema,
  JwksSchema,
  LicenceAuditTrailSchema,
  LicenceVerificationSchema,
  LicenceViewSchema,
  OpenApiDocumentSchema,
  PublicStatsSchema,
  pageOf,
  QueuePageSchema,
  ReconcileSummarySchema,
  UsageListSchema,
} from './responses.ts';
import type { Route, RouteRequest } from './router.ts';

/** The api function's REST routes of API.md: parse (zod) → one use case → respond. */
const workflow = new StepFunctionsWorkflow();
const events = eventFeedFromEnv();
const stats = new DynamoStatsStore();
/** Public figures may be up to this old (API.md: cached ≤ 60 s). */
const STATS_MAX_AGE_SECONDS = 60;

const view = (request: RouteRequest, application: Parameters<typeof applicationView>[0]) =>
  applicationView(application, caller(request), deps.now(), deps.config);
const withEtag = (status: number, application: { version: number }) =>
  json(status, application, { etag: `"${application.version}"` });

/**
 * Performs `action` on the application in the path and answers it with its new ETag. The answer
 * is built before the commit, so an idempotent request stores it in the commit's transaction.
 */
async function performed<A extends Action>(request: RouteRequest, action: A, input: ActionInputs[A]) {
  const { result, commit } = await useCases.decideAction(
    deps,
    caller(request),
    param(request, 'id'),
    action,
    input,
    meta(request),
  );
  const answer: ActionResponse = view(request, result.application);
  if (result.warnings) answer.warnings = result.warnings;
  return committing(withEtag(200, answer), commit);
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

const isSystemAction = (action: string): action is SystemAction =>
  (SYSTEM_ACTIONS as string[]).includes(action);

const APPLICATION = {
  status: 200,
  description: 'The application as the caller may see it.',
  schema: ApplicationViewSchema,
};
const AUTHORITY = ['reviewer', 'senior-reviewer', 'auditor', 'operator'] as const;
const EVERYONE = ['applicant', ...AUTHORITY] as const;
const WATCHERS = ['operator', 'auditor'] as const;

/** Errors an action can answer besides the common ones (DESIGN.md precedence). */
const ACTION_ERRORS: Partial<Record<HumanActionWithBody, readonly string[]>> = {
  'complete-details': ['INCOMPLETE'],
  submit: ['INCOMPLETE'],
  claim: ['ALREADY_ASSIGNED'],
  release: ['NOT_ASSIGNED'],
  'request-information': ['NOT_ASSIGNED'],
  approve: ['NOT_ASSIGNED', 'LICENCE_NOT_ACTIVE'],
  deny: ['NOT_ASSIGNED'],
  'sign-off': ['SEPARATION_OF_DUTIES', 'LICENCE_NOT_ACTIVE'],
};

/** One route per human action, its body and roles from the schemas and the lifecycle table. */
const actionRoutes: Route[] = (Object.keys(ActionBodySchemas) as HumanActionWithBody[]).map((action) => {
  const { from, to, by } = TRANSITIONS[action];
  const target = to.length === 0 ? 'the status does not change' : `to ${to.join(' or ')}`;
  return {
    pattern: `/applications/:id/actions/${action}`,
    methods: {
      POST: {
        summary: `${action}: from ${from.join(', ')}; ${target}`,
        roles: by,
        body: ActionBodySchemas[action],
        response: { ...APPLICATION, schema: ActionResponseSchema },
        errors: ['INVALID_TRANSITION', 'PRECONDITION_FAILED', ...(ACTION_ERRORS[action] ?? [])],
        handle: async (request) => {
          const body = validate(ActionBodySchemas[action], jsonBody(request.event, true));
          return performed(request, action, body as never);
        },
      },
    },
  };
});

let published: unknown;
/**
 * The document `npm run openapi` generated from this table (openapi.ts; a test keeps it current),
 * read on first request: next to this file locally, next to the bundle on AWS (the api function's
 * asset carries it), so the generator and its JSON-schema code stay out of the api bundle.
 */
async function publishedOpenApi(): Promise<unknown> {
  published ??= JSON.parse(await readFile(new URL('./openapi.json', import.meta.url), 'utf8'));
  return published;
}

/** Licence routes (API.md "Licences"): the licence as the caller may see it, ETag its version. */
const LICENCE = {
  status: 200,
  description: 'The licence as the caller may see it.',
  schema: LicenceViewSchema,
};
const LICENCE_READERS = ['applicant', 'reviewer', 'senior-reviewer', 'auditor', 'customs'] as const;
const LICENCE_VIEWERS = [...LICENCE_READERS, 'operator'] as const;
const withLicenceEtag = (licence: LicenceView) => json(200, licence, { etag: `"${licence.version}"` });

/** Errors a licence action can answer besides the common ones. */
const LICENCE_ACTION_ERRORS: Record<licences.ApiLicenceAction, readonly string[]> = {
  'record-usage': ['EXCEEDS_LICENCE', 'USAGE_ID_REUSED', 'OUTSIDE_VALIDITY'],
  suspend: [],
  reinstate: ['SEPARATION_OF_DUTIES'],
  revoke: [],
  surrender: [],
};
const API_LICENCE_ACTIONS = [...Object.keys(LICENCE_ACTION_ERRORS), 'amend'];
const SYSTEM_LICENCE_ACTIONS = LICENCE_ACTIONS.filter((action) => !API_LICENCE_ACTIONS.includes(action));

/** One licence action: its body validated by its own schema, then the use case. */
function licenceAction<A extends licences.ApiLicenceAction>(
  action: A,
  schema: z.ZodMiniType<LicenceActionBody<A>>,
): Route {
  const { from, to, by } = LICENCE_TRANSITIONS[action];
  return {
    pattern: `/licences/:number/actions/${action}`,
    methods: {
      POST: {
        summary: `${action} (licence): from ${from.join(', ')} to ${to.join(' or ')}`,
        roles: by,
        body: schema,
        response: LICENCE,
        errors: ['INVALID_TRANSITION', 'PRECONDITION_FAILED', ...LICENCE_ACTION_ERRORS[action]],
        handle: async (request) => {
          const body = validate(schema, jsonBody(request.event, true));
          return withLicenceEtag(
            await licences.performLicenceAction(
              deps,
              caller(request),
              param(request, 'number'),
              action,
              body,
              meta(request),
            ),
          );
        },
      },
    },
  };
}
const licenceActionRoutes: Route[] = [
  licenceAction('record-usage', LicenceActionBodySchemas['record-usage']),
  licenceAction('suspend', LicenceActionBodySchemas.suspend),
  licenceAction('reinstate', LicenceActionBodySchemas.reinstate),
  licenceAction('revoke', LicenceActionBodySchemas.revoke),
  licenceAction('surrender', LicenceActionBodySchemas.surrender),
  {
    pattern: '/licences/:number/actions/amend',
    methods: {
      POST: {
        summary:
          'amend (licence, holder): from ACTIVE, the status does not change; opens a variation application',
        description:
          'Creates a DRAFT application prefilled from the licence, with `amends` and references to the original documents.',
        roles: LICENCE_TRANSITIONS.amend.by,
        body: LicenceActionBodySchemas.amend,
        response: {
          status: 201,
          description: 'The new variation application.',
          schema: ApplicationViewSchema,
        },
        errors: ['INVALID_TRANSITION', 'PRECONDITION_FAILED', 'AMENDMENT_OPEN'],
        handle: async (request) => {
          validate(LicenceActionBodySchemas.amend, jsonBody(request.event, true));
          const number = param(request, 'number');
          const application = await licences.amendLicence(deps, caller(request), number, meta(request));
          return withEtag(201, view(request, application));
        },
      },
    },
  },
];

/** Health, the published contract and the public statistics. */
export const serviceRoutes: Route[] = [
  {
    pattern: '/health',
    methods: {
      GET: {
        summary: 'Liveness probe',
        roles: 'public',
        response: { status: 200, description: 'The API is up.', schema: HealthSchema },
        handle: async () => json(200, { status: 'ok' }),
      },
    },
  },
  {
    pattern: '/openapi.json',
    methods: {
      GET: {
        summary: 'This contract as OpenAPI 3.1, generated from the route table and its zod schemas',
        roles: 'public',
        response: { status: 200, description: 'An OpenAPI 3.1 document.', schema: OpenApiDocumentSchema },
        handle: async () => json(200, await publishedOpenApi()),
      },
    },
  },
  {
    // Public: no token (the local server and API Gateway let it through without one).
    pattern: '/stats',
    methods: {
      GET: {
        summary: 'Public statistics (counts below 5 suppressed), cached up to 60 s',
        roles: 'public',
        response: { status: 200, description: 'The statistics.', schema: PublicStatsSchema },
        handle: async () =>
          json(200, await readPublicStats({ ...deps, stats }), {
            'cache-control': `public, max-age=${STATS_MAX_AGE_SECONDS}`,
          }),
      },
    },
  },
];

/** Applications: drafts, documents, human actions, the audit trail and the workflow execution. */
export const applicationRoutes: Route[] = [
  {
    pattern: '/applications',
    methods: {
      GET: {
        summary: 'List the applications the caller may see, newest first',
        roles: EVERYONE,
        query: ListQuerySchema,
        response: { status: 200, description: 'One page.', schema: pageOf(ApplicationViewSchema) },
        handle: async (request) => {
          const actor = caller(request);
          const query = validate(ListQuerySchema, request.event.queryStringParameters ?? {}, 'query');
          const page = await useCases.listApplications(deps, actor, query);
          return json(200, { items: page.items.map((item) => view(request, item)), cursor: page.cursor });
        },
      },
      POST: {
        summary: 'Create a draft with any subset of the details',
        roles: ['applicant'],
        body: DetailsSchema,
        response: { ...APPLICATION, status: 201, description: 'The new draft; ETag is its version.' },
        handle: async (request) => {
          const actor = caller(request);
          const details = validate(DetailsSchema, jsonBody(request.event, true));
          return withEtag(
            201,
            view(request, await useCases.createApplication(deps, actor, details, meta(request))),
          );
        },
      },
    },
  },
  {
    pattern: '/applications/:id',
    methods: {
      GET: {
        summary: 'One application; ETag is its version',
        roles: EVERYONE,
        response: APPLICATION,
        handle: async (request) => {
          const { application } = await useCases.loadVisible(deps, caller(request), param(request, 'id'));
          return withEtag(200, view(request, application));
        },
      },
      PATCH: {
        summary: 'JSON merge patch (RFC 7396) of the details, while DRAFT',
        roles: ['applicant'],
        body: DetailsPatchSchema,
        response: APPLICATION,
        errors: ['INVALID_TRANSITION', 'PRECONDITION_FAILED'],
        handle: async (request) => {
          const patch = validate(DetailsPatchSchema, jsonBody(request.event, false));
          return performed(request, 'update', patch);
        },
      },
    },
  },
  {
    pattern: '/applications/:id/documents',
    methods: {
      POST: {
        summary: 'Upload a document (pdf, png or jpeg by its bytes; at most 3 MiB decoded)',
        roles: ['applicant'],
        body: DocumentUploadSchema,
        response: { status: 201, description: 'The stored document record.', schema: DocumentRecordSchema },
        errors: ['INVALID_TRANSITION', 'UNSUPPORTED_MEDIA_TYPE'],
        handle: async (request) => {
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
  },
  {
    pattern: '/applications/:id/documents/:documentId',
    methods: {
      GET: {
        summary: 'A document and its content (not for operators)',
        roles: ['applicant', 'reviewer', 'senior-reviewer', 'auditor'],
        response: { status: 200, description: 'The record and its content.', schema: DocumentContentSchema },
        handle: async (request) => {
          const { document, content } = await useCases.getDocument(
            deps,
            caller(request),
            param(request, 'id'),
            param(request, 'documentId'),
          );
          return json(200, { document, contentBase64: Buffer.from(content).toString('base64') });
        },
      },
      DELETE: {
        summary: 'Remove a document (DRAFT, END_USER_DOCS); the audit keeps its record',
        roles: ['applicant'],
        response: APPLICATION,
        errors: ['INVALID_TRANSITION', 'PRECONDITION_FAILED'],
        handle: async (request) =>
          performed(request, 'remove-document', { documentId: param(request, 'documentId') }),
      },
    },
  },
  ...actionRoutes,
  {
    pattern: '/applications/:id/actions/:action',
    methods: {
      POST: {
        summary: `System actions (${SYSTEM_ACTIONS.join(', ')}) are never callable: 403 (404 if not visible)`,
        roles: [],
        response: { status: 403, description: 'Always refused.', schema: ErrorResponseSchema },
        handle: async (request) => {
          const action = param(request, 'action');
          if (!isSystemAction(action)) throw new NotFoundError(`No such action "${action}".`);
          // 404 when not visible, else 403.
          await useCases.loadVisible(deps, caller(request), param(request, 'id'));
          throw new ForbiddenError(`"${action}" is a system action and cannot be requested.`);
        },
      },
    },
  },
  {
    pattern: '/applications/:id/audit',
    methods: {
      GET: {
        summary: 'The audit trail, seq ascending (applicants: redacted view)',
        roles: EVERYONE,
        response: { status: 200, description: 'Every event.', schema: AuditTrailSchema },
        handle: async (request) =>
          json(200, { items: await useCases.auditTrail(deps, caller(request), param(request, 'id')) }),
      },
    },
  },
  {
    pattern: '/applications/:id/execution',
    methods: {
      GET: {
        summary: 'The Step Functions execution of the application; 404 when none is known',
        roles: WATCHERS,
        response: { status: 200, description: 'The current execution.', schema: ExecutionSchema },
        handle: async (request) => {
          const { applicationId, generation } = await watchedApplication(request);
          const execution = await workflow.describe(applicationId, generation);
          if (!execution) throw noExecution();
          return json(200, execution);
        },
      },
    },
  },
  {
    pattern: '/applications/:id/execution/history',
    methods: {
      GET: {
        summary: 'The visited states of the execution (no payloads or tokens)',
        roles: WATCHERS,
        response: { status: 200, description: 'History events.', schema: ExecutionHistorySchema },
        handle: async (request) => {
          const { applicationId, generation } = await watchedApplication(request);
          const events = await workflow.history(applicationId, generation);
          if (!events) throw noExecution();
          return json(200, { events });
        },
      },
    },
  },
];

/** The review queue. */
export const queueRoutes: Route[] = [
  {
    pattern: '/queue',
    methods: {
      GET: {
        summary: 'The review queue in queue order',
        roles: ['reviewer', 'senior-reviewer'],
        query: QueueQuerySchema,
        response: { status: 200, description: 'One page of the queue.', schema: QueuePageSchema },
        handle: async (request) => {
          const query = validate(QueueQuerySchema, request.event.queryStringParameters ?? {}, 'query');
          return json(200, await queueUseCases.listQueue(deps, caller(request), query));
        },
      },
    },
  },
  {
    pattern: '/queue/claim-next',
    methods: {
      POST: {
        summary: 'Claim the first unassigned UNDER_REVIEW case in queue order; 404 when none',
        roles: ['reviewer', 'senior-reviewer'],
        body: ActionBodySchemas.claim,
        response: APPLICATION,
        handle: async (request) => {
          const actor = caller(request);
          validate(ActionBodySchemas.claim, jsonBody(request.event, true));
          return withEtag(200, view(request, await queueUseCases.claimNext(deps, actor, meta(request))));
        },
      },
    },
  },
];

/** The domain-event feed and running the reconciler. */
export const operationRoutes: Route[] = [
  {
    pattern: '/events',
    methods: {
      GET: {
        summary: 'Domain events in the order they were recorded (docs/events.md)',
        description:
          '`since` (inclusive) filters by `recordedAt`; `cursor` continues after the previous page and is ' +
          'null once the page reached the end. To follow the feed, ask again with `since` a few seconds ' +
          'before the last `recordedAt` seen and skip ids already seen (delivery is at least once).',
        roles: WATCHERS,
        query: EventsQuerySchema,
        response: { status: 200, description: 'One page of events.', schema: pageOf(DomainEventSchema) },
        handle: async (request) => {
          const query = validate(EventsQuerySchema, request.event.queryStringParameters ?? {}, 'query');
          return json(200, await listEvents(events, caller(request), query));
        },
      },
    },
  },
  {
    pattern: '/ops/reconcile',
    methods: {
      POST: {
        summary: 'Run the reconciler now: repair missing, stuck or ended executions',
        roles: ['operator'],
        body: ActionBodySchemas.claim,
        response: {
          status: 200,
          description: 'What it checked and repaired, and the overdue licences it expired.',
          schema: ReconcileSummarySchema,
        },
        handle: async (request) => {
          if (!hasRole(caller(request), 'operator'))
            throw new ForbiddenError('Only operators run the reconciler.');
          validate(ActionBodySchemas.claim, jsonBody(request.event, true));
          return json(200, await runReconciler());
        },
      },
    },
  },
];

/** The licence registry (API.md "Licences"): licences, their actions, usage and audit trail. */
export const licenceRoutes: Route[] = [
  {
    pattern: '/licences',
    methods: {
      GET: {
        summary: 'List the licences the caller may see (applicants: their org as holder)',
        roles: LICENCE_VIEWERS,
        query: LicenceListQuerySchema,
        response: { status: 200, description: 'One page.', schema: pageOf(LicenceViewSchema) },
        handle: async (request) => {
          const query = validate(LicenceListQuerySchema, request.event.queryStringParameters ?? {}, 'query');
          return json(200, await licences.listLicences(deps, caller(request), query));
        },
      },
    },
  },
  {
    pattern: '/licences/:number',
    methods: {
      GET: {
        summary: 'One licence; ETag is its version (the verification code for the holder and the authority)',
        roles: LICENCE_VIEWERS,
        response: LICENCE,
        handle: async (request) =>
          withLicenceEtag(await licences.getLicence(deps, caller(request), param(request, 'number'))),
      },
    },
  },
  ...licenceActionRoutes,
  {
    pattern: '/licences/:number/actions/:action',
    methods: {
      POST: {
        summary: `System licence actions (${SYSTEM_LICENCE_ACTIONS.join(', ')}) are never callable: 403 (404 if not visible)`,
        roles: [],
        response: { status: 403, description: 'Always refused.', schema: ErrorResponseSchema },
        handle: async (request) => {
          const action = param(request, 'action');
          if (!(SYSTEM_LICENCE_ACTIONS as readonly string[]).includes(action)) {
            throw new NotFoundError(`No such action "${action}".`);
          }
          // 404 when not visible, else 403.
          await licences.getLicence(deps, caller(request), param(request, 'number'));
          throw new ForbiddenError(`"${action}" is a system action and cannot be requested.`);
        },
      },
    },
  },
  {
    pattern: '/licences/:number/usage',
    methods: {
      GET: {
        summary: "The licence's usage records (shipments), oldest first; values only for those who see them",
        roles: LICENCE_READERS,
        response: { status: 200, description: 'Every usage record.', schema: UsageListSchema },
        handle: async (request) =>
          json(200, {
            items: await licences.licenceUsage(deps, caller(request), param(request, 'number')),
          }),
      },
    },
  },
  {
    pattern: '/licences/:number/audit',
    methods: {
      GET: {
        summary: "The licence's own audit trail, seq ascending (applicants: redacted view)",
        roles: LICENCE_VIEWERS,
        response: { status: 200, description: 'Every event.', schema: LicenceAuditTrailSchema },
        handle: async (request) =>
          json(200, {
            items: await licences.licenceAuditTrail(deps, caller(request), param(request, 'number')),
          }),
      },
    },
  },
];

/** The public licence check and the keys that verify a licence. */
export const publicLicenceRoutes: Route[] = [
  {
    // Public: no token. A wrong code is a 404 like an unknown number.
    pattern: '/verify/:number',
    methods: {
      GET: {
        summary:
          'Public licence check: status and validity; with the code also parties, goods (no values), the JWS',
        roles: 'public',
        query: VerifyQuerySchema,
        response: { status: 200, description: 'What the caller may see.', schema: LicenceVerificationSchema },
        handle: async (request) => {
          const query = validate(VerifyQuerySchema, request.event.queryStringParameters ?? {}, 'query');
          return json(200, await licences.verifyLicence(deps, param(request, 'number'), query.code), {
            'cache-control': 'no-store',
          });
        },
      },
    },
  },
  {
    pattern: '/.well-known/jwks.json',
    methods: {
      GET: {
        summary: "The authority's public licence-signing keys (JWKS, retired keys kept)",
        roles: 'public',
        response: { status: 200, description: 'A JSON Web Key Set.', schema: JwksSchema },
        handle: async () => json(200, await deps.signer.jwks(), { 'cache-control': 'public, max-age=300' }),
      },
    },
  },
];

/** The api function's routes (functions/handlers/api.ts); audit-routes.ts holds the rest of the contract. */
export const routes: Route[] = [
  ...serviceRoutes,
  ...applicationRoutes,
  ...queueRoutes,
  ...operationRoutes,
  ...licenceRoutes,
  ...publicLicenceRoutes,
];

/**
 * The reconciler, now: its own function (RECONCILER_FUNCTION_NAME), which holds the Step Functions
 * rights the API does not; the local stack runs it in its process (local/lambdas.ts).
 */
async function runReconciler(): Promise<ReconcilerRun> {
  const functionName = process.env.RECONCILER_FUNCTION_NAME;
  if (!functionName) throw new Error('RECONCILER_FUNCTION_NAME is not set for this function');
  return invokeForJson<ReconcilerRun>(functionName);
}
