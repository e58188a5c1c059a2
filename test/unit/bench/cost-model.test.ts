import { describe, expect, it } from 'vitest';
import {
  itemBytes,
  requestCost,
  runsPerMonth,
  storedApplicationMonthlyCost,
  type UsageCounts,
} from '../../../bench/cost-model.ts';
import { PRICES, type PriceTable } from '../../../bench/prices.ts';

const none: UsageCounts = {
  stateTransitions: 0,
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  apiRequests: 0,
  dynamodbReadUnits: 0,
  dynamodbWriteUnits: 0,
  s3Puts: 0,
  s3Gets: 0,
  kmsRequests: 0,
};

describe('the cost model', () => {
  it('prices 10 state transitions per application at $0.25 per 1,000 applications', () => {
    const cost = requestCost({ ...none, stateTransitions: 10 }, 1000);
    expect(cost.stepFunctions).toBe(0.25);
    expect(cost.total).toBe(0.25);
  });

  it('adds every service into the total with the table prices', () => {
    const cost = requestCost(
      {
        stateTransitions: 10,
        lambdaInvocations: 20,
        lambdaGbSeconds: 1,
        apiRequests: 8,
        dynamodbReadUnits: 40,
        dynamodbWriteUnits: 48,
        s3Puts: 3,
        s3Gets: 2,
        kmsRequests: 10,
      },
      1000,
    );
    expect(cost).toEqual({
      stepFunctions: 0.25,
      lambda: 0.017333, // 20,000 × $0.20/M + 1,000 GB-s × $0.0000133334
      apiGateway: 0.028, // 8,000 × $3.50/M
      dynamodb: 0.035, // 40,000 × $0.125/M + 48,000 × $0.625/M
      s3: 0.0158, // 3,000 × $0.005/1,000 + 2,000 × $0.0004/1,000
      kms: 0.03, // 10,000 × $0.03/10,000
      total: 0.376133,
    });
  });

  it('uses the prices it is given', () => {
    const doubled = Object.fromEntries(
      Object.entries(PRICES).map(([name, price]) => [name, { ...price, usd: price.usd * 2 }]),
    ) as PriceTable;
    expect(requestCost({ ...none, apiRequests: 1 }, 1_000_000, doubled).apiGateway).toBe(7);
  });

  it('charges a stored application its marginal reads per run and its storage with backups', () => {
    const cost = storedApplicationMonthlyCost({
      reconcilerReadUnitsPerRun: 0.5,
      reconcilerRunsPerMonth: 8640,
      metricReadUnitsPerRun: 0.25,
      metricRunsPerMonth: 2880,
      tableBytes: 1024 ** 3,
      s3Bytes: 2 * 1024 ** 3,
    });
    expect(cost.reconcilerUsd).toBe(0.00054); // 4,320 units × $0.125/M
    expect(cost.metricPublisherUsd).toBe(0.00009); // 720 units
    expect(cost.perRunComputeUsd).toBe(0.00063);
    expect(cost.storageUsd).toBe(0.496); // 1 GB × ($0.25 + $0.20 PITR) + 2 GB × $0.023
    expect(cost.totalUsd).toBe(0.49663);
  });

  it('has no per-run cost for an application no run reads', () => {
    const cost = storedApplicationMonthlyCost({
      reconcilerReadUnitsPerRun: 0,
      reconcilerRunsPerMonth: 8640,
      metricReadUnitsPerRun: 0,
      metricRunsPerMonth: 2880,
      tableBytes: 4000,
      s3Bytes: 0,
    });
    expect(cost.perRunComputeUsd).toBe(0);
    expect(cost.totalUsd).toBe(cost.storageUsd);
  });

  it('counts the runs of a schedule in a 30-day month', () => {
    expect(runsPerMonth(5)).toBe(8640);
    expect(runsPerMonth(15)).toBe(2880);
  });

  it('sizes items like DynamoDB: names plus values', () => {
    expect(itemBytes({ id: 'abc' })).toBe(5);
    expect(itemBytes({ n: 12345 })).toBe(1 + 4);
    expect(itemBytes({ flag: true, none: null })).toBe(4 + 1 + 4 + 1);
    expect(itemBytes({ list: ['ab', 'c'] })).toBe(4 + 3 + (1 + 2) + (1 + 1));
    expect(itemBytes({ map: { a: 'xy' } })).toBe(3 + 3 + 3 + 1);
  });

  it('names a source and a date for every price', () => {
    for (const price of Object.values(PRICES)) {
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(price.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(price.usd).toBeGreaterThan(0);
    }
  });
});
