import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type BenchReport, DEFAULT_OPTIONS, runBench, writeReport } from '../../bench/run.ts';

/**
 * A smoke run of `npm run bench` (few applications, few stored ones) on the integration project's
 * DynamoDB Local, so the benchmark keeps working; the real run stays out of the test suite.
 */
describe('the benchmark, run small', () => {
  let outDir = '';
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it('writes latest.json and latest.md with every figure the issue asks for', async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'licence-bench-smoke-'));
    const report = await runBench({
      ...DEFAULT_OPTIONS,
      applications: 2,
      concurrency: [1, 2],
      stored: 12,
      storedSmall: 4,
      traced: 1,
      samples: 8,
      initRuns: 1,
      outDir,
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      tablePrefix: 'BenchSmoke',
      log: () => undefined,
    });
    await writeReport(report, outDir);

    const written = JSON.parse(await readFile(path.join(outDir, 'latest.json'), 'utf8')) as BenchReport;
    expect(written.applications).toBe(2);
    expect(Object.keys(written.lifecyclesPerSecond)).toEqual(['1', '2']);
    for (const rate of Object.values(written.lifecyclesPerSecond)) expect(rate).toBeGreaterThan(0);
    for (const figure of [
      written.apiTransitionP50Ms,
      written.apiTransitionP99Ms,
      written.apiTransitionWithKeyP50Ms,
      written.rawTransactWriteP50Ms,
      written.latency.readThenRaw.p50Ms,
      written.floorRatio,
      written.latency.apiParts.dynamodb.p50Ms,
      written.latency.apiParts.rest.p50Ms,
    ])
      expect(figure).toBeGreaterThan(0);
    // The split is of the same transitions: its parts are each below the whole.
    expect(written.latency.apiParts.dynamodb.samples).toBe(written.latency.api.samples);
    expect(written.latency.apiParts.dynamodb.p50Ms).toBeLessThan(written.latency.api.p99Ms);

    const happy = written.perApplication.happyPath;
    const review = written.perApplication.reviewPath;
    expect(happy.stateTransitions).toBeGreaterThan(0);
    expect(review.stateTransitions).toBeGreaterThan(happy.stateTransitions);
    expect(happy.apiRequests).toBe(8); // create, three documents, complete-details, submit, claim, approve
    expect(happy.dynamodbWriteUnits).toBeGreaterThan(0);
    expect(happy.lambdaInvocations).toBeGreaterThan(happy.apiRequests);
    expect(written.costPer1000ApplicationsUsd).toBe(written.costPer1000.happyPath.total);
    expect(written.costPer1000.happyPath.stepFunctions).toBeCloseTo(happy.stateTransitions * 0.025, 6);

    expect(written.growth.large.storedApplications).toBeGreaterThan(written.growth.small.storedApplications);
    expect(Object.keys(written.growth.ratios).sort()).toEqual([
      'apiTransitionP50',
      'metricPublisherReadUnitsPerRun',
      'readUnitsPerTransition',
      'reconcilerReadUnitsPerRun',
      'screeningReadUnits',
    ]);
    expect(written.storedApplication.tableBytes).toBeGreaterThan(0);
    expect(Object.keys(written.bundleBytes).sort()).toEqual([
      'api',
      'audit-api',
      'await-step',
      'backlog-metric',
      'checkpoint',
      'licence-expiry',
      'licence-stream',
      'reconciler',
      'relay',
      'screen',
      'stats',
      'system-transition',
    ]);
    expect(written.initRatio).toBeGreaterThan(0);
    expect(written.targets.map((target) => target.name)).toContain('initRatio');

    const markdown = await readFile(path.join(outDir, 'latest.md'), 'utf8');
    expect(markdown).toContain('![Transition latency](latency.svg)');
    expect(markdown).toContain('| API transition: its DynamoDB calls |');
    expect(markdown).toContain('![Cost breakdown](cost.svg)');
    for (const chart of ['latency.svg', 'cost.svg'])
      expect(await readFile(path.join(outDir, chart), 'utf8')).toMatch(
        /^<svg [^>]*>[\s\S]*<rect[\s\S]*<\/svg>\n$/,
      );
  }, 240_000);
});
