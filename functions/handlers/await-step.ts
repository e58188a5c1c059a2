import type { Context } from 'aws-lambda';
import { clock } from '../adapters/clock.ts';
import { config } from '../adapters/config.ts';
import { logger } from '../adapters/observability.ts';
import { StepFunctionsWorkflow } from '../adapters/stepfunctions.ts';
import { WorkflowItems } from '../adapters/workflow-items.ts';
import { isFinal } from '../domain/applications/lifecycle.ts';
import { workflowData } from '../domain/applications/timers.ts';
import type { DomainConfig } from '../domain/config.ts';
import type { WorkflowEngine } from '../domain/ports.ts';
import { StatusSchema } from '../domain/schemas.ts';
import * as z from '../domain/zod.ts';

/**
 * A human step (`lambda:invoke.waitForTaskToken`): stores the task token on the application while
 * it is still in the step's status; the commit that changes the status removes the token and the
 * stream relay wakes the step (outbox). If the status moved on before the token was stored, this
 * function wakes the step itself with the current status. Errors are thrown, never swallowed: the
 * task then fails and the execution does not wait forever. The token is never logged.
 */
const AwaitStepPayload = z.object({
  applicationId: z.string().check(z.minLength(1), z.maxLength(64)),
  generation: z.number().check(z.int(), z.gte(1)),
  state: z.string().check(z.minLength(1), z.maxLength(80)),
  expectedStatus: StatusSchema,
  token: z.string().check(z.minLength(1), z.maxLength(4096)),
});
export type AwaitStepPayload = z.infer<typeof AwaitStepPayload>;

/** The execution belongs to a generation the reconciler has replaced; it must not wait on the item. */
export class StaleGenerationError extends Error {
  override readonly name = 'StaleGeneration';
}

export interface AwaitStepDependencies {
  items: Pick<WorkflowItems, 'storePendingTask'>;
  workflow: Pick<WorkflowEngine, 'sendTaskSuccess'>;
  now: () => Date;
  config: DomainConfig;
}

export async function awaitStep(deps: AwaitStepDependencies, payload: AwaitStepPayload): Promise<void> {
  const { applicationId, generation, state, expectedStatus, token } = payload;
  const outcome = await deps.items.storePendingTask(applicationId, expectedStatus, {
    token,
    state,
    generation,
  });
  if (outcome.stored) return;
  const { current } = outcome;
  if (!current) throw new Error(`application ${applicationId} does not exist`);
  const { application, workflow } = current;
  // An old generation may still finish when the application is final; otherwise it ends here
  // (FAILED with StaleGeneration) and the current generation carries on alone.
  if (workflow.generation !== generation && !isFinal(application.status)) {
    throw new StaleGenerationError(
      `execution generation ${generation} is superseded by generation ${workflow.generation}`,
    );
  }
  logger.info('status moved on before the step waited; waking it', {
    applicationId,
    generation,
    state,
    status: application.status,
  });
  await deps.workflow.sendTaskSuccess(token, workflowData(application, generation, deps.now(), deps.config));
}

const deps: AwaitStepDependencies = {
  items: new WorkflowItems(),
  workflow: new StepFunctionsWorkflow(),
  now: () => clock.now(),
  config,
};

export const handler = async (event: unknown, _context?: Context): Promise<void> => {
  await awaitStep(deps, AwaitStepPayload.parse(event));
};
