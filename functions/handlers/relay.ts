import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { clock } from '../adapters/clock.ts';
import { config } from '../adapters/config.ts';
import { logger } from '../adapters/observability.ts';
import { StepFunctionsWorkflow } from '../adapters/stepfunctions.ts';
import { workflowData } from '../domain/applications/timers.ts';
import type { DomainConfig } from '../domain/config.ts';
import type { WorkflowEngine } from '../domain/ports.ts';
import { InformationRequestSchema, StatusSchema } from '../domain/schemas.ts';

/**
 * The outbox relay on the applications stream (NEW_AND_OLD_IMAGES): a new application starts its
 * execution `<applicationId>-1` with deterministic input; a committed status change wakes the step
 * whose task token is in the OLD image. Everything is idempotent — a repeated start with the same
 * name, a token already used or timed out are ignored — so records may be delivered more than once.
 * Any other error fails the record alone (partial batch response); the stream retries it.
 */
const StreamImage = z.object({
  applicationId: z.string(),
  status: StatusSchema,
  generation: z.number().int().min(1).default(1),
  createdAt: z.string(),
  lastActivityAt: z.string(),
  informationRequests: z.array(InformationRequestSchema),
  pendingTask: z
    .object({ token: z.string(), state: z.string(), generation: z.number().int().min(1) })
    .optional(),
});
type StreamImage = z.infer<typeof StreamImage>;

const imageOf = (image: NonNullable<DynamoDBRecord['dynamodb']>['NewImage']): StreamImage | null =>
  image ? StreamImage.parse(unmarshall(image as unknown as Record<string, AttributeValue>)) : null;

export interface RelayDependencies {
  workflow: Pick<WorkflowEngine, 'start' | 'sendTaskSuccess'>;
  now: () => Date;
  config: DomainConfig;
}

export async function relayRecord(deps: RelayDependencies, record: DynamoDBRecord): Promise<void> {
  const next = imageOf(record.dynamodb?.NewImage);
  if (record.eventName === 'INSERT' && next) {
    // "Now" is the creation time, so a retried start has the same input: a fresh draft's full timer.
    const started = await deps.workflow.start(
      workflowData(next, next.generation, new Date(next.createdAt), deps.config),
    );
    logger.info('execution start relayed', { applicationId: next.applicationId, started });
    return;
  }
  if (record.eventName !== 'MODIFY' || !next) return;
  const previous = imageOf(record.dynamodb?.OldImage);
  const task = previous?.pendingTask;
  if (!previous || !task || previous.status === next.status) return;
  const woken = await deps.workflow.sendTaskSuccess(
    task.token,
    workflowData(next, task.generation, deps.now(), deps.config),
  );
  logger.info('status change relayed', {
    applicationId: next.applicationId,
    from: previous.status,
    to: next.status,
    state: task.state,
    woken,
  });
}

const processor = new BatchProcessor(EventType.DynamoDBStreams);
const deps: RelayDependencies = { workflow: new StepFunctionsWorkflow(), now: () => clock.now(), config };

export const handler = async (
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> => {
  return processPartialResponse(event, (record: DynamoDBRecord) => relayRecord(deps, record), processor, {
    context,
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });
};
