import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { HttpResult } from '../../adapters/http.ts';
import { MethodNotAllowedError, NotFoundError } from '../../domain/errors.ts';
import type * as z from '../../domain/zod.ts';

/** A tiny path router: `/applications/:id/actions/:action` patterns, 404 and 405 for misses. */
export interface RouteRequest {
  event: APIGatewayProxyEvent;
  context: Context;
  params: Record<string, string>;
}
export type RouteHandler = (request: RouteRequest) => Promise<HttpResult>;
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * One method of a route: its handler and what `GET /openapi.json` says about it. The schemas are
 * the ones the handler validates with (functions/domain/schemas.ts), so the document cannot drift.
 */
export interface Operation {
  summary: string;
  description?: string;
  /** Who may call it (`public`: no token). */
  roles: readonly string[] | 'public';
  query?: z.ZodMiniObject;
  body?: z.ZodMiniType;
  response: { status: number; description: string; schema: z.ZodMiniType };
  /** Error codes beyond those every operation of its kind can answer (see openapi.ts). */
  errors?: readonly string[];
  handle: RouteHandler;
}

export interface Route {
  /** `/applications/:id`; `:name` is a path parameter. */
  pattern: string;
  methods: Partial<Record<Method, Operation>>;
}

const MAX_SEGMENT = 128;

function match(pattern: string, segments: string[]): Record<string, string> | null {
  const parts = pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return null;
  }
  return params;
}

export function resolveRoute(routes: readonly Route[], method: string, path: string) {
  let segments: string[];
  try {
    segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new NotFoundError('No such route.');
  }
  if (segments.some((segment) => segment.length > MAX_SEGMENT)) throw new NotFoundError('No such route.');
  for (const route of routes) {
    const params = match(route.pattern, segments);
    if (!params) continue;
    const operation = route.methods[method as Method];
    if (!operation) throw new MethodNotAllowedError(Object.keys(route.methods));
    return { handler: operation.handle, params };
  }
  throw new NotFoundError('No such route.');
}
