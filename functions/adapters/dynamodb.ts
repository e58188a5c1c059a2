import { isDeepStrictEqual } from 'node:util';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { isFinal } from '../domain/applications/lifecycle.ts';
import {
  type QueueIndex,
  type QueueRecord,
  QueueRecordSchema,
  queueEntry,
} from '../domain/applications/queue.ts';
import { endUserKey } from '../domain/applications/screening.ts';
import type { DomainConfig } from '../domain/config.ts';
import { ValidationError, VersionConflictError } from '../domain/errors.ts';
import type {
  ApplicationRepository,
  LicenceWrite,
  ListQuery,
  Page,
  StoredApplication,
  WorkflowMeta,
} from '../domain/ports.ts';
import {
  type Application,
  ApplicationSchema,
  type AuditEvent,
  AuditEventSchema,
  DETAIL_FIELDS,
} from '../domain/schemas.ts';
import { config as defaultConfig } from './config.ts';
import {
  DynamoDBClient,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteCommand,
  UpdateCommand,
} from './dynamodb-sdk.ts';
import { licenceWrites } from './licences.ts';
import { readByKey } from './read-by-key.ts';
import {
  ANCHOR_PENDING,
  ANCHOR_PENDING_ATTRIBUTE,
  GSI,
  type TableNames,
  tableNamesFromEnv,
  WORKFLOW_OPEN,
  WORKFLOW_OPEN_ATTRIBUTE,
} from './table-definitions.ts';
import { transactWrite, writesAllowed } from './write-barrier.ts';

/**
 * DynamoDB repository. Every change is one TransactWriteItems: an Update of the application's
 * domain attributes conditioned on its version (never a whole-item Put, which would wipe a task
 * token stored meanwhile) and the audit event's Put conditioned on attribute_not_exists.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);
// No write of a request with an Idempotency-Key leaves before its claim on the key (write-barrier.ts).
// It waits last in the build step: the write is marshalled and serialized while the claim is on
// its way, and signed (finalizeRequest) once it may leave.
documentClient.middlewareStack.add(
  (next, context) => async (args) => {
    if (WRITE_COMMANDS.has(context.commandName ?? '')) await writesAllowed();
    return next(args);
  },
  { step: 'build', name: 'idempotencyWriteBarrier', priority: 'low' },
);

const ITEM_TYPE = 'application';
const MAX_PAGE_QUERIES = 25;

export function toStoredApplication(item: Record<string, unknown>): StoredApplication {
  const {
    itemType,
    generation,
    pendingTask,
    queuePk,
    queueSk,
    queueCountries,
    workflowOpen,
    approvedEndUser,
    approvedAt,
    lastAction,
    anchorPending,
    ...domain
  } = item;
  return {
    application: ApplicationSchema.parse(domain),
    workflow: {
      generation: typeof generation === 'number' ? generation : 1,
      pendingTask: (pendingTask as WorkflowMeta['pendingTask']) ?? null,
    },
  };
}

export const encodeCursor = (key: Record<string, unknown> | undefined): string | null =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof key === 'object' && key !== null && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ValidationError([{ path: 'cursor', message: 'is not a cursor returned by this API' }]);
}

const QUEUE_ATTRIBUTES = ['queuePk', 'queueSk', 'queueCountries'] as const;

/** A Query of one partition of an index of the applications table. */
export function indexPartition(
  tables: TableNames,
  index: { name: string; partitionKey: string },
  value: string,
): QueryCommandInput {
  return {
    TableName: tables.applications,
    IndexName: index.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': index.partitionKey },
    ExpressionAttributeValues: { ':pk': value },
  };
}

/** The keys of the `approvedEndUsers` index, on an approved application only. */
function approvalKeys(application: Application): Record<string, string> {
  const key = endUserKey(application);
  if (application.status !== 'APPROVED' || application.decision?.outcome !== 'APPROVED' || !key) return {};
  return { approvedEndUser: key, approvedAt: application.decision.decidedAt };
}

export class DynamoApplicationRepository implements ApplicationRepository, QueueIndex {
  constructor(
    private readonly tables: TableNames = tableNamesFromEnv(),
    private readonly client: DynamoDBDocumentClient = documentClient,
    /** The calendar the queue index keys are computed with. */
    private readonly config: DomainConfig = defaultConfig,
  ) {}

  async get(applicationId: string): Promise<StoredApplication | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tables.applications, Key: { applicationId }, ConsistentRead: true }),
    );
    return Item ? toStoredApplication(Item) : null;
  }

  async commit(
    application: Application,
    event: AuditEvent,
    expectedVersion: number | null,
    licences: readonly LicenceWrite[] = [],
    previous?: Application,
  ): Promise<void> {
    const auditPut = {
      Put: {
        TableName: this.tables.auditEvents,
        Item: event,
        ConditionExpression: 'attribute_not_exists(seq)',
      },
    };
    const applicationWrite =
      expectedVersion === null
        ? {
            Put: {
              TableName: this.tables.applications,
              Item: {
                ...application,
                lastAction: event.action,
                itemType: ITEM_TYPE,
                generation: 1,
                [WORKFLOW_OPEN_ATTRIBUTE]: WORKFLOW_OPEN,
                [ANCHOR_PENDING_ATTRIBUTE]: ANCHOR_PENDING,
              },
              ConditionExpression: 'attribute_not_exists(applicationId)',
            },
          }
        : {
            Update: this.updateOf(application, expectedVersion, event, previous),
          };
    try {
      // The approval that issues a licence writes it and its first audit event in the same
      // transaction (an amendment's also supersedes the old one); an amendment opens on its licence.
      const licenceItems = licences.flatMap(({ licence, event, expectedVersion }) =>
        licenceWrites(this.tables, licence, event, expectedVersion),
      );
      // Under an Idempotency-Key, the request's stored answer joins the transaction (write-barrier.ts).
      await transactWrite([applicationWrite, auditPut, ...licenceItems], (TransactItems) =>
        this.client.send(new TransactWriteCommand({ TransactItems })),
      );
    } catch (error) {
      // A lost race: the version moved on, or a concurrent transaction held one of the items (the
      // application under a concurrent action, a licence under a concurrent usage).
      if (error instanceof TransactionCanceledException && isLostRace(error)) {
        const current = await this.get(application.applicationId);
        throw new VersionConflictError(current?.application.version);
      }
      throw error;
    }
  }

  /**
   * SET the domain attributes that differ from `previous` (every one without it), REMOVE cleared
   * details, and the task token when the status moves: a claim writes a few small attributes, not
   * the whole item again (less to marshal, send and store on the hot path). The queue index keys are SET or REMOVEd in the same update, so the queue never lags a change
   * of status, lane, assignment, pause or due date; `lastAction` names the change for the
   * domain event the stream record becomes.
   */
  private updateOf(
    application: Application,
    expectedVersion: number,
    event: AuditEvent,
    previous?: Application,
  ) {
    const { applicationId, ...all } = application;
    // The version guard makes `previous` exactly what is stored.
    const before: Record<string, unknown> = { ...previous };
    const domain = previous
      ? Object.fromEntries(
          Object.entries(all).filter(([name, value]) => !isDeepStrictEqual(value, before[name])),
        )
      : all;
    const statusChanged = event.fromStatus !== event.toStatus;
    const entry = queueEntry(application, new Date(event.at), this.config);
    // An open application stays in (or, reopened by an appeal, returns to) the reconciler's index.
    const watched = isFinal(application.status) ? {} : { [WORKFLOW_OPEN_ATTRIBUTE]: WORKFLOW_OPEN };
    const attributes: Record<string, unknown> = {
      ...domain,
      lastAction: event.action,
      ...entry,
      ...approvalKeys(application),
      ...watched,
      // Every change appends an audit event: its new head waits for the next checkpoint.
      [ANCHOR_PENDING_ATTRIBUTE]: ANCHOR_PENDING,
    };
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion };
    const sets: string[] = [];
    for (const [index, [name, value]] of Object.entries(attributes).entries()) {
      if (value === undefined) continue;
      names[`#a${index}`] = name;
      values[`:a${index}`] = value;
      sets.push(`#a${index} = :a${index}`);
    }
    const cleared = [
      ...DETAIL_FIELDS.filter(
        (name) => application[name] === undefined && (previous === undefined || previous[name] !== undefined),
      ),
      ...(entry ? [] : QUEUE_ATTRIBUTES),
    ];
    const removes = cleared.map((name) => {
      names[`#r_${name}`] = name;
      return `#r_${name}`;
    });
    // A committed status change consumes the pending task token: the stream relay reads it from the
    // OLD image and wakes the workflow (transactional outbox). Other changes leave it alone.
    if (statusChanged) {
      names['#pendingTask'] = 'pendingTask';
      removes.push('#pendingTask');
    }
    return {
      TableName: this.tables.applications,
      Key: { applicationId },
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  /** The newest approvals for an end user (`endUserKey`), read by key after the index (eventually consistent). */
  async approvedForEndUser(endUser: string, limit: number): Promise<Application[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        ...indexPartition(this.tables, GSI.approvedEndUsers, endUser),
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const approved: Application[] = [];
    for (const key of Items) {
      const stored = await this.get(String(key.applicationId));
      if (stored) approved.push(stored.application);
    }
    return approved;
  }

  async listByOrg(orgId: string, query: ListQuery): Promise<Page<Application>> {
    return this.page(
      {
        TableName: this.tables.applications,
        IndexName: GSI.byOrg.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': GSI.byOrg.partitionKey },
        ExpressionAttributeValues: { ':pk': orgId },
      },
      query,
      false,
    );
  }

  async listAll(query: ListQuery & { submittedOnly: boolean }): Promise<Page<Application>> {
    const index = query.status ? GSI.byStatus : GSI.byCreated;
    return this.page(
      {
        TableName: this.tables.applications,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partitionKey },
        ExpressionAttributeValues: { ':pk': query.status ?? ITEM_TYPE },
      },
      { ...query, status: undefined },
      query.submittedOnly,
    );
  }

  /** Newest first; a filtered query is repeated until the page is full or the index ends. */
  private async page(
    base: QueryCommandInput,
    query: ListQuery,
    submittedOnly: boolean,
  ): Promise<Page<Application>> {
    const filters: string[] = [];
    const names = { ...base.ExpressionAttributeNames };
    const values = { ...base.ExpressionAttributeValues };
    if (query.status) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = query.status;
    }
    if (submittedOnly) {
      filters.push('attribute_type(#submission, :map)');
      names['#submission'] = 'submission';
      values[':map'] = 'M';
    }
    const items: Application[] = [];
    let startKey = decodeCursor(query.cursor);
    for (let i = 0; i < MAX_PAGE_QUERIES && items.length < query.limit; i++) {
      const result = await this.query(
        new QueryCommand({
          ...base,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
          ScanIndexForward: false,
          Limit: query.limit - items.length,
          ExclusiveStartKey: startKey,
        }),
        query.cursor !== undefined,
      );
      items.push(...(await this.readByKey((result.Items ?? []).map((key) => String(key.applicationId)))));
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, cursor: encodeCursor(startKey) };
  }

  /**
   * The items a listing index names, in its order, strongly consistent (the index projects only
   * what its filters need, and lags the table); one gone meanwhile is left out.
   */
  private async readByKey(ids: readonly string[]): Promise<Application[]> {
    const items = await readByKey(
      this.client,
      this.tables.applications,
      ids.map((applicationId) => ({ applicationId })),
      (item) => String(item.applicationId),
    );
    return items.map((item) => toStoredApplication(item).application);
  }

  /** A cursor from another listing (another index or filter) is the caller's error, not ours. */
  private async query(command: QueryCommand, withCursor: boolean) {
    try {
      return await this.client.send(command);
    } catch (error) {
      if (withCursor && error instanceof Error && error.name === 'ValidationException') {
        throw new ValidationError([{ path: 'cursor', message: 'does not belong to this listing' }]);
      }
      throw error;
    }
  }

  /** Queue index: one partition ascending, strictly after `after` (eventually consistent, as every GSI). */
  async read(partition: string, after: string | undefined, limit: number): Promise<QueueRecord[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.applications,
        IndexName: GSI.queue.name,
        KeyConditionExpression: after === undefined ? '#pk = :pk' : '#pk = :pk AND #sk > :after',
        ExpressionAttributeNames: {
          '#pk': GSI.queue.partitionKey,
          ...(after === undefined ? {} : { '#sk': GSI.queue.sortKey }),
        },
        ExpressionAttributeValues: { ':pk': partition, ...(after === undefined ? {} : { ':after': after }) },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => QueueRecordSchema.parse(item));
  }

  async auditEvents(applicationId: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tables.auditEvents,
          KeyConditionExpression: 'applicationId = :id',
          ExpressionAttributeValues: { ':id': applicationId },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      events.push(...(result.Items ?? []).map((item) => AuditEventSchema.parse(item)));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return events;
  }

  async nextSequence(counterId: string): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tables.counters,
        Key: { counterId },
        UpdateExpression: 'ADD #value :one',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const value = Attributes?.value;
    if (typeof value !== 'number') throw new Error(`counter ${counterId} returned no value`);
    return value;
  }
}

/**
 * A transaction cancelled by a lost race: a condition failed (the item moved on), or a concurrent
 * transaction held one of its items at that moment (`TransactionConflict`).
 */
export function isLostRace(error: TransactionCanceledException): boolean {
  return (error.CancellationReasons ?? []).some(
    (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
  );
}
