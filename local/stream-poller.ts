import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/**
 * The local stand-in for Lambda's DynamoDB stream event source mapping: reads the table's stream
 * from DynamoDB Local and hands batches to `relay` as real `DynamoDBStreamEvent`s, with AWS's
 * partial-batch semantics (a failed record and those after it are retried; after MAX_ATTEMPTS the
 * failed record is skipped with an error log — the reconciler repairs what it would have done).
 *
 * Positions are checkpointed to a file after each delivered batch, so a restart resumes where the
 * last run stopped: records committed before a crash and not yet relayed are still relayed, and
 * a shard never seen before is read from TRIM_HORIZON. Redelivery after a crash mid-batch is
 * harmless: the relay is idempotent.
 */
export interface StreamPollerOptions {
  tableName: string;
  relay: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  /** JSON file of the last delivered sequence number per shard (of the current stream). */
  checkpointFile: string;
  intervalMs?: number;
  batchSize?: number;
  dynamodb?: DynamoDBClient;
  streams?: DynamoDBStreamsClient;
}

export interface StreamPoller {
  stop(): Promise<void>;
}

interface Checkpoints {
  streamArn: string;
  shards: Record<string, string>;
}

const MAX_ATTEMPTS = 5;
const RETRY_DELAY_MS = 250;
const MAX_BACKOFF_MS = 10_000;
const logger = new Logger({ serviceName: 'local-stream-poller' });

/** Holds taken by `holdStreamPollers` and not yet released; while any is held, no poller polls. */
let holds = 0;

/**
 * Stops every stream poller of this process from polling until the returned release is called
 * (records wait in the stream and are delivered after). The benchmark holds them while it times API
 * requests: on AWS the event source mappings poll from AWS's side and the consumers run in their
 * own Lambdas, while locally they would share this event loop and DynamoDB Local with the request.
 */
export function holdStreamPollers(): () => void {
  holds += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds -= 1;
  };
}

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  const streams = options.streams ?? new DynamoDBStreamsClient({});
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
  const saved = await readCheckpoints(options.checkpointFile);
  const reader = new StreamReader(
    streamArn,
    streams,
    options,
    saved?.streamArn === streamArn ? saved.shards : {},
  );
  const controller = new AbortController();
  // The first pass runs before this returns (and its failure is the caller's): once started, every
  // record that was in the stream has been delivered.
  try {
    await reader.pollOnce(controller.signal);
  } catch (error) {
    dynamodb.destroy();
    streams.destroy();
    throw error;
  }
  const intervalMs = options.intervalMs ?? 100;
  const loop = (async () => {
    // Doubles after each failed poll (DynamoDB gone), up to MAX_BACKOFF_MS; one success resets it.
    let waitMs = intervalMs;
    while (!controller.signal.aborted) {
      await sleep(waitMs, undefined, { signal: controller.signal }).catch(() => undefined);
      if (controller.signal.aborted) break;
      if (holds > 0) continue;
      try {
        await reader.pollOnce(controller.signal);
        waitMs = intervalMs;
      } catch (error) {
        if (controller.signal.aborted) break;
        waitMs = Math.min(waitMs * 2, Math.max(intervalMs, MAX_BACKOFF_MS));
        logger.error('polling the stream failed', { streamArn, retryInMs: waitMs, error });
      }
    }
  })();
  return {
    stop: async () => {
      controller.abort();
      await loop;
      dynamodb.destroy();
      streams.destroy();
    },
  };
}

class StreamReader {
  /** Open iterators by shard; a shard without one starts after its checkpoint. */
  private readonly iterators = new Map<string, string>();
  private readonly finishedShards = new Set<string>();

  constructor(
    private readonly streamArn: string,
    private readonly client: DynamoDBStreamsClient,
    private readonly options: StreamPollerOptions,
    private readonly checkpoints: Record<string, string>,
  ) {}

  /** Reads every shard until it has no more records for now, delivering batch by batch. */
  async pollOnce(signal: AbortSignal): Promise<void> {
    for (const shard of await this.shards()) {
      const shardId = shard.ShardId;
      if (!shardId || this.finishedShards.has(shardId)) continue;
      while (!signal.aborted) {
        const iterator = this.iterators.get(shardId) ?? (await this.iteratorFor(shardId));
        const page = await this.records(shardId, iterator);
        if (page === null) break;
        if (page.records.length > 0) await this.deliver(shardId, page.records, signal);
        if (page.next) this.iterators.set(shardId, page.next);
        else {
          this.iterators.delete(shardId);
          this.finishedShards.add(shardId);
        }
        if (page.records.length === 0 || !page.next) break;
      }
    }
  }

  private async shards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({
          StreamArn: this.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  /** After the checkpoint, or from the oldest record when there is none or it was trimmed away (24 h). */
  private async iteratorFor(shardId: string): Promise<string> {
    const after = this.checkpoints[shardId];
    try {
      const { ShardIterator } = await this.client.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shardId,
          ...(after
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      if (!ShardIterator) throw new Error(`no iterator for shard ${shardId}`);
      return ShardIterator;
    } catch (error) {
      if (!(after && error instanceof TrimmedDataAccessException)) throw error;
      logger.warn('the checkpoint was trimmed from the stream; reading from its oldest record', { shardId });
      delete this.checkpoints[shardId];
      return this.iteratorFor(shardId);
    }
  }

  /** A page of records, or null when the iterator expired (the next poll starts after the checkpoint). */
  private async records(shardId: string, iterator: string) {
    try {
      const result = await this.client.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize ?? 100 }),
      );
      return { records: result.Records ?? [], next: result.NextShardIterator };
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        // The next poll asks for a new iterator (after the checkpoint, or from the oldest record).
        this.iterators.delete(shardId);
        return null;
      }
      throw error;
    }
  }

  private async deliver(shardId: string, records: StreamRecord[], signal: AbortSignal): Promise<void> {
    let remaining = records;
    let attempts = 0;
    while (remaining.length > 0 && !signal.aborted) {
      const failedAt = await this.invokeRelay(remaining);
      const delivered = failedAt === -1 ? remaining : remaining.slice(0, failedAt);
      await this.checkpoint(shardId, delivered.at(-1));
      if (failedAt === -1) return;
      remaining = remaining.slice(failedAt);
      attempts += 1;
      if (attempts >= MAX_ATTEMPTS) {
        const skipped = remaining[0]?.dynamodb?.SequenceNumber;
        logger.error('relay failed a record repeatedly; skipping it', { shardId, sequenceNumber: skipped });
        await this.checkpoint(shardId, remaining[0]);
        remaining = remaining.slice(1);
        attempts = 0;
      } else {
        await sleep(RETRY_DELAY_MS * attempts, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Index of the first record the relay failed, or -1 when all succeeded. */
  private async invokeRelay(records: StreamRecord[]): Promise<number> {
    let response: DynamoDBBatchResponse;
    try {
      response = await this.options.relay({ Records: records.map((record) => this.toLambdaRecord(record)) });
    } catch (error) {
      logger.error('relay threw; retrying the batch', { error });
      return 0;
    }
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    return records.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ''));
  }

  private async checkpoint(shardId: string, record: StreamRecord | undefined): Promise<void> {
    const sequenceNumber = record?.dynamodb?.SequenceNumber;
    if (!sequenceNumber) return;
    this.checkpoints[shardId] = sequenceNumber;
    await writeCheckpoints(this.options.checkpointFile, {
      streamArn: this.streamArn,
      shards: this.checkpoints,
    });
  }

  /** The SDK's record as Lambda delivers it: epoch seconds, base64 binaries, the event source ARN. */
  private toLambdaRecord(record: StreamRecord): DynamoDBRecord {
    const approximate = record.dynamodb?.ApproximateCreationDateTime;
    // The holder's own value: a Buffer would otherwise reach the replacer already as {type, data}.
    const json = JSON.stringify(
      record,
      function (this: Record<string, unknown>, key: string, value: unknown) {
        const original = this[key];
        return original instanceof Uint8Array ? Buffer.from(original).toString('base64') : value;
      },
    );
    const lambdaRecord = JSON.parse(json) as DynamoDBRecord;
    if (lambdaRecord.dynamodb && approximate) {
      lambdaRecord.dynamodb.ApproximateCreationDateTime = Math.floor(approximate.getTime() / 1000);
    }
    return { ...lambdaRecord, eventSourceARN: this.streamArn };
  }
}

async function readCheckpoints(file: string): Promise<Checkpoints | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Checkpoints;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    logger.warn('ignoring an unreadable stream checkpoint file', { file, error });
    return null;
  }
}

/** Written aside and renamed into place, so a crash never leaves half a file. */
async function writeCheckpoints(file: string, checkpoints: Checkpoints): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(checkpoints));
  await rename(temp, file);
}
