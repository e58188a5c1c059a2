import type { Context } from 'aws-lambda';
import { createDependencies } from '../adapters/dependencies.ts';
import { logger } from '../adapters/observability.ts';
import { workflowData } from '../domain/applications/timers.ts';
import { applySystemAction } from '../domain/applications/use-cases.ts';
import type { Dependencies } from '../domain/dependencies.ts';
import type { WorkflowData } from '../domain/ports.ts';
import * as z from '../domain/zod.ts';

/**
 * Timers and the screening Catch: `abandon`, `information-overdue` and `screening-failed` through the
 * domain (actor `system:system-transition`). A timer that fired before its rule applies (new
 * activity, a later due date) changes nothing: the same status comes back with the remaining
 * `timerSeconds`, so the state machine waits again. An action that no longer applies answers the
 * current status.
 */
const SystemTransitionPayload = z.object({
  applicationId: z.string().check(z.minLength(1), z.maxLength(64)),
  generation: z.number().check(z.int(), z.gte(1)),
  action: z.enum(['abandon', 'information-overdue', 'screening-failed']),
});
type SystemTransitionPayload = z.infer<typeof SystemTransitionPayload>;

const SCREENING_FAILED = 'Screening could not run: the screening step failed after its retries.';

export async function systemTransition(
  deps: Dependencies,
  { applicationId, generation, action }: SystemTransitionPayload,
  requestId: string,
): Promise<WorkflowData> {
  const result =
    action === 'screening-failed'
      ? await applySystemAction(
          deps,
          'system-transition',
          applicationId,
          action,
          { error: SCREENING_FAILED },
          requestId,
        )
      : await applySystemAction(deps, 'system-transition', applicationId, action, {}, requestId);
  logger.info('system transition', {
    applicationId,
    requestId,
    action,
    status: result.application.status,
    early: result.wakeAt !== undefined,
  });
  return workflowData(result.application, generation, deps.now(), deps.config);
}

const deps = createDependencies();

export const handler = async (event: unknown, context: Context): Promise<WorkflowData> => {
  const payload = SystemTransitionPayload.parse(event);
  return systemTransition(deps, payload, context.awsRequestId);
};
