import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError, VersionConflictError } from '../domain/errors.ts';
import { isEnded, LICENCE_STATUSES } from '../domain/licences/lifecycle.ts';
import {
  type LicenceAuditEvent,
  LicenceAuditEventSchema,
  type LicenceRecord,
  LicenceRecordSchema,
  type UsageRecord,
  UsageRecordSchema,
} from '../domain/licences/schemas.ts';
import type { LicenceListQuery, LicenceRepository, Page } from '../domain/ports.ts';
import { decodeCursor, documentClient, encodeCursor, isLostRace } from './dynamodb.ts';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteCommand,
} from './dynamodb-sdk.ts';
import { readByKey } from './read-by-key.ts';

import {
  ANCHOR_PENDING,
  ANCHOR_PENDING_ATTRIBUTE,
  LICENCE_GSI,
  type TableNames,
  tableNamesFromEnv,
} from './table-definitions.ts';

/**
 * The Licences table: PK `licenceNumber`, SK `LICENCE` for the licence, `USAGE#<usageId>` for each
 * usage record and `DECLARATION#<ref>` marking a customs declaration as used (so it counts once).
 * The licence item carries `lastAction` (for domain events), `anchorPending` until a checkpoint
 * covers its audit head, and, while not ended, `expiryQueue` (the sparse expiry index). Audit events live in the audit table under `licence#<number>`.
 */
const LICENCE_SK = 'LICENCE';
const usageSk = (usageId: string) => `USAGE#${usageId}`;
const declarationSk = (declarationRef: string) => `DECLARATION#${declarationRef}`;
export const licenceAuditKey = (licenceNumber: string) => `licence#${licenceNumber}`;
const PENDING_EXPIRY = 'pending';

export function licenceItem(licence: LicenceRecord, lastAction: string): Record<string, unknown> {
  return {
    ...licence,
    sk: LICENCE_SK,
    lastAction,
    ...(isEnded(licence.status) ? {} : { expiryQueue: PENDING_EXPIRY }),
    // Every licence write appends an audit event: its new head waits for the next checkpoint.
    [ANCHOR_PENDING_ATTRIBUTE]: ANCHOR_PENDING,
  };
}

export function toLicence(item: Record<string, unknown>): LicenceRecord {
  const { sk, lastAction, expiryQueue, anchorPending, ...licence } = item;
  return LicenceRecordSchema.parse(licence);
}

/** The transaction items of one licence change (the approval adds them to the application's). */
export function licenceWrites(
  tables: TableNames,
  licence: LicenceRecord,
  event: LicenceAuditEvent,
  expectedVersion: number | null,
  usage?: UsageRecord,
) {
  const licencePut = {
    Put: {
      TableName: tables.licences,
      Item: licenceItem(licence, event.action),
      ...(expectedVersion === null
        ? { ConditionExpression: 'attribute_not_exists(licenceNumber)' }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          }),
    },
  };
  const auditPut = {
    Put: {
      TableName: tables.auditEvents,
      Item: { ...event, applicationId: licenceAuditKey(event.licenceNumber) },
      ConditionExpression: 'attribute_not_exists(seq)',
    },
  };
  const usagePuts = usage
    ? [
        { sk: usageSk(usage.usageId), ...usage },
        {
          sk: declarationSk(usage.declarationRef),
          licenceNumber: usage.licenceNumber,
          usageId: usage.usageId,
        },
      ].map((Item) => ({
        Put: { TableName: tables.licences, Item, ConditionExpression: 'attribute_not_exists(sk)' },
      }))
    : [];
  return [licencePut, auditPut, ...usagePuts];
}

export class DynamoLicenceRepository implements LicenceRepository {
  constructor(
    private readonly tables: TableNames = tableNamesFromEnv(),
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  private async item(licenceNumber: string, sk: string) {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tables.licences, Key: { licenceNumber, sk }, ConsistentRead: true }),
    );
    return Item;
  }

  async get(licenceNumber: string): Promise<LicenceRecord | null> {
    const item = await this.item(licenceNumber, LICENCE_SK);
    return item ? toLicence(item) : null;
  }

  async usage(licenceNumber: string, usageId: string): Promise<UsageRecord | null> {
    const item = await this.item(licenceNumber, usageSk(usageId));
    if (!item) return null;
    const { sk, ...usage } = item;
    return UsageRecordSchema.parse(usage);
  }

  async usageByDeclaration(licenceNumber: string, declarationRef: string): Promise<UsageRecord | null> {
    const marker = await this.item(licenceNumber, declarationSk(declarationRef));
    return typeof marker?.usageId === 'string' ? this.usage(licenceNumber, marker.usageId) : null;
  }

  async usages(licenceNumber: string): Promise<UsageRecord[]> {
    const items = await this.all({
      TableName: this.tables.licences,
      KeyConditionExpression: 'licenceNumber = :n AND begins_with(sk, :usage)',
      ExpressionAttributeValues: { ':n': licenceNumber, ':usage': 'USAGE#' },
      ConsistentRead: true,
    });
    return items.map(({ sk, ...usage }) => UsageRecordSchema.parse(usage));
  }

  async commit(
    licence: LicenceRecord,
    event: LicenceAuditEvent,
    expectedVersion: number,
    usage?: UsageRecord,
  ): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: licenceWrites(this.tables, licence, event, expectedVersion, usage),
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException && isLostRace(error)) {
        throw new VersionConflictError((await this.get(licence.licenceNumber))?.version);
      }
      throw error;
    }
  }

  listByHolder(orgId: string, query: LicenceListQuery): Promise<Page<LicenceRecord>> {
    return this.page(LICENCE_GSI.byHolder, orgId, query);
  }

  /** One status, or every status in the lifecycle's order (the cursor says which and where). */
  async listAll(query: LicenceListQuery): Promise<Page<LicenceRecord>> {
    if (query.status) return this.page(LICENCE_GSI.byStatus, query.status, query);
    const position = decodeCursor(query.cursor);
    let index = typeof position?.status === 'number' ? position.status : 0;
    let cursor = typeof position?.key === 'string' ? position.key : undefined;
    const items: LicenceRecord[] = [];
    for (; index < LICENCE_STATUSES.length && items.length < query.limit; index++, cursor = undefined) {
      const status = LICENCE_STATUSES[index] ?? 'ACTIVE';
      const page = await this.page(LICENCE_GSI.byStatus, status, {
        limit: query.limit - items.length,
        cursor,
      });
      items.push(...page.items);
      if (page.cursor) return { items, cursor: encodeCursor({ status: index, key: page.cursor }) };
    }
    return { items, cursor: index < LICENCE_STATUSES.length ? encodeCursor({ status: index }) : null };
  }

  private async page(
    index: { name: string; partitionKey: string },
    value: string,
    query: LicenceListQuery,
  ): Promise<Page<LicenceRecord>> {
    const filter = query.status && index.partitionKey !== 'status';
    try {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tables.licences,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :pk',
          ...(filter ? { FilterExpression: '#status = :status' } : {}),
          ExpressionAttributeNames: { '#pk': index.partitionKey, ...(filter ? { '#status': 'status' } : {}) },
          ExpressionAttributeValues: { ':pk': value, ...(filter ? { ':status': query.status } : {}) },
          ScanIndexForward: false,
          Limit: query.limit,
          ExclusiveStartKey: decodeCursor(query.cursor),
        }),
      );
      // The listing indexes hold keys (and status) only: a usage that changes amounts writes none.
      const items = await readByKey(
        this.client,
        this.tables.licences,
        (result.Items ?? []).map((key) => ({ licenceNumber: key.licenceNumber, sk: LICENCE_SK })),
        (item) => String(item.licenceNumber),
      );
      return { items: items.map(toLicence), cursor: encodeCursor(result.LastEvaluatedKey) };
    } catch (error) {
      if (query.cursor && error instanceof Error && error.name === 'ValidationException') {
        throw new ValidationError([{ path: 'cursor', message: 'does not belong to this listing' }]);
      }
      throw error;
    }
  }

  async auditEvents(licenceNumber: string): Promise<LicenceAuditEvent[]> {
    const items = await this.all({
      TableName: this.tables.auditEvents,
      KeyConditionExpression: 'applicationId = :id',
      ExpressionAttributeValues: { ':id': licenceAuditKey(licenceNumber) },
      ConsistentRead: true,
    });
    return items.map(({ applicationId, ...event }) => LicenceAuditEventSchema.parse(event));
  }

  async dueForExpiry(at: string, limit: number): Promise<string[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.licences,
        IndexName: LICENCE_GSI.byExpiry.name,
        KeyConditionExpression: '#pk = :pending AND #validTo <= :at',
        ExpressionAttributeNames: { '#pk': LICENCE_GSI.byExpiry.partitionKey, '#validTo': 'validTo' },
        ExpressionAttributeValues: { ':pending': PENDING_EXPIRY, ':at': at },
        Limit: limit,
      }),
    );
    return (Items ?? []).flatMap((item) =>
      typeof item.licenceNumber === 'string' ? [item.licenceNumber] : [],
    );
  }

  private async all(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
