import { auditRoutes } from './api/audit-routes.ts';
import { restHandler } from './api/rest-handler.ts';

/**
 * The audit-api function: audit-chain verification for auditors and operators
 * (`GET …/audit/verify` of applications and licences, functions/handlers/api/paths.ts).
 */
export const handler = restHandler(auditRoutes);
