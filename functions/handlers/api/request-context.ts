import { createDependencies } from '../../adapters/dependencies.ts';
import { ifMatchVersion } from '../../adapters/http.ts';
import { actorFromClaims } from '../../domain/access.ts';
import type { RouteRequest } from './router.ts';

/** What every API function's routes read from a request, and their ports (once per module). */
export const deps = createDependencies();

export const caller = ({ event }: RouteRequest) =>
  actorFromClaims(event.requestContext.authorizer?.claims as Record<string, string> | undefined);
export const meta = ({ event, context }: RouteRequest) => ({
  requestId: event.requestContext.requestId ?? context.awsRequestId,
  ifMatch: ifMatchVersion(event),
});
export const param = (request: RouteRequest, name: string): string => request.params[name] ?? '';
