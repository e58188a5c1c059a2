import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamodb.ts';
import { json, toHttpResponse } from '#adapters/http.ts';
import { idempotencyRecordId, idempotent } from '#adapters/idempotency.ts';
import { tableNamesFromEnv } from '#adapters/table-definitions.ts';
import { writesAllowed } from '#adapters/write-barrier.ts';
import { IdempotencyInProgressError, IdempotencyKeyReusedError, ValidationError } from '#domain/errors.ts';
import { type Caller, startTestApi, type TestApi, underReviewViaApi } from '../support/api.ts';

const context = {
  awsRequestId: 'test',
  functionName: 'api',
  getRemainingTimeInMillis: () => 29_000,
} as unknown as Context;
const scope = () => `alice POST /applications key-${Math.random()}`;
const tables = tableNamesFromEnv();

type TransactItems = Record<string, { TableName?: string; Item?: Record<string, AttributeValue> }>[];
/**
 * Every write this process sends to DynamoDB, as `<command>:<table>` (after the write barrier); a
 * transaction as `TransactWriteItemsCommand:<table>+<table>…`, its items' tables in order, once each.
 */
const writes: string[] = [];
/** Runs (once) just before the next transaction leaves, with its items: a concurrent writer's turn. */
let beforeNextTransaction: ((items: TransactItems) => Promise<void>) | undefined;
/** Runs (once) just before the next read of an application leaves. */
let beforeNextApplicationRead: (() => Promise<void>) | undefined;
documentClient.middlewareStack.add(
  (next, { commandName }) =>
    async (args) => {
      const input = args.input as { TableName?: string; TransactItems?: TransactItems };
      const transactionTables = (input.TransactItems ?? []).map((item) => Object.values(item)[0]?.TableName);
      const table = input.TableName ?? [...new Set(transactionTables)].join('+');
      if (/^(Put|Update|Delete|BatchWrite|TransactWrite)/.test(commandName ?? '')) {
        writes.push(`${commandName}:${table}`);
      }
      const hook = beforeNextTransaction;
      if (input.TransactItems && hook) {
        beforeNextTransaction = undefined;
        await hook(input.TransactItems);
      }
      const readHook = beforeNextApplicationRead;
      if (commandName === 'GetItemCommand' && input.TableName === tables.applications && readHook) {
        beforeNextApplicationRead = undefined;
        await readHook();
      }
      return next(args);
    },
  { step: 'finalizeRequest', name: 'testWriteCounter' },
);
const writesDuring = async (work: () => Promise<unknown>): Promise<string[]> => {
  const from = writes.length;
  await work();
  return writes.slice(from);
};

/** A route that writes: adds one to a counter of its own. */
const countingRoute = (counterId: string) => async () => {
  await documentClient.send(
    new UpdateCommand({
      TableName: tables.counters,
      Key: { counterId },
      UpdateExpression: 'ADD #value :one',
      ExpressionAttributeNames: { '#value': 'value' },
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
  return json(201, { counted: counterId });
};
const counterValue = async (counterId: string) =>
  (await documentClient.send(new GetCommand({ TableName: tables.counters, Key: { counterId } }))).Item?.value;
const storedRecord = async (requestScope: string) =>
  (
    await documentClient.send(
      new GetCommand({
        TableName: tables.idempotency,
        Key: { id: idempotencyRecordId(requestScope) },
        ConsistentRead: true,
      }),
    )
  ).Item;

describe('idempotent requests (Idempotency table on DynamoDB Local)', () => {
  it('answers a second request with the same key while the first still runs with IDEMPOTENCY_IN_PROGRESS', async () => {
    const request = { scope: scope(), body: '{"a":1}' };
    const running = Promise.withResolvers<void>();
    const finish = Promise.withResolvers<void>();
    const first = idempotent(request, context, async () => {
      await writesAllowed(); // as a write would: the claim is stored from here on
      running.resolve();
      await finish.promise;
      return json(201, { first: true });
    });
    await running.promise;
    const refused = await idempotent(request, context, async () => json(201, { second: true })).catch(
      (error) => error,
    );
    expect(refused).toBeInstanceOf(IdempotencyInProgressError);
    expect(toHttpResponse(refused).statusCode).toBe(409);
    expect(Number(toHttpResponse(refused).headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
    finish.resolve();
    expect((await first).body).toBe(JSON.stringify({ first: true }));
  });

  it('frees the key of a request that crashed once its function would have timed out, and says when', async () => {
    const request = { scope: scope(), body: '{"a":1}' };
    // The first request "crashes" as it writes: its claim is stored, its work never finishes.
    const crashedContext = { ...context, getRemainingTimeInMillis: () => 1_500 } as Context;
    void idempotent(request, crashedContext, async () => {
      await writesAllowed();
      return new Promise<never>(() => {});
    });
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

  it('returns the stored response for a repeat; the work gets past its first write once', async () => {
    const request = { scope: scope(), body: '{"a":1}' };
    let runs = 0;
    const run = async () => {
      await writesAllowed();
      return json(201, { run: ++runs });
    };
    const first = await idempotent(request, context, run);
    const again = await idempotent(request, context, run);
    expect(again).toEqual(first);
    expect(again.statusCode).toBe(201);
    expect(runs).toBe(1);
    await expect(idempotent({ ...request, body: '{"a":2}' }, context, run)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });

  it('lets the route of a replay read but not write: its write never leaves', async () => {
    const counterId = `idempotency-test-${Math.random()}`;
    const request = { scope: scope(), body: '{}' };
    const first = await idempotent(request, context, countingRoute(counterId));
    let replay: unknown;
    const sent = await writesDuring(async () => {
      replay = await idempotent(request, context, countingRoute(counterId));
    });
    expect(replay).toEqual(first);
    expect(sent).toEqual([`PutItemCommand:${tables.idempotency}`]); // the refused claim only
    expect(await counterValue(counterId)).toBe(1);
  });

  it('runs concurrent duplicates once: one answer, the others IDEMPOTENCY_IN_PROGRESS or the replay', async () => {
    const counterId = `idempotency-test-${Math.random()}`;
    const request = { scope: scope(), body: '{}' };
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map(() => idempotent(request, context, countingRoute(counterId))),
    );
    const answered = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(answered.length).toBeGreaterThanOrEqual(1);
    for (const error of refused) expect(error).toBeInstanceOf(IdempotencyInProgressError);
    expect(await counterValue(counterId)).toBe(1);
  });

  it('does not store errors: a route failing before it writes leaves no record and writes nothing', async () => {
    const request = { scope: scope(), body: '{}' };
    const sent = await writesDuring(() =>
      expect(
        idempotent(request, context, async () => {
          throw new ValidationError([{ path: 'x', message: 'bad' }]);
        }),
      ).rejects.toBeInstanceOf(ValidationError),
    );
    expect(sent).toEqual([]);
    expect(await storedRecord(request.scope)).toBeUndefined();
    expect((await idempotent(request, context, async () => json(200, { ok: true }))).statusCode).toBe(200);
  });

  it('frees the key of a route that fails after it wrote: its claim is deleted, and the key runs again', async () => {
    const counterId = `idempotency-test-${Math.random()}`;
    const request = { scope: scope(), body: '{}' };
    const failing = async () => {
      await countingRoute(counterId)();
      throw new ValidationError([{ path: 'x', message: 'bad' }]);
    };
    const sent = await writesDuring(() =>
      expect(idempotent(request, context, failing)).rejects.toBeInstanceOf(ValidationError),
    );
    expect(sent).toEqual([
      `PutItemCommand:${tables.idempotency}`,
      `UpdateItemCommand:${tables.counters}`,
      `DeleteItemCommand:${tables.idempotency}`,
    ]);
    expect(await storedRecord(request.scope)).toBeUndefined();
    expect((await idempotent(request, context, countingRoute(counterId))).statusCode).toBe(201);
  });

  it('reclaims a key whose stored response has expired (TTL deletes lazily)', async () => {
    const request = { scope: scope(), body: '{}' };
    await idempotent(request, context, async () => json(201, { run: 1 }));
    await documentClient.send(
      new PutCommand({
        TableName: tables.idempotency,
        Item: { ...(await storedRecord(request.scope)), expiration: Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    expect((await idempotent(request, context, async () => json(201, { run: 2 }))).body).toBe(
      JSON.stringify({ run: 2 }),
    );
  });

  it('keeps the record layout Powertools wrote, so records stored before still replay', async () => {
    const request = { scope: scope(), body: '{"a":1}' };
    await idempotent(request, context, async () => json(201, { run: 1 }));
    expect(await storedRecord(request.scope)).toEqual({
      id: expect.stringMatching(/#[A-Za-z0-9+/]{22}==$/),
      status: 'COMPLETED',
      expiration: expect.any(Number),
      validation: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/),
      data: json(201, { run: 1 }),
    });
  });
});

describe('Idempotency-Key on an API transition', () => {
  let api: TestApi;
  let alice: Caller;
  let rita: Caller;
  beforeAll(async () => {
    api = await startTestApi();
    alice = await api.as('alice', 'acme', ['applicant']);
    rita = await api.as('rita', 'authority', ['reviewer']);
  });
  afterAll(() => api.stop());

  it('commits one transition for a request sent twice, in turn and at once', async () => {
    const id = await underReviewViaApi(alice);
    const committed = async (action: string) => {
      const { Items = [] } = await documentClient.send(
        new QueryCommand({
          TableName: tables.auditEvents,
          KeyConditionExpression: 'applicationId = :id',
          ExpressionAttributeValues: { ':id': id },
          ConsistentRead: true,
        }),
      );
      return Items.filter((event) => event.action === action).length;
    };
    const claim = () =>
      rita.post(`/applications/${id}/actions/claim`, undefined, { 'idempotency-key': 'c1' });
    const first = await claim();
    const replay = await claim();
    expect(first.status).toBe(200);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(await committed('claim')).toBe(1);

    // Sent at once, four times over (claim and release in turn, a new key each round): a
    // duplicate that lost the race to commit, or was refused because its twin changed the state
    // first, answers with its twin's response or IDEMPOTENCY_IN_PROGRESS, never its own refusal.
    const commits = { claim: 1, release: 0 };
    for (const [round, action] of (['release', 'claim', 'release', 'claim'] as const).entries()) {
      const send = () =>
        rita.post(`/applications/${id}/actions/${action}`, undefined, {
          'idempotency-key': `at-once-${round}`,
        });
      const both = await Promise.all([send(), send()]);
      commits[action] += 1;
      expect(await committed(action)).toBe(commits[action]);
      expect(both.map((response) => response.status).sort()).toEqual(
        both.some((response) => response.status === 409) ? [200, 409] : [200, 200],
      );
      const answered = both.filter((response) => response.status === 200);
      for (const response of answered) expect(response.body).toEqual(answered[0]?.body);
      const conflict = both.find((response) => response.status === 409);
      if (conflict) {
        expect(conflict.body.error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
        expect(Number(conflict.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    }
  });

  const claimOf = (id: string, key: string) => () =>
    rita.post(`/applications/${id}/actions/claim`, undefined, { 'idempotency-key': key });
  const claimScope = (id: string, key: string) => `rita POST /applications/${id}/actions/claim ${key}`;

  it("stores a transition's answer in the transition's own transaction, and replays it", async () => {
    const id = await underReviewViaApi(alice);
    const claim = claimOf(id, `stored-${id}`);
    let first: Awaited<ReturnType<typeof claim>> | undefined;
    const sent = await writesDuring(async () => {
      first = await claim();
    });
    expect(first?.status).toBe(200);
    // One transaction: application, audit event, the answer. No claim before it, nothing after it.
    expect(sent).toEqual([
      `TransactWriteItemsCommand:${tables.applications}+${tables.auditEvents}+${tables.idempotency}`,
    ]);
    const record = await storedRecord(claimScope(id, `stored-${id}`));
    expect(record).toMatchObject({ status: 'COMPLETED', data: { statusCode: 200 } });
    expect(record?.in_progress_expiration).toBeUndefined();
    expect(JSON.parse(record?.data.body)).toEqual(first?.body);
    expect(record?.data.headers.etag).toBe(first?.headers.get('etag'));

    const replay = await claim();
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first?.body);
    expect(replay.headers.get('etag')).toBe(first?.headers.get('etag'));
  });

  it('stores a transition that writes before its transaction (an approval numbering its licence) over its claim', async () => {
    const id = await underReviewViaApi(alice);
    expect((await rita.post(`/applications/${id}/actions/claim`)).status).toBe(200);
    const approve = () =>
      rita.post(
        `/applications/${id}/actions/approve`,
        { validityMonths: 12, conditions: [] },
        { 'idempotency-key': `approve-${id}` },
      );
    let first: Awaited<ReturnType<typeof approve>> | undefined;
    const sent = await writesDuring(async () => {
      first = await approve();
    });
    expect(first?.status).toBe(200);
    expect(first?.body.status).toBe('APPROVED');
    // The licence number's counter is a write before the transaction: the claim goes first, and
    // the transaction's answer is conditioned on that claim still being this request's.
    expect(sent[0]).toBe(`PutItemCommand:${tables.idempotency}`);
    expect(sent.at(-1)).toMatch(
      new RegExp(`^TransactWriteItemsCommand:${tables.applications}\\+.*\\+${tables.idempotency}$`),
    );
    expect(sent.filter((write) => write.startsWith('PutItemCommand'))).toHaveLength(1);
    const scope = `rita POST /applications/${id}/actions/approve approve-${id}`;
    expect(await storedRecord(scope)).toMatchObject({ status: 'COMPLETED', data: { statusCode: 200 } });

    const replayed = await writesDuring(async () => {
      const replay = await approve();
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(first?.body);
    });
    // Approved already: the route is refused before it writes, and the stored record answers.
    expect(replayed).toEqual([]);
  });

  it('stores the answer of a route that is not one transition after it (a create)', async () => {
    const sent = await writesDuring(() =>
      alice.post('/applications', { exporter: { name: 'Keyed', country: 'CN' } }, { 'idempotency-key': 'k' }),
    );
    expect(sent).toEqual([
      `PutItemCommand:${tables.idempotency}`,
      `TransactWriteItemsCommand:${tables.applications}+${tables.auditEvents}`,
      `PutItemCommand:${tables.idempotency}`,
    ]);
  });

  it('stores no answer when a concurrent change cancels the transition; the key runs again', async () => {
    const id = await underReviewViaApi(alice);
    const claim = claimOf(id, `cancelled-${id}`);
    let carried: (string | undefined)[] = [];
    beforeNextTransaction = async (items) => {
      carried = items.map((item) => Object.values(item)[0]?.TableName);
      // Another writer commits first: the version the transition was computed from is gone.
      await documentClient.send(
        new UpdateCommand({
          TableName: tables.applications,
          Key: { applicationId: id },
          UpdateExpression: 'SET #version = #version + :one',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    };
    const cancelled = await claim();
    expect(carried.at(-1)).toBe(tables.idempotency); // the answer was in the cancelled transaction
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error.code).toBe('VERSION_CONFLICT');
    expect(await storedRecord(claimScope(id, `cancelled-${id}`))).toBeUndefined();
    expect((await rita.get(`/applications/${id}`)).body.assignedTo).toBeNull();

    const retried = await claim();
    expect(retried.status).toBe(200);
    expect(retried.body.assignedTo).toBe('rita');
    expect(await storedRecord(claimScope(id, `cancelled-${id}`))).toMatchObject({ status: 'COMPLETED' });
  });

  it('commits nothing when another request claimed the key while it ran, and answers as that claim does', async () => {
    const id = await underReviewViaApi(alice);
    const claim = claimOf(id, `lapsed-${id}`);
    const othersClaimUntil = Date.now() + 5_000;
    beforeNextTransaction = async (items) => {
      // Another request with the same key claimed it while this one ran.
      const answer = items.at(-1)?.Put?.Item;
      if (!answer) throw new Error('no answer in the transaction');
      const { data, ...claimed } = unmarshall(answer);
      await documentClient.send(
        new PutCommand({
          TableName: tables.idempotency,
          Item: { ...claimed, status: 'INPROGRESS', in_progress_expiration: othersClaimUntil },
        }),
      );
    };
    const refused = await claim();
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await rita.get(`/applications/${id}`)).body.assignedTo).toBeNull();
    // The other request's claim stays: it is not this request's to release.
    expect(await storedRecord(claimScope(id, `lapsed-${id}`))).toMatchObject({
      status: 'INPROGRESS',
      in_progress_expiration: othersClaimUntil,
    });
  });

  it('answers with its twin’s response when its twin changed the state before its read', async () => {
    const id = await underReviewViaApi(alice);
    expect((await rita.post(`/applications/${id}/actions/claim`)).status).toBe(200);
    const release = () =>
      rita.post(`/applications/${id}/actions/release`, undefined, { 'idempotency-key': `twin-${id}` });
    const twinDone = Promise.withResolvers<void>();
    const reading = Promise.withResolvers<void>();
    beforeNextApplicationRead = async () => {
      reading.resolve();
      await twinDone.promise;
    };
    // The late one found the key free, then waits to read the application until its twin answered.
    const late = release();
    await reading.promise;
    const twin = await release();
    twinDone.resolve();
    const answer = await late;
    expect(twin.status).toBe(200);
    expect(answer.status).toBe(200); // not "claim it first": its twin's release is its own
    expect(answer.body).toEqual(twin.body);
  });

  it('commits nothing when a duplicate answered while it ran, and answers with that answer', async () => {
    const id = await underReviewViaApi(alice);
    const claim = claimOf(id, `duplicate-${id}`);
    const stored = json(200, { answeredBy: 'the duplicate' });
    beforeNextTransaction = async (items) => {
      const answer = items.at(-1)?.Put?.Item;
      if (!answer) throw new Error('no answer in the transaction');
      await documentClient.send(
        new PutCommand({ TableName: tables.idempotency, Item: { ...unmarshall(answer), data: stored } }),
      );
    };
    const replayed = await claim();
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ answeredBy: 'the duplicate' });
    expect((await rita.get(`/applications/${id}`)).body.assignedTo).toBeNull();
  });
});
