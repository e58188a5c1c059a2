import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { config } from '../adapters/config.ts';
import { toStoredApplication } from '../adapters/dynamodb.ts';
import { logger } from '../adapters/observability.ts';
import { DynamoStatsStore } from '../adapters/stats-store.ts';
import { applyContribution, contributionOf, type StatsStore } from '../domain/applications/stats.ts';
import type { DomainConfig } from '../domain/config.ts';

/**
 * The stats consumer on the applications stream (its second and last reader, beside the relay):
 * each record's NEW image becomes that application's contribution, applied only when its version
 * is higher than the one applied (duplicates and out-of-order records change nothing). A failing
 * record fails alone (partial batch response); the stream retries it, then the DLQ gets it.
 */
export async function statsRecord(
  deps: { store: StatsStore; config: DomainConfig },
  record: DynamoDBRecord,
): Promise<void> {
  const image = record.dynamodb?.NewImage;
  if (!image) return;
  const { application } = toStoredApplication(unmarshall(image as unknown as Record<string, AttributeValue>));
  const result = await applyContribution(deps.store, application.applicationId, {
    version: application.version,
    counters: contributionOf(application, deps.config),
  });
  logger.debug('stats record', {
    applicationId: application.applicationId,
    version: application.version,
    result,
  });
}

const deps = { store: new DynamoStatsStore(), config };
const processor = new BatchProcessor(EventType.DynamoDBStreams);

export const handler = (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
  processPartialResponse(event, (record: DynamoDBRecord) => statsRecord(deps, record), processor, {
    context,
    // One aggregate item: records one after the other, not racing each other for it.
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });
