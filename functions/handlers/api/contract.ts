import { applicationAuditVerification, licenceAuditVerification } from './audit-routes.ts';
import type { Route } from './router.ts';
import {
  applicationRoutes,
  licenceRoutes,
  operationRoutes,
  publicLicenceRoutes,
  queueRoutes,
  serviceRoutes,
} from './routes.ts';

/**
 * Every route of the REST API, whichever function serves it (paths.ts), in the contract's order:
 * what `npm run openapi` documents (openapi.ts) and the tests check the functions against. No
 * function bundles it: each loads only its own table.
 */
export const allRoutes: readonly Route[] = [
  ...serviceRoutes,
  ...applicationRoutes,
  ...applicationAuditVerification,
  ...queueRoutes,
  ...operationRoutes,
  ...licenceRoutes,
  ...licenceAuditVerification,
  ...publicLicenceRoutes,
];
