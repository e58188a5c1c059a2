import { idempotent } from '../adapters/idempotency.ts';
import { restHandler } from './api/rest-handler.ts';
import { routes } from './api/routes.ts';

/**
 * The api function: every route of the REST API but audit-chain verification, which audit-api.ts
 * serves (functions/handlers/api/paths.ts says which paths go where).
 */
export const handler = restHandler(routes, { idempotent });
