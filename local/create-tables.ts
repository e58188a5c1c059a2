import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  GSI,
  IDEMPOTENCY_TTL_ATTRIBUTE,
  type TableNames,
  tableDefinitions,
  tableNamesFromEnv,
} from '#adapters/table-definitions.ts';

const TABLE_WAIT_SECONDS = 30;

/** Creates the four tables unless they exist (a persisted local database keeps them) and waits until ACTIVE. */
export async function createTablesIfMissing(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(tableDefinitions(names).map((definition) => createTableIfMissing(client, definition)));
  await enableTimeToLive(client, names.idempotency, IDEMPOTENCY_TTL_ATTRIBUTE);
}

async function createTableIfMissing(
  client: DynamoDBClient,
  definition: ReturnType<typeof tableDefinitions>[number],
): Promise<void> {
  const TableName = definition.TableName;
  let existed = false;
  try {
    await client.send(new CreateTableCommand(definition));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    existed = true;
  }
  await waitUntilTableExists(
    { client, maxWaitTime: TABLE_WAIT_SECONDS, minDelay: 1, maxDelay: 1 },
    { TableName },
  );
  if (existed) await addMissingIndexes(client, definition);
}

/**
 * A persisted local database made by an older version lacks newer indexes (the queue index):
 * they are added, so `npm start` on an old data dir keeps working. Items written before carry
 * no index keys until their next change.
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  definition: ReturnType<typeof tableDefinitions>[number],
): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: definition.TableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: definition.TableName,
        AttributeDefinitions: definition.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [
          {
            Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection },
          },
        ],
      }),
    );
    if (index.IndexName === GSI.openApplications.name) await backfillOpen(client, definition.TableName);
  }
}

/** The reconciler walks only applications marked open: mark those an older version stored. */
async function backfillOpen(client: DynamoDBClient, applicationsTable: string | undefined): Promise<void> {
  // Loaded here, not at the top: the adapters' module-level clients must see the local endpoints.
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { WorkflowItems } = await import('#adapters/workflow-items.ts');
  const tables = {
    ...tableNamesFromEnv(),
    applications: applicationsTable ?? tableNamesFromEnv().applications,
  };
  await new WorkflowItems(tables, DynamoDBDocumentClient.from(client)).backfillOpen();
}

/** DynamoDB Local supports TTL (it deletes expired items); enabling it twice is an error, so check first. */
async function enableTimeToLive(
  client: DynamoDBClient,
  tableName: string,
  attributeName: string,
): Promise<void> {
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: attributeName },
    }),
  );
}
