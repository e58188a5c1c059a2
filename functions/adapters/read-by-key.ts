import { BatchGetCommand, type DynamoDBDocumentClient } from './dynamodb-sdk.ts';

/**
 * The items a keys-only or INCLUDE listing index names, read from the table strongly consistent
 * (an index lags its table) and answered in the order of `keys`; one gone meanwhile is left out.
 * `id` names an item by its key attributes, the same for a key and for the item read.
 */
export async function readByKey(
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  id: (keyOrItem: Record<string, unknown>) => string,
): Promise<Record<string, unknown>[]> {
  const found = new Map<string, Record<string, unknown>>();
  let pending = [...keys];
  while (pending.length > 0) {
    const { Responses, UnprocessedKeys } = await client.send(
      new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
    );
    for (const item of Responses?.[table] ?? []) found.set(id(item), item);
    pending = UnprocessedKeys?.[table]?.Keys ?? [];
  }
  return keys.flatMap((key) => {
    const item = found.get(id(key));
    return item ? [item] : [];
  });
}
