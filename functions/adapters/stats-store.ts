import type { Counters, StatsStore, StoredContribution } from '../domain/applications/stats.ts';
import { type AuditEvent, AuditEventSchema } from '../domain/schemas.ts';
import { documentClient, isLostRace } from './dynamodb.ts';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteCommand,
} from './dynamodb-sdk.ts';
import { licenceAuditKey } from './licences.ts';
import { type TableNames, tableNamesFromEnv } from './table-definitions.ts';

/**
 * The stats table: one item per application (`application#<id>`: the version applied and its
 * counters) and one aggregate item whose attributes are the summed counters. A contribution is
 * replaced and its delta ADDed to the aggregate in one transaction guarded on the version read.
 */
const AGGREGATE = 'aggregate';
const contributionId = (applicationId: string) => `application#${applicationId}`;

export class DynamoStatsStore implements StatsStore {
  constructor(
    private readonly tables: Pick<TableNames, 'stats'> = tableNamesFromEnv(),
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async contribution(applicationId: string): Promise<StoredContribution | null> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tables.stats,
        Key: { statsId: contributionId(applicationId) },
        ConsistentRead: true,
      }),
    );
    if (!Item) return null;
    return { version: Number(Item.version), counters: (Item.counters ?? {}) as Counters };
  }

  async replace(
    applicationId: string,
    previousVersion: number | null,
    next: StoredContribution,
    delta: Counters,
  ): Promise<boolean> {
    const entries = Object.entries(delta);
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const adds = entries.map(([name, value], index) => {
      names[`#c${index}`] = name;
      values[`:c${index}`] = value;
      return `#c${index} :c${index}`;
    });
    const put = {
      Put: {
        TableName: this.tables.stats,
        Item: { statsId: contributionId(applicationId), version: next.version, counters: next.counters },
        ...(previousVersion === null
          ? { ConditionExpression: 'attribute_not_exists(statsId)' }
          : {
              ConditionExpression: '#version = :previous',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':previous': previousVersion },
            }),
      },
    };
    const aggregate =
      adds.length === 0
        ? []
        : [
            {
              Update: {
                TableName: this.tables.stats,
                Key: { statsId: AGGREGATE },
                UpdateExpression: `ADD ${adds.join(', ')}`,
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
          ];
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [put, ...aggregate] }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && isLostRace(error)) return false;
      throw error;
    }
  }

  async aggregate(): Promise<Counters> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tables.stats, Key: { statsId: AGGREGATE }, ConsistentRead: true }),
    );
    const { statsId, ...counters } = Item ?? {};
    return Object.fromEntries(
      Object.entries(counters).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
    );
  }
}

/** Audit keys of the licences' own chains, which share the audit table. */
const LICENCE_TRAIL_PREFIX = licenceAuditKey('');

/**
 * Offline only (`npm run ops -- stats --rebuild`): every audit trail, grouped by application, in
 * seq order. Scans the audit table; never used by the API.
 */
export async function* auditTrails(
  tables: Pick<TableNames, 'auditEvents'> = tableNamesFromEnv(),
  client: DynamoDBDocumentClient = documentClient,
): AsyncGenerator<AuditEvent[]> {
  const trails = new Map<string, AuditEvent[]>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tables.auditEvents, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      // The table also holds the licences' own chains; the statistics count applications only.
      if (String(item.applicationId).startsWith(LICENCE_TRAIL_PREFIX)) continue;
      const event = AuditEventSchema.parse(item);
      const trail = trails.get(event.applicationId) ?? [];
      trail.push(event);
      trails.set(event.applicationId, trail);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  for (const trail of trails.values()) yield trail.sort((a, b) => a.seq - b.seq);
}
