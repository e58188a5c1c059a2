import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import {
  ActionResponseSchema,
  ActorSchema,
  ApplicationViewSchema,
  AuditEventSchema,
  DocumentRecordSchema,
  FlagSchema,
  LaneSchema,
  LIMITS,
} from '../../domain/schemas.ts';
import type { Method, Operation, Route } from './router.ts';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document, built from the route table (router.ts `Operation`s)
 * and the zod schemas they validate with. Adding a route with its schemas documents it.
 */

/** Every error code the API answers, with its status (API.md "Errors"). */
export const ERROR_STATUS: Record<string, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_ASSIGNED: 403,
  SEPARATION_OF_DUTIES: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INVALID_TRANSITION: 409,
  ALREADY_ASSIGNED: 409,
  VERSION_CONFLICT: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INCOMPLETE: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  THROTTLED: 429,
  INTERNAL: 500,
};

export const ErrorResponseSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(Object.keys(ERROR_STATUS) as [string, ...string[]]),
      message: z.string(),
      details: z.array(z.record(z.string(), z.unknown())),
    }),
  })
  .meta({ id: 'Error' });

export const HealthSchema = z.strictObject({ status: z.literal('ok') });
export const OpenApiDocumentSchema = z.record(z.string(), z.unknown());
/** `GET /stats` (API.md "Statistics"): figures, or "<5" where a count is suppressed. */
export const PublicStatsSchema = z.record(z.string(), z.unknown());
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item), cursor: z.string().nullable() });
export const DocumentContentSchema = z.strictObject({
  document: DocumentRecordSchema,
  contentBase64: z.string(),
});
/** Applicants see authority actors by role and system actors without their name. */
const AuditActorViewSchema = z.union([
  ActorSchema,
  z.strictObject({ kind: z.literal('user'), role: z.string() }),
  z.strictObject({ kind: z.literal('system') }),
]);
export const AuditTrailSchema = z.strictObject({
  items: z.array(AuditEventSchema.extend({ actor: AuditActorViewSchema })),
});
export const ChainVerificationSchema = z.union([
  z.strictObject({ valid: z.literal(true), events: z.number().int(), headHash: z.string() }),
  z.strictObject({ valid: z.literal(false), brokenAt: z.number().int(), reason: z.string() }),
]);
export const ExecutionSchema = z.strictObject({
  executionArn: z.string(),
  name: z.string(),
  generation: z.number().int(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
  currentState: z.string().nullable(),
  startDate: z.string(),
  stopDate: z.string().nullable(),
});
export const ExecutionHistorySchema = z.strictObject({
  events: z.array(
    z.strictObject({
      id: z.number().int(),
      timestamp: z.string(),
      type: z.string(),
      state: z.string().nullable(),
    }),
  ),
});
export const QueuePageSchema = z.strictObject({
  items: z.array(
    z.strictObject({
      applicationId: z.string(),
      status: z.enum(['UNDER_REVIEW', 'INFORMATION_REQUESTED', 'PENDING_SIGN_OFF']),
      lane: LaneSchema.nullable(),
      dueAt: z.string().nullable(),
      nearDue: z.boolean(),
      workingDaysElapsed: z.number().int(),
      workingDaysLeft: z.number().int(),
      paused: z.boolean(),
      assignedTo: z.string().nullable(),
      flags: z.array(FlagSchema),
      exporterCountry: z.string().nullable(),
      endUserCountry: z.string().nullable(),
    }),
  ),
  cursor: z.string().nullable(),
  evaluatedAt: z.string(),
});

const pathParameters = (pattern: string): string[] =>
  [...pattern.matchAll(/:(\w+)/g)].map((match) => match[1] ?? '');

/** The codes an operation can answer: the common ones of its kind and its own. */
export function errorCodes(operation: Operation, method: Method, pattern: string): string[] {
  const codes = new Set<string>(['THROTTLED', 'INTERNAL']);
  if (operation.roles !== 'public') codes.add('UNAUTHORIZED').add('FORBIDDEN');
  if (operation.query || operation.body) codes.add('VALIDATION_FAILED');
  if (operation.body) codes.add('PAYLOAD_TOO_LARGE');
  if (pathParameters(pattern).length > 0) codes.add('NOT_FOUND');
  if (method !== 'GET') {
    codes.add('IDEMPOTENCY_IN_PROGRESS').add('IDEMPOTENCY_KEY_REUSED').add('VERSION_CONFLICT');
  }
  for (const code of operation.errors ?? []) codes.add(code);
  return [...codes];
}

function errorResponses(codes: readonly string[]) {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    if (status === undefined) throw new Error(`undocumented error code ${code}`);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.join(', '),
        content: { 'application/json': { schema: ErrorResponseSchema } },
      },
    ]),
  );
}

function describeOperation(route: Route, method: Method, operation: Operation): ZodOpenApiOperationObject {
  const params = pathParameters(route.pattern);
  const who = operation.roles === 'public' ? 'public (no token)' : operation.roles.join(', ') || 'nobody';
  const codes = errorCodes(operation, method, route.pattern);
  return {
    operationId: `${method.toLowerCase()}${route.pattern.replace(/[/:-](\w)/g, (_, c: string) => c.toUpperCase())}`,
    summary: operation.summary,
    description: `${operation.description ? `${operation.description}\n\n` : ''}Who: ${who}.`,
    'x-roles': operation.roles,
    security: operation.roles === 'public' ? [] : [{ bearer: [] }],
    requestParams: {
      ...(params.length > 0
        ? { path: z.object(Object.fromEntries(params.map((name) => [name, z.string().max(128)]))) }
        : {}),
      ...(operation.query ? { query: operation.query } : {}),
      ...(method === 'GET'
        ? {}
        : {
            header: z.object({
              'idempotency-key': z.string().max(LIMITS.name).optional(),
              ...(params.length > 0 ? { 'if-match': z.string().max(16).optional() } : {}),
            }),
          }),
    },
    ...(operation.body
      ? { requestBody: { content: { 'application/json': { schema: operation.body } } } }
      : {}),
    responses: {
      [String(operation.response.status)]: {
        description: operation.response.description,
        content: { 'application/json': { schema: operation.response.schema } },
      },
      ...errorResponses(codes.filter((code) => ERROR_STATUS[code] !== operation.response.status)),
    },
  };
}

let cached: ReturnType<typeof createDocument> | undefined;

export function openApiDocument(routes: readonly Route[]) {
  if (cached) return cached;
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = route.pattern.replace(/:(\w+)/g, '{$1}');
    const item: Record<string, ZodOpenApiOperationObject> = {};
    for (const [method, operation] of Object.entries(route.methods) as [Method, Operation][]) {
      item[method.toLowerCase()] = describeOperation(route, method, operation);
    }
    paths[path] = item;
  }
  cached = createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Licence workflow API',
      version: '1',
      description:
        'Export-licence applications: lifecycle, documents, review, audit trail. Every error has the ' +
        'shape {"error":{"code","message","details"}} and every response carries x-request-id. Human ' +
        'guide: docs/api.md.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Application: ApplicationViewSchema, ActionResponse: ActionResponseSchema },
    },
    paths,
  });
  return cached;
}
