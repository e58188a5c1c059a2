import { DynamoDBClient, GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  Counters,
  difference,
  installSdkCounter,
  itemsPerTable,
  perEach,
  total,
} from '../../../bench/counters.ts';
import { currentFunction, invocationObservers, observed } from '../../../local/lambdas.ts';

const noop = () => undefined;

/** A DynamoDB client whose HTTP layer answers `reply` and keeps the request bodies it was sent. */
function fakeDynamoDb(reply: Record<string, unknown>, delayMs = 0) {
  const bodies: Array<Record<string, unknown>> = [];
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      handle: async (request: { body?: string }) => {
        bodies.push(JSON.parse(String(request.body ?? '{}')));
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const body = new TextEncoder().encode(JSON.stringify(reply));
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: new Blob([body]).stream(),
          },
        };
      },
    },
  });
  return { client, bodies };
}

describe('the counters', () => {
  it('count reads and writes by operation and table, index writes apart', () => {
    const counters = new Counters();
    counters.record('dynamodb', 'GetItem', [{ TableName: 'Applications', CapacityUnits: 1 }]);
    counters.record('dynamodb', 'TransactWriteItems', [
      {
        TableName: 'Applications',
        CapacityUnits: 10,
        GlobalSecondaryIndexes: { byOrg: { CapacityUnits: 2 } },
      },
      { TableName: 'AuditEvents', CapacityUnits: 4 },
    ]);
    counters.record('sfn', 'StartExecution');
    const snapshot = counters.snapshot();
    expect(snapshot['dynamodb:GetItem:Applications']).toEqual({
      calls: 1,
      readUnits: 1,
      writeUnits: 0,
      indexWriteUnits: 0,
    });
    // One transaction over two tables is one call.
    expect(total(snapshot, 'dynamodb:TransactWriteItems')).toEqual({
      calls: 1,
      readUnits: 0,
      writeUnits: 14,
      indexWriteUnits: 2,
    });
    expect(snapshot['sfn:StartExecution']?.calls).toBe(1);
  });

  it('tell what happened between two snapshots, per application', () => {
    const counters = new Counters();
    counters.record('dynamodb', 'Query', [{ TableName: 'Applications', CapacityUnits: 0.5 }]);
    const before = counters.snapshot();
    counters.record('dynamodb', 'Query', [{ TableName: 'Applications', CapacityUnits: 1.5 }]);
    counters.record('dynamodb', 'Query', [{ TableName: 'Applications', CapacityUnits: 2.5 }]);
    const delta = difference(counters.snapshot(), before);
    expect(delta['dynamodb:Query:Applications']).toEqual({
      calls: 2,
      readUnits: 4,
      writeUnits: 0,
      indexWriteUnits: 0,
    });
    expect(perEach(delta, 2)['dynamodb:Query:Applications']?.readUnits).toBe(2);
    expect(difference(before, before)).toEqual({});
  });

  it('ask DynamoDB for the consumed capacity of every call and count it once per call', async () => {
    const counters = new Counters();
    const ignored = new WeakSet<object>();
    installSdkCounter(counters, ignored);
    const { client, bodies } = fakeDynamoDb({
      Item: { applicationId: { S: 'app_1' } },
      ConsumedCapacity: { TableName: 'Applications', CapacityUnits: 1 },
    });
    await client.send(
      new GetItemCommand({ TableName: 'Applications', Key: { applicationId: { S: 'app_1' } } }),
    );
    // Through the document client too, which shares the inner client's middleware stack.
    await DynamoDBDocumentClient.from(client).send(
      new GetCommand({ TableName: 'Applications', Key: { applicationId: 'app_1' } }),
    );
    expect(bodies.map((body) => body.ReturnConsumedCapacity)).toEqual(['INDEXES', 'INDEXES']);
    expect(counters.snapshot()['dynamodb:GetItem:Applications']).toEqual({
      calls: 2,
      readUnits: 2,
      writeUnits: 0,
      indexWriteUnits: 0,
    });
  });

  it('leave the clients it is told to ignore alone', async () => {
    const counters = new Counters();
    const ignored = new WeakSet<object>();
    installSdkCounter(counters, ignored);
    const { client, bodies } = fakeDynamoDb({ ConsumedCapacity: [{ TableName: 'T', CapacityUnits: 2 }] });
    ignored.add(client);
    await client.send(new TransactWriteItemsCommand({ TransactItems: [] }));
    expect(bodies[0]?.ReturnConsumedCapacity).toBeUndefined();
    expect(counters.snapshot()).toEqual({});
  });

  it('bill each item of a transaction at least 2 write units, which DynamoDB Local under-reports for several items on one table', async () => {
    const counters = new Counters();
    installSdkCounter(counters, new WeakSet<object>());
    const { client } = fakeDynamoDb({
      ConsumedCapacity: [
        { TableName: 'Stats', CapacityUnits: 2 },
        { TableName: 'Applications', CapacityUnits: 6 },
      ],
    });
    const put = (table: string, key: string) => ({ Put: { TableName: table, Item: { k: { S: key } } } });
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          put('Stats', 'a'),
          { Update: { TableName: 'Stats', Key: { k: { S: 'b' } }, UpdateExpression: 'ADD n :one' } },
          { ConditionCheck: { TableName: 'Stats', Key: { k: { S: 'c' } }, ConditionExpression: 'x' } },
          put('Applications', 'd'),
        ],
      }),
    );
    const snapshot = counters.snapshot();
    expect(snapshot['dynamodb:TransactWriteItems:Stats']?.writeUnits).toBe(6);
    // A larger item's own report stands.
    expect(snapshot['dynamodb:TransactWriteItems:Applications']?.writeUnits).toBe(6);
    expect(itemsPerTable({ TransactItems: [put('A', '1'), put('A', '2'), put('B', '3')] })).toEqual({
      A: 2,
      B: 1,
    });
  });

  it('count the calls made inside a function invocation apart, under that function', async () => {
    const counters = new Counters();
    const ignored = new WeakSet<object>();
    installSdkCounter(counters, ignored, currentFunction);
    const { client } = fakeDynamoDb({ ConsumedCapacity: { TableName: 'Applications', CapacityUnits: 1 } });
    const get = () =>
      client.send(new GetItemCommand({ TableName: 'Applications', Key: { applicationId: { S: 'a' } } }));
    invocationObservers.add(noop);
    try {
      await observed('licence-screen', async () => {
        await get();
        await get();
      });
      // A stream consumer's call meanwhile, outside the invocation.
      await get();
    } finally {
      invocationObservers.delete(noop);
    }
    expect(total(counters.snapshot('licence-screen'), 'dynamodb:')).toMatchObject({ calls: 2, readUnits: 2 });
    expect(total(counters.snapshot(), 'dynamodb:')).toMatchObject({ calls: 3, readUnits: 3 });
    expect(counters.snapshot('licence-relay')).toEqual({});
  });

  it('time the calls made inside a function invocation, under that function and service', async () => {
    const counters = new Counters();
    installSdkCounter(counters, new WeakSet<object>(), currentFunction);
    const { client } = fakeDynamoDb({}, 25);
    const get = () =>
      client.send(new GetItemCommand({ TableName: 'Applications', Key: { applicationId: { S: 'a' } } }));
    invocationObservers.add(noop);
    let invocationMs = 0;
    try {
      await observed('licence-api', async () => {
        const started = performance.now();
        await get();
        await get();
        invocationMs = performance.now() - started;
      });
      await get(); // outside the invocation: not the function's
    } finally {
      invocationObservers.delete(noop);
    }
    const ms = counters.millisecondsIn('licence-api', 'dynamodb');
    expect(ms).toBeGreaterThanOrEqual(2 * 24);
    expect(ms).toBeLessThanOrEqual(invocationMs);
    expect(counters.millisecondsIn('licence-api', 's3')).toBe(0);
    expect(counters.millisecondsIn('licence-relay', 'dynamodb')).toBe(0);
  });
});
