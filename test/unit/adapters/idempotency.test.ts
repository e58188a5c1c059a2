import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamodb.ts';
import { json } from '#adapters/http.ts';
import { idempotent } from '#adapters/idempotency.ts';
import { committing, transactWrite, writesAllowed } from '#adapters/write-barrier.ts';
import { ValidationError } from '#domain/errors.ts';

const dynamodb = mockClient(DynamoDBDocumentClient);
const context = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const request = { scope: 'alice POST /applications/app_1/actions/claim k1', body: '' };
const throttled = () =>
  new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: {} });

beforeEach(() => dynamodb.reset());

describe('idempotency adapter when DynamoDB fails', () => {
  it('fails the request on a throttled claim, and no write of the route leaves', async () => {
    dynamodb.on(PutCommand).rejects(throttled());
    let wrote = false;
    const route = async () => {
      await writesAllowed();
      wrote = true;
      return json(200, {});
    };
    await expect(idempotent(request, context, route)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
    expect(wrote).toBe(false);
    expect(dynamodb.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('returns the committed response when storing it for replays fails', async () => {
    dynamodb.on(PutCommand).resolvesOnce({}).rejects(throttled());
    const response = await idempotent(request, context, async () => json(200, { done: true }));
    expect(response.body).toBe(JSON.stringify({ done: true }));
    expect(dynamodb.commandCalls(PutCommand)).toHaveLength(2);
  });

  it("answers with the route's error when the claim cannot be released (it lapses instead)", async () => {
    dynamodb.on(PutCommand).resolves({});
    dynamodb.on(DeleteCommand).rejects(throttled());
    const failing = async () => {
      throw new ValidationError([{ path: 'x', message: 'bad' }]);
    };
    await expect(idempotent(request, context, failing)).rejects.toBeInstanceOf(ValidationError);
    expect(dynamodb.commandCalls(DeleteCommand)).toHaveLength(1);
  });

  it('fails the request and releases the claim when its transaction is cancelled for another reason than the claim', async () => {
    dynamodb.on(PutCommand).resolves({});
    dynamodb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
      }),
    );
    const change = { Put: { TableName: 'Applications', Item: { applicationId: 'app_1' } } };
    const route = () =>
      committing(json(200, { claimed: true }), () =>
        transactWrite([change], (TransactItems) =>
          documentClient.send(new TransactWriteCommand({ TransactItems })),
        ),
      );
    await expect(idempotent(request, context, route)).rejects.toBeInstanceOf(TransactionCanceledException);
    const [transaction] = dynamodb.commandCalls(TransactWriteCommand);
    expect(transaction?.args[0].input.TransactItems?.at(-1)?.Put?.Item).toMatchObject({
      status: 'COMPLETED',
    });
    expect(dynamodb.commandCalls(PutCommand)).toHaveLength(1); // the claim only: nothing stored after
    expect(dynamodb.commandCalls(DeleteCommand)).toHaveLength(1);
  });
});
