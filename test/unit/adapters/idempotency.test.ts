import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { json } from '#adapters/http.ts';
import { idempotent } from '#adapters/idempotency.ts';
import { writesAllowed } from '#adapters/write-barrier.ts';
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
});
