import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { header, toHttpResponse } from '../../adapters/http.ts';
import type { idempotent } from '../../adapters/idempotency.ts';
import { appendLogKeys, logger, withLogKeys } from '../../adapters/observability.ts';
import { type Route, type RouteRequest, resolveRoute } from './router.ts';

export type RestHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface RestHandlerOptions {
  /**
   * Runs mutations with an Idempotency-Key at most once (functions/adapters/idempotency.ts). Given
   * by a function that serves mutations; without it (audit-api: GETs only) the idempotency module
   * and its table are no part of the function.
   */
  idempotent?: typeof idempotent;
}

const idempotencyKey = (request: RouteRequest): string | undefined =>
  header(request.event, 'idempotency-key');

/**
 * The request pipeline every API function runs (API Gateway REST proxy): route → use case →
 * response, for its own route table. With `idempotent`, mutations with an Idempotency-Key run at
 * most once per caller, method, path and key. The request's log fields go on this invocation's
 * lines only.
 */
export function restHandler(routes: readonly Route[], options: RestHandlerOptions = {}): RestHandler {
  return (event, context) => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    return withLogKeys({ requestId, method: event.httpMethod, path: event.path }, () =>
      handle(routes, options, event, context, requestId),
    );
  };
}

async function handle(
  routes: readonly Route[],
  { idempotent }: RestHandlerOptions,
  event: APIGatewayProxyEvent,
  context: Context,
  requestId: string,
): Promise<APIGatewayProxyResult> {
  let response: APIGatewayProxyResult;
  try {
    const { handler: route, params } = resolveRoute(routes, event.httpMethod, event.path);
    if (params.id) appendLogKeys({ applicationId: params.id });
    const request = { event, context, params };
    const key = idempotencyKey(request);
    const claims = event.requestContext?.authorizer?.claims as Record<string, string> | undefined;
    response =
      idempotent && key && event.httpMethod !== 'GET'
        ? await idempotent(
            {
              scope: `${claims?.sub ?? ''} ${event.httpMethod} ${event.path} ${key}`,
              body: event.body ?? '',
            },
            context,
            () => route(request),
          )
        : await route(request);
  } catch (error) {
    response = toHttpResponse(error);
  }
  logger.info('request handled', { statusCode: response.statusCode });
  return { ...response, headers: { ...response.headers, 'x-request-id': requestId } };
}
