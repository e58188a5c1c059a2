import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { config } from '../adapters/config.ts';
import { toStoredApplication } from '../adapters/dynamodb.ts';
import { unmarshall } from '../adapters/dynamodb-sdk.ts';
import { logger } from '../adapters/observability.ts';
import { DynamoStatsStore } from '../adapters/stats-store.ts';
import {
  applyContribution,
  contributionMoved,
  contributionOf,
  type StatsStore,
} from '../domain/applications/stats.ts';
import type { DomainConfig } from '../domain/config.ts';
import type { Application } from '../domain/schemas.ts';

/**
 * The stats consumer on the applications stream (its second and last reader, beside the relay):
 * each record's NEW image becomes that application's contribution, applied only when its version
 * is higher than the one applied (duplicates and out-of-order records change nothing). A record
 * whose OLD image contributes the same (a claim, a task token) costs no read and no write. A failing
 * record fails alone (partial batch response); the stream retries it, then the DLQ gets it.
 */
export async function statsRecord(
  deps: { store: StatsStore; config: DomainConfig },
  record: DynamoDBRecord,
): Promise<void> {
  const image = record.dynamodb?.NewImage;
  if (!image) return;
  const application = applicationOf(image);
  const counters = contributionOf(application, deps.config);
  const old = record.dynamodb?.OldImage;
  const previous = old ? contributionOf(applicationOf(old), deps.config) : null;
  const result = contributionMoved(previous, counters)
    ? await applyContribution(deps.store, application.applicationId, {
        version: application.version,
        counters,
      })
    : 'unchanged';
  logger.debug('stats record', {
    applicationId: application.applicationId,
    version: application.version,
    result,
  });
}

type StreamImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

function applicationOf(image: StreamImage): Application {
  return toStoredApplication(unmarshall(image as unknown as Record<string, AttributeValue>)).application;
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
