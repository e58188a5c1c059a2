import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { ActionResponseSchema, ApplicationViewSchema, LIMITS } from '../../domain/schemas.ts';
import * as z from '../../domain/zod.ts';
import { ERROR_STATUS, ErrorResponseSchema } from './responses.ts';
import type { Method, Operation, Route } from './router.ts';

/**
 * The OpenAPI 3.1 document, built from the route table (router.ts `Operation`s) and the zod schemas
 * they validate with. Adding a route with its schemas documents it. `npm run openapi` writes it to
 * openapi.json, which `GET /openapi.json` serves (the generator stays out of the api bundle).
 */

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
        ? {
            path: z.object(
              Object.fromEntries(params.map((name) => [name, z.string().check(z.maxLength(128))])),
            ),
          }
        : {}),
      ...(operation.query ? { query: operation.query } : {}),
      ...(method === 'GET'
        ? {}
        : {
            header: z.object({
              'idempotency-key': z.optional(z.string().check(z.maxLength(LIMITS.name))),
              ...(params.length > 0 ? { 'if-match': z.optional(z.string().check(z.maxLength(16))) } : {}),
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

/** Where `npm run openapi` writes the document, which `GET /openapi.json` serves (routes.ts). */
export const OPENAPI_JSON_PATH = new URL('./openapi.json', import.meta.url);

/** The document as `npm run openapi` writes it. */
export const openApiJson = (routes: readonly Route[]): string =>
  `${JSON.stringify(openApiDocument(routes), null, 2)}\n`;
