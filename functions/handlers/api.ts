import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { toHttpResponse } from '../adapters/http.ts';
import { idempotent } from '../adapters/idempotency.ts';
import { appendLogKeys, logger, withLogKeys } from '../adapters/observability.ts';
import { resolveRoute } from './api/router.ts';
import { idempotencyKey, routes } from './api/routes.ts';

/**
 * API Gateway REST proxy handler: route → use case → response. Mutations with an
 * Idempotency-Key run at most once per caller, method, path and key. The request's log fields go
 * on this invocation's lines only.
 */
export const handler = (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  const requestId = event.requestContext?.requestId ?? context.awsRequestId;
  return withLogKeys({ requestId, method: event.httpMethod, path: event.path }, () =>
    handle(event, context, requestId),
  );
};

async function handle(
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
      key && event.httpMethod !== 'GET'
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
