import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { FINAL_STATUSES, type Status } from '../domain/applications/lifecycle.ts';
import type { StoredApplication, WorkflowMeta } from '../domain/ports.ts';
import { DynamoApplicationRepository, documentClient, toStoredApplication } from './dynamodb.ts';
import { type TableNames, tableNamesFromEnv } from './table-definitions.ts';

/**
 * The workflow's bookkeeping on the application item (`generation`, `pendingTask`), beside the
 * domain attributes the repository owns. None of these writes changes `version`: they are not
 * domain changes and leave no audit event.
 */
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
   * What the reconciler walks (a Scan): every application not in a final status, and those that
   * reached one since `finalSince` (ISO time), whose last wake-up may still be in flight or lost.
   */
  async *toReconcile(finalSince: string): AsyncGenerator<StoredApplication> {
    const finals = Object.fromEntries(FINAL_STATUSES.map((status, index) => [`:final${index}`, status]));
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tables.applications,
          FilterExpression: `#itemType = :application AND (NOT (#status IN (${Object.keys(finals).join(', ')})) OR #updatedAt >= :since)`,
          ExpressionAttributeNames: {
            '#itemType': 'itemType',
            '#status': 'status',
            '#updatedAt': 'updatedAt',
          },
          ExpressionAttributeValues: { ':application': 'application', ':since': finalSince, ...finals },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) yield toStoredApplication(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
