import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { toHttpResponse } from '../adapters/http.ts';
import { idempotent } from '../adapters/idempotency.ts';
import { logger } from '../adapters/observability.ts';
import { resolveRoute } from './api/router.ts';
import { idempotencyKey, routes } from './api/routes.ts';

/**
 * API Gateway REST proxy handler: route → use case → response. Mutations with an
 * Idempotency-Key run at most once per caller, method, path and key.
 */
export const handler = async (
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  const requestId = event.requestContext?.requestId ?? context.awsRequestId;
  logger.resetKeys();
  logger.appendKeys({ requestId, method: event.httpMethod, path: event.path });
  let response: APIGatewayProxyResult;
  try {
    const { handler: route, params } = resolveRoute(routes, event.httpMethod, event.path);
    if (params.id) logger.appendKeys({ applicationId: params.id });
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
};
