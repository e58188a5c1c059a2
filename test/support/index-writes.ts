import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A document client that asks DynamoDB for each write's capacity by index and keeps, per write,
 * the names of the indexes of `table` it wrote (sorted), so a test can say which indexes a change
 * rewrites.
 */
export function indexWritesClient(table: string) {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const writes: string[][] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
        .ConsumedCapacity;
      if ('TransactItems' in input || 'UpdateExpression' in input) {
        const entry = [consumed ?? []].flat().find((capacity) => capacity.TableName === table);
        writes.push(Object.keys(entry?.GlobalSecondaryIndexes ?? {}).sort());
      }
      return result;
    },
    { step: 'initialize', name: 'indexWrites' },
  );
  return { client, writes };
}
