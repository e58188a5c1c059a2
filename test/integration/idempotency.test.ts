import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { json, toHttpResponse } from '#adapters/http.ts';
import { idempotent } from '#adapters/idempotency.ts';
import { IdempotencyInProgressError, IdempotencyKeyReusedError, ValidationError } from '#domain/errors.ts';

const context = {
  awsRequestId: 'test',
  functionName: 'api',
  getRemainingTimeInMillis: () => 29_000,
} as unknown as Context;
const scope = () => `alice POST /applications key-${Math.random()}`;

describe('idempotent requests (Powertools Idempotency on DynamoDB Local)', () => {
  it('answers a second request with the same key while the first still runs with IDEMPOTENCY_IN_PROGRESS', async () => {
    const request = { scope: scope(), body: '{"a":1}' };
    const running = Promise.withResolvers<void>();
    const finish = Promise.withResolvers<void>();
    const first = idempotent(request, context, async () => {
      running.resolve();
      await finish.promise;
      return json(201, { first: true });
    });
    await running.promise; // the in-progress record is stored before the work starts
    await expect(
      idempotent(request, context, async () => json(201, { second: true })),
    ).rejects.toBeInstanceOf(IdempotencyInProgressError);
    finish.resolve();
    expect((await first).body).toBe(JSON.stringify({ first: true }));
  });

  it('frees the key of a request that crashed once its function would have timed out, and says when', async () => {
    const request = { scope: scope(), body: '{"a":1}' };
    // The first request "crashes": its work never finishes, as when the process is killed.
    const crashedContext = { ...context, getRemainingTimeInMillis: () => 1_500 } as Context;
    void idempotent(request, crashedContext, () => new Promise<never>(() => {}));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await idempotent(request, context, async () => json(201, {})).catch((error) => error);
    expect(refused).toBeInstanceOf(IdempotencyInProgressError);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(2);
    expect(toHttpResponse(refused).headers).toMatchObject({
      'retry-after': String(refused.retryAfterSeconds),
    });
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterSeconds * 1000));
    expect((await idempotent(request, context, async () => json(201, { retried: true }))).body).toBe(
      JSON.stringify({ retried: true }),
    );
  });

  it('returns the stored response for a repeat and runs the work once', async () => {
    const request = { scope: scope(), body: '{"a":1}' };
    let runs = 0;
    const run = async () => json(201, { run: ++runs });
    const first = await idempotent(request, context, run);
    const again = await idempotent(request, context, run);
    expect(again).toEqual(first);
    expect(runs).toBe(1);
    await expect(idempotent({ ...request, body: '{"a":2}' }, context, run)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });

  it('does not store errors: the same key runs again after a failure', async () => {
    const request = { scope: scope(), body: '{}' };
    await expect(
      idempotent(request, context, async () => {
        throw new ValidationError([{ path: 'x', message: 'bad' }]);
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect((await idempotent(request, context, async () => json(200, { ok: true }))).statusCode).toBe(200);
  });
});
