import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { clock } from '../adapters/clock.ts';
import { config } from '../adapters/config.ts';
import { unmarshall } from '../adapters/dynamodb-sdk.ts';
import { eventPublisherFromEnv } from '../adapters/event-bus.ts';
import { logger } from '../adapters/observability.ts';
import { StepFunctionsWorkflow } from '../adapters/stepfunctions.ts';
import { WorkflowItems } from '../adapters/workflow-items.ts';
import { isFinal } from '../domain/applications/lifecycle.ts';
import { workflowData } from '../domain/applications/timers.ts';
import type { DomainConfig } from '../domain/config.ts';
import type { EventPublisher } from '../domain/events.ts';
import type { WorkflowEngine } from '../domain/ports.ts';
import { InformationRequestSchema, StatusSchema } from '../domain/schemas.ts';
import * as z from '../domain/zod.ts';
import { publishChange } from './domain-events.ts';

/**
 * The outbox relay on the applications stream (NEW_AND_OLD_IMAGES): a new application starts its
 * execution `<applicationId>-1` with deterministic input; a committed status change wakes the step
 * whose task token is in the OLD image. A status that leaves a final status (an appeal of a
 * denial) has no step to wake — that execution ended — so the relay advances `generation` (a
 * conditional write, as the reconciler does) and starts the next execution from the new status. Everything is idempotent — a repeated start with the same
 * name, a token already used or timed out are ignored — so records may be delivered more than once.
 * Any other error fails the record alone (partial batch response); the stream retries it.
 * After the workflow, the record's domain event (if the version increased) is published: the
 * relay is the applications stream's event publisher too (the stats consumer is its only other reader).
 */
const StreamImage = z.object({
  applicationId: z.string(),
  status: StatusSchema,
  generation: z._default(z.number().check(z.int(), z.gte(1)), 1),
  createdAt: z.string(),
  lastActivityAt: z.string(),
  informationRequests: z.array(InformationRequestSchema),
  pendingTask: z.optional(
    z.object({ token: z.string(), state: z.string(), generation: z.number().check(z.int(), z.gte(1)) }),
  ),
});
type StreamImage = z.infer<typeof StreamImage>;

const imageOf = (image: NonNullable<DynamoDBRecord['dynamodb']>['NewImage']): StreamImage | null =>
  image ? StreamImage.parse(unmarshall(image as unknown as Record<string, AttributeValue>)) : null;

export interface RelayDependencies {
  workflow: Pick<WorkflowEngine, 'start' | 'sendTaskSuccess'>;
  items: Pick<WorkflowItems, 'advanceGeneration'>;
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
  if (!previous || previous.status === next.status) return;
  if (isFinal(previous.status)) {
    await startNextGeneration(deps, previous, next);
    return;
  }
  const task = previous.pendingTask;
  if (!task) return;
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

/**
 * The execution of a final status has ended (a token left on the item is spent). Whoever advances
 * the generation starts it; a repeated record, or a reconciler that got there first, starts
 * nothing. A crash between the two writes leaves the new generation without an execution, which
 * the reconciler starts.
 */
async function startNextGeneration(deps: RelayDependencies, previous: StreamImage, next: StreamImage) {
  const { applicationId } = next;
  const generation = next.generation + 1;
  const advanced = await deps.items.advanceGeneration(applicationId, next.generation);
  const started =
    advanced && (await deps.workflow.start(workflowData(next, generation, deps.now(), deps.config)));
  logger.info('next generation relayed', {
    applicationId,
    from: previous.status,
    to: next.status,
    generation,
    started,
  });
}

const processor = new BatchProcessor(EventType.DynamoDBStreams);
const deps: RelayDependencies = {
  workflow: new StepFunctionsWorkflow(),
  items: new WorkflowItems(),
  now: () => clock.now(),
  config,
};
const events: EventPublisher = eventPublisherFromEnv();

/** The workflow first (what the application waits for), then the event; a retry repeats both harmlessly. */
async function relayAndPublish(record: DynamoDBRecord): Promise<void> {
  await relayRecord(deps, record);
  await publishChange(events, 'application', record, deps.now());
}

export const handler = async (
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> => {
  return processPartialResponse(event, relayAndPublish, processor, {
    context,
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });
};
