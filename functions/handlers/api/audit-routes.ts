import { withCheckpoints } from '../../adapters/dependencies.ts';
import { json } from '../../adapters/http.ts';
import * as useCases from '../../domain/applications/use-cases.ts';
import * as licences from '../../domain/licences/use-cases.ts';
import { caller, deps, param } from './request-context.ts';
import { ChainVerificationSchema } from './responses.ts';
import type { Route } from './router.ts';

/**
 * The audit-api function's REST routes of API.md (functions/handlers/audit-api.ts): auditors and
 * operators verify an audit chain, against the newest signed checkpoint covering it. Only this
 * function verifies, so only it loads the checkpoint store and jose's JWS verification and reads
 * the checkpoints bucket.
 */
const verifying = withCheckpoints(deps);

export const applicationAuditVerification: Route[] = [
  {
    pattern: '/applications/:id/audit/verify',
    methods: {
      GET: {
        summary: 'Verify the hash chain of the audit trail',
        roles: ['auditor', 'operator'],
        response: { status: 200, description: 'The verdict.', schema: ChainVerificationSchema },
        handle: async (request) =>
          json(200, await useCases.verifyAuditTrail(verifying, caller(request), param(request, 'id'))),
      },
    },
  },
];

export const licenceAuditVerification: Route[] = [
  {
    pattern: '/licences/:number/audit/verify',
    methods: {
      GET: {
        summary: "Verify the hash chain of the licence's audit trail",
        roles: ['auditor', 'operator'],
        response: { status: 200, description: 'The verdict.', schema: ChainVerificationSchema },
        handle: async (request) =>
          json(
            200,
            await licences.verifyLicenceAuditTrail(verifying, caller(request), param(request, 'number')),
          ),
      },
    },
  },
];

/** The audit-api function's routes. */
export const auditRoutes: Route[] = [...applicationAuditVerification, ...licenceAuditVerification];
