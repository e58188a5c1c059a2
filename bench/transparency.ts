/**
 * npm run bench:transparency -- [--small 100] [--large 5000] [--samples 30]
 *
 * Issue 9's growth check: `GET /stats` and the first `GET /queue` page (20 items, as a senior
 * reviewer) must take the same time with `small` and with `large` applications stored (ratio ≤ 1.5).
 * Its own DynamoDB Local (in memory, free port); populations from the stats tests' random driver
 * (every outcome, appeals included), each application's final image and audit event committed by
 * the real repository and its contribution applied by the real stats store. Times are medians of
 * `samples` calls of the real use cases against DynamoDB Local (no HTTP: the API adds a constant).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { freePort } from '../local/ports.ts';

const { values } = parseArgs({
  options: { small: { type: 'string' }, large: { type: 'string' }, samples: { type: 'string' } },
  strict: true,
});
const small = Number(values.small ?? 100);
const large = Number(values.large ?? 5000);
const samples = Number(values.samples ?? 30);

process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
const { startDynamoDbLocal } = await import('../local/dynamodb-local.ts');
const dynamodb = await startDynamoDbLocal({ port: await freePort() });
process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.endpoint;
try {
  const { createTablesIfMissing } = await import('../local/create-tables.ts');
  const { tableNamesFromEnv } = await import('../functions/adapters/table-definitions.ts');
  const client = new DynamoDBClient({ endpoint: dynamodb.endpoint });
  await createTablesIfMissing(client, tableNamesFromEnv());
  const { DynamoApplicationRepository } = await import('../functions/adapters/dynamodb.ts');
  const { DynamoStatsStore } = await import('../functions/adapters/stats-store.ts');
  const { applyContribution, contributionOf, readPublicStats } = await import(
    '../functions/domain/applications/stats.ts'
  );
  const { readQueuePage, QueueQuerySchema } = await import('../functions/domain/applications/queue.ts');
  const { testConfig } = await import('../test/support/applications.ts');
  const { driveCase, random } = await import('../test/support/stats.ts');
  const config = testConfig();
  const repository = new DynamoApplicationRepository(tableNamesFromEnv(), undefined, config);
  const stats = new DynamoStatsStore();
  const rand = random(9);
  let stored = 0;
  let latest = 0;

  const storeUpTo = async (target: number) => {
    const cases = Array.from({ length: target - stored }, (_, index) =>
      driveCase(stored + index, rand, config),
    );
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < cases.length; index = next++) {
        const { flow } = cases[index] as (typeof cases)[number];
        const event = flow.events.at(-1);
        if (!event) continue;
        // Created, then updated once: the update path writes the index keys (queue, listings).
        await repository.commit(flow.application, event, null);
        await repository.commit(flow.application, { ...event, seq: event.seq + 1 }, flow.application.version);
        await applyContribution(stats, flow.application.applicationId, {
          version: flow.application.version,
          counters: contributionOf(flow.application, config),
        });
        latest = Math.max(latest, flow.now.getTime());
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    stored = target;
  };

  const median = async (call: () => Promise<unknown>) => {
    for (let i = 0; i < 3; i++) await call();
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      await call();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return Math.round((times[Math.floor(times.length / 2)] ?? 0) * 100) / 100;
  };

  const point = async () => {
    const now = new Date(latest + 86_400_000);
    const statsMs = await median(() => readPublicStats({ stats, queue: repository, config, now: () => now }));
    const query = QueueQuerySchema.parse({ limit: 20 });
    let items = 0;
    const queueMs = await median(async () => {
      const page = await readQueuePage(
        { index: repository, config, now, caller: 'sam', seesAppeals: true },
        query,
      );
      items = page.items.length;
    });
    return { stored, statsMs, queueMs, queueItems: items };
  };

  await storeUpTo(small);
  const first = await point();
  console.log(JSON.stringify(first));
  await storeUpTo(large);
  const second = await point();
  console.log(JSON.stringify(second));
  const ratio = (a: number, b: number) => Math.round((b / a) * 100) / 100;
  const result = {
    statsRatio: ratio(first.statsMs, second.statsMs),
    queueRatio: ratio(first.queueMs, second.queueMs),
  };
  console.log(JSON.stringify(result));
  const met = result.statsRatio <= 1.5 && result.queueRatio <= 1.5;
  console.log(
    `${met ? '✓' : '✗'} /stats and first /queue page ${small} → ${large} stored: ratios ${result.statsRatio} / ${result.queueRatio} (≤ 1.5)`,
  );
  client.destroy();
} finally {
  await dynamodb.stop();
}
process.exit(0);
