import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { FINAL_STATUSES, isFinal, type Status } from '../domain/applications/lifecycle.ts';
import type { StoredApplication, WorkflowMeta } from '../domain/ports.ts';
import {
  DynamoApplicationRepository,
  documentClient,
  indexPartition,
  toStoredApplication,
} from './dynamodb.ts';
import {
  ConditionalCheckFailedException,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  unmarshall,
} from './dynamodb-sdk.ts';
import {
  GSI,
  type TableNames,
  tableNamesFromEnv,
  WORKFLOW_OPEN,
  WORKFLOW_OPEN_ATTRIBUTE,
} from './table-definitions.ts';

/**
 * The workflow's bookkeeping on the application item (`generation`, `pendingTask`), beside the
 * domain attributes the repository owns. None of these writes changes `version`: they are not
 * domain changes and leave no audit event.
 */
/** The final statuses as expression values (`:final0`…) and their names for `IN (…)`. */
const FINAL_VALUES = Object.fromEntries(FINAL_STATUSES.map((status, index) => [`:final${index}`, status]));
const FINAL_NAMES = Object.keys(FINAL_VALUES).join(', ');

export type PendingTask = NonNullable<WorkflowMeta['pendingTask']>;
export type StoreOutcome = { stored: true } | { stored: false; current: StoredApplication | null };

export class WorkflowItems {
  constructor(
    private readonly tables: TableNames = tableNamesFromEnv(),
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  /**
   * Stores the task token of a human step, only while the application is still in the step's
   * status and of the execution's generation; otherwise answers the application as it is now.
   */
  async storePendingTask(
    applicationId: string,
    expectedStatus: Status,
    task: PendingTask,
  ): Promise<StoreOutcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.applications,
          Key: { applicationId },
          UpdateExpression: 'SET #pendingTask = :task',
          ConditionExpression: '#status = :status AND #generation = :generation',
          ExpressionAttributeNames: {
            '#pendingTask': 'pendingTask',
            '#status': 'status',
            '#generation': 'generation',
          },
          ExpressionAttributeValues: {
            ':task': task,
            ':status': expectedStatus,
            ':generation': task.generation,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { stored: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = error.Item as Record<string, AttributeValue> | undefined;
      return {
        stored: false,
        current: item
          ? toStoredApplication(unmarshall(item))
          : await new DynamoApplicationRepository(this.tables, this.client).get(applicationId),
      };
    }
  }

  /** Moves the application to the next generation unless someone else did; its old task token goes. */
  async advanceGeneration(applicationId: string, from: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.applications,
          Key: { applicationId },
          UpdateExpression: 'SET #generation = :next REMOVE #pendingTask',
          ConditionExpression: '#generation = :from',
          ExpressionAttributeNames: { '#generation': 'generation', '#pendingTask': 'pendingTask' },
          ExpressionAttributeValues: { ':from': from, ':next': from + 1 },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * What the reconciler walks: the sparse index `openApplications` (every application not in a final
   * status, and final ones until the reconciler has seen them final for `finalSince`), each item then
   * read by key with a strongly consistent read (index reads are eventually consistent). A final
   * application last changed before `finalSince` leaves the index here, so it costs later runs nothing.
   */
  async *toReconcile(finalSince: string): AsyncGenerator<StoredApplication> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          ...indexPartition(this.tables, GSI.openApplications, WORKFLOW_OPEN),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const key of page.Items ?? []) {
        const { Item } = await this.client.send(
          new GetCommand({
            TableName: this.tables.applications,
            Key: { applicationId: key.applicationId },
            ConsistentRead: true,
          }),
        );
        if (!Item) continue;
        const stored = toStoredApplication(Item);
        const { status, updatedAt } = stored.application;
        if (isFinal(status) && updatedAt < finalSince)
          await this.closeWatch(stored.application.applicationId);
        else yield stored;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** Takes a long-final application out of the reconciler's index (only while it is still final). */
  private async closeWatch(applicationId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.applications,
          Key: { applicationId },
          UpdateExpression: 'REMOVE #open',
          ConditionExpression: `#status IN (${FINAL_NAMES})`,
          ExpressionAttributeNames: { '#open': WORKFLOW_OPEN_ATTRIBUTE, '#status': 'status' },
          ExpressionAttributeValues: FINAL_VALUES,
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * One-off, when the index is rolled out over existing data (docs/deploy.md): a Scan that marks
   * every non-final application without the index key. Answers how many it marked.
   */
  async backfillOpen(): Promise<number> {
    let marked = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tables.applications,
          FilterExpression: `#itemType = :application AND attribute_not_exists(#open) AND NOT (#status IN (${FINAL_NAMES}))`,
          ExpressionAttributeNames: {
            '#itemType': 'itemType',
            '#open': WORKFLOW_OPEN_ATTRIBUTE,
            '#status': 'status',
          },
          ExpressionAttributeValues: { ':application': 'application', ...FINAL_VALUES },
          ProjectionExpression: 'applicationId',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const { applicationId } of page.Items ?? []) {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tables.applications,
            Key: { applicationId },
            UpdateExpression: 'SET #open = :open',
            ConditionExpression: 'attribute_exists(applicationId)',
            ExpressionAttributeNames: { '#open': WORKFLOW_OPEN_ATTRIBUTE },
            ExpressionAttributeValues: { ':open': WORKFLOW_OPEN },
          }),
        );
        marked += 1;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return marked;
  }
}
