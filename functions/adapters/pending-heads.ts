import type { AnchoredHead, AnchoredKind } from '../domain/checkpoints.ts';
import type { PendingHeads } from '../domain/ports.ts';
import { documentClient } from './dynamodb.ts';
import {
  BatchGetCommand,
  ConditionalCheckFailedException,
  type DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from './dynamodb-sdk.ts';
import {
  ANCHOR_PENDING,
  ANCHOR_PENDING_ATTRIBUTE,
  GSI,
  LICENCE_GSI,
  type TableNames,
  tableNamesFromEnv,
} from './table-definitions.ts';

/** At most this many heads go into one checkpoint; the rest stay marked for the next run. */
export const MAX_HEADS_PER_CHECKPOINT = 10_000;
const BATCH_GET_LIMIT = 100;
const PARALLEL_CLEARS = 16;

/** Where one kind of chain keeps its head: table, sparse index and the item key of an id. */
interface ChainSource {
  kind: AnchoredKind;
  table: string;
  index: { name: string; partitionKey: string; sortKey: string };
  key: (id: string) => Record<string, string>;
}

/**
 * The pending heads from the sparse `anchorPending` indexes of the Applications and Licences
 * tables (set in the same write as each audit event): the index names the items, each head
 * (`version`, `auditHeadHash`) is read by key, strongly consistent. A mark is cleared only while
 * the item is still at the anchored head, so a change that landed after the read stays pending.
 */
export class DynamoPendingHeads implements PendingHeads {
  private readonly sources: ChainSource[];

  constructor(
    tables: TableNames = tableNamesFromEnv(),
    private readonly client: DynamoDBDocumentClient = documentClient,
    private readonly limit = MAX_HEADS_PER_CHECKPOINT,
  ) {
    this.sources = [
      {
        kind: 'application',
        table: tables.applications,
        index: GSI.anchorPending,
        key: (id) => ({ applicationId: id }),
      },
      {
        kind: 'licence',
        table: tables.licences,
        index: LICENCE_GSI.anchorPending,
        key: (id) => ({ licenceNumber: id, sk: 'LICENCE' }),
      },
    ];
  }

  async pending(): Promise<AnchoredHead[]> {
    const heads: AnchoredHead[] = [];
    for (const source of this.sources) {
      const ids = await this.markedIds(source, this.limit - heads.length);
      heads.push(...(await this.headsOf(source, ids)));
    }
    return heads;
  }

  async clear(heads: readonly AnchoredHead[]): Promise<void> {
    const queue = [...heads];
    const worker = async () => {
      for (let head = queue.shift(); head; head = queue.shift()) await this.clearOne(head);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_CLEARS, queue.length) }, worker));
  }

  private source(kind: AnchoredKind): ChainSource {
    const source = this.sources.find((candidate) => candidate.kind === kind);
    if (!source) throw new Error(`no chain source for ${kind}`);
    return source;
  }

  private async clearOne(head: AnchoredHead): Promise<void> {
    const source = this.source(head.kind);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: source.table,
          Key: source.key(head.id),
          UpdateExpression: 'REMOVE #pending',
          ConditionExpression: '#version = :seq AND #head = :hash',
          ExpressionAttributeNames: {
            '#pending': ANCHOR_PENDING_ATTRIBUTE,
            '#version': 'version',
            '#head': 'auditHeadHash',
          },
          ExpressionAttributeValues: { ':seq': head.seq, ':hash': head.hash },
        }),
      );
    } catch (error) {
      // The chain moved on since it was read: its new head waits for the next checkpoint.
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }

  private async markedIds(source: ChainSource, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    while (ids.length < limit) {
      const { Items = [], LastEvaluatedKey } = await this.client.send(
        new QueryCommand({
          TableName: source.table,
          IndexName: source.index.name,
          KeyConditionExpression: '#pending = :pending',
          ExpressionAttributeNames: { '#pending': source.index.partitionKey },
          ExpressionAttributeValues: { ':pending': ANCHOR_PENDING },
          Limit: limit - ids.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of Items) ids.push(String(item[source.index.sortKey]));
      startKey = LastEvaluatedKey;
      if (!startKey) break;
    }
    return ids;
  }

  /** The heads of these ids, read by key; an item gone or without a head is left out. */
  private async headsOf(source: ChainSource, ids: readonly string[]): Promise<AnchoredHead[]> {
    const heads: AnchoredHead[] = [];
    for (let start = 0; start < ids.length; start += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] = ids.slice(start, start + BATCH_GET_LIMIT).map(source.key);
      while (keys.length > 0) {
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [source.table]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: '#id, #version, #head',
                ExpressionAttributeNames: {
                  '#id': source.index.sortKey,
                  '#version': 'version',
                  '#head': 'auditHeadHash',
                },
              },
            },
          }),
        );
        for (const item of Responses?.[source.table] ?? []) {
          if (typeof item.version !== 'number' || typeof item.auditHeadHash !== 'string') continue;
          heads.push({
            kind: source.kind,
            id: String(item[source.index.sortKey]),
            seq: item.version,
            hash: item.auditHeadHash,
          });
        }
        keys = UnprocessedKeys?.[source.table]?.Keys ?? [];
      }
    }
    return heads;
  }
}
