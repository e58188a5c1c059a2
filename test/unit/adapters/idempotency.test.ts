import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamodb.ts';
import { json } from '#adapters/http.ts';
import { idempotent } from '#adapters/idempotency.ts';
import { committing, transactWrite, writesAllowed } from '#adapters/write-barrier.ts';
import { IdempotencyInProgressError, ValidationError } from '#domain/errors.ts';

const dynamodb = mockClient(DynamoDBDocumentClient);
const context = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const request = { scope: 'alice POST /applications/app_1/actions/claim k1', body: '' };
const throttled = () =>
  new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: {} });

beforeEach(() => {
  dynamodb.reset();
  dynamodb.on(GetCommand).resolves({}); // the key is free
});

/** A route that writes once (so it claims the key first), then answers or fails. */
const writingRoute = (answer: () => ReturnType<typeof json>) => async () => {
  await writesAllowed();
  return answer();
};

/** A route that commits one transaction carrying its answer (`committing`). */
const committingRoute = () => {
  const change = { Put: { TableName: 'Applications', Item: { applicationId: 'app_1' } } };
  return committing(json(200, { claimed: true }), () =>
    transactWrite([change], (TransactItems) =>
      documentClient.send(new TransactWriteCommand({ TransactItems })),
    ),
  );
};
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

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
    const response = await idempotent(
      request,
      context,
      writingRoute(() => json(200, { done: true })),
    );
    expect(response.body).toBe(JSON.stringify({ done: true }));
    expect(dynamodb.commandCalls(PutCommand)).toHaveLength(2); // the claim, then the answer
  });

  it("answers with the route's error when the claim cannot be released (it lapses instead)", async () => {
    dynamodb.on(PutCommand).resolves({});
    dynamodb.on(DeleteCommand).rejects(throttled());
    const failing = writingRoute(() => {
      throw new ValidationError([{ path: 'x', message: 'bad' }]);
    });
    await expect(idempotent(request, context, failing)).rejects.toBeInstanceOf(ValidationError);
    expect(dynamodb.commandCalls(DeleteCommand)).toHaveLength(1);
  });

  it('fails the request when its transaction is cancelled for another reason than the answer, and writes no claim', async () => {
    dynamodb.on(TransactWriteCommand).rejects(cancelled('ValidationError', 'None'));
    await expect(idempotent(request, context, committingRoute)).rejects.toBeInstanceOf(
      TransactionCanceledException,
    );
    const [transaction] = dynamodb.commandCalls(TransactWriteCommand);
    expect(transaction?.args[0].input.TransactItems?.at(-1)?.Put).toMatchObject({
      Item: { status: 'COMPLETED' },
      ConditionExpression: expect.stringContaining('attribute_not_exists(#id)'),
    });
    expect(dynamodb.commandCalls(PutCommand)).toHaveLength(0); // no claim, nothing stored after
    expect(dynamodb.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it("answers IDEMPOTENCY_IN_PROGRESS when a duplicate's commit held the answer's record (TransactionConflict)", async () => {
    dynamodb.on(TransactWriteCommand).rejects(cancelled('None', 'TransactionConflict'));
    await expect(idempotent(request, context, committingRoute)).rejects.toBeInstanceOf(
      IdempotencyInProgressError,
    );
    expect(dynamodb.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('takes a claim refused by itself (the SDK retried a Put whose answer was lost) as stored', async () => {
    dynamodb
      .on(PutCommand)
      .callsFakeOnce((input) => {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: marshall(input.Item),
        });
      })
      .resolves({});
    const response = await idempotent(
      request,
      context,
      writingRoute(() => json(201, { once: true })),
    );
    expect(response.body).toBe(JSON.stringify({ once: true }));
    expect(dynamodb.commandCalls(PutCommand)).toHaveLength(2); // the claim, then the answer over it
  });

  it('releases its own claim when a conflict on the answer cancelled its transaction, and only its own', async () => {
    dynamodb.on(PutCommand).resolves({});
    dynamodb.on(TransactWriteCommand).rejects(cancelled('None', 'TransactionConflict'));
    const route = async () => {
      await writesAllowed(); // a write before the transaction: the claim is stored
      return committingRoute();
    };
    await expect(idempotent(request, context, route)).rejects.toBeInstanceOf(IdempotencyInProgressError);
    const [transaction] = dynamodb.commandCalls(TransactWriteCommand);
    expect(transaction?.args[0].input.TransactItems?.at(-1)?.Put?.ConditionExpression).toBe(
      '#status = :inProgress AND #claimId = :ours',
    );
    const [deleted] = dynamodb.commandCalls(DeleteCommand);
    expect(deleted?.args[0].input.ConditionExpression).toBe('#status = :inProgress AND #claimId = :ours');
  });
});
