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

/** One chain's verification: the pattern's path parameter names the chain, `verify` checks it. */
function verification(
  pattern: string,
  summary: string,
  verify: (actor: ReturnType<typeof caller>, id: string) => Promise<unknown>,
): Route {
  const name = /:(\w+)/.exec(pattern)?.[1] ?? '';
  return {
    pattern,
    methods: {
      GET: {
        summary,
        roles: ['auditor', 'operator'],
        response: { status: 200, description: 'The verdict.', schema: ChainVerificationSchema },
        handle: async (request) => json(200, await verify(caller(request), param(request, name))),
      },
    },
  };
}

export const applicationAuditVerification: Route[] = [
  verification('/applications/:id/audit/verify', 'Verify the hash chain of the audit trail', (actor, id) =>
    useCases.verifyAuditTrail(verifying, actor, id),
  ),
];

export const licenceAuditVerification: Route[] = [
  verification(
    '/licences/:number/audit/verify',
    "Verify the hash chain of the licence's audit trail",
    (actor, number) => licences.verifyLicenceAuditTrail(verifying, actor, number),
  ),
];

/** The audit-api function's routes. */
export const auditRoutes: Route[] = [...applicationAuditVerification, ...licenceAuditVerification];
