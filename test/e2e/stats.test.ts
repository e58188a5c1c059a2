import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tableNamesFromEnv } from '#adapters/table-definitions.ts';
import { lambdaContext } from '#local/lambdas.ts';
import { type StreamPoller, startStreamPoller } from '#local/stream-poller.ts';
import {
  type Caller,
  completeDetails,
  startTestApi,
  type TestApi,
  underReviewViaApi,
  useOwnTables,
} from '../support/api.ts';
import { eventually } from '../support/stack.ts';

/** GET /stats over HTTP, fed by the stats consumer reading the real DynamoDB Local stream. */
let api: TestApi;
let alice: Caller;
let poller: StreamPoller;

const SECRET_NAME = 'Zebulon Secret Magnets Ltd';
const SECRET_VALUE = 987_654_321;

beforeAll(async () => {
  process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = inject('dynamodbEndpoint');
  await useOwnTables('e2es');
  api = await startTestApi();
  alice = await api.as('alice', 'acme', ['applicant']);
  const stats = await import('#handlers/stats.ts');
  const dataDir = process.env.LOCAL_DATA_DIR ?? '.';
  poller = await startStreamPoller({
    tableName: tableNamesFromEnv().applications,
    relay: (event) => stats.handler(event, lambdaContext('licence-stats')),
    checkpointFile: join(dataDir, 'stats-checkpoints.json'),
    intervalMs: 50,
  });
});
afterAll(async () => {
  await poller?.stop();
  await api?.stop();
});

const details = completeDetails({
  exporter: { name: SECRET_NAME, country: 'CN' },
  goods: [{ ...completeDetails().goods[0], valueUsd: SECRET_VALUE }],
});

describe('GET /stats over HTTP', () => {
  it('answers without a token, suppressed below 5, then real counts once the consumer has seen 5 cases', async () => {
    const empty = await api.anonymous().get('/stats');
    expect(empty.status).toBe(200);
    expect(empty.headers.get('cache-control')).toMatch(/max-age=60/);
    expect(empty.body.countsByStatus.UNDER_REVIEW).toBe('<5');
    expect(empty.body.approvalRate).toBe('<5');

    for (let i = 0; i < 5; i++) await underReviewViaApi(alice, details);
    const stats = await eventually(
      async () => {
        const { body } = await api.anonymous().get('/stats');
        return body.countsByStatus.UNDER_REVIEW === 5 ? body : undefined;
      },
      { what: 'five cases under review in /stats' },
    );
    expect(stats.backlog).toEqual({ pending: 5, oldestPendingWorkingDays: expect.any(Number) });
    expect(typeof stats.generatedAt).toBe('string');
    // Public-safe: no names, no orgs, no commercial values.
    const text = JSON.stringify(stats);
    for (const secret of [SECRET_NAME, String(SECRET_VALUE), 'acme', 'alice', 'Motoren'])
      expect(text).not.toContain(secret);
  });
});
