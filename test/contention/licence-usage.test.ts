import { describe, expect, it } from 'vitest';
import { verifyChain } from '#domain/audit.ts';
import { approved, deps, licences, ship } from '../support/licence-store.ts';

describe('licence usage under contention (DynamoDB Local)', () => {
  it('50 concurrent shipments on one licence never overdraw it, and each accepted one is recorded once', {
    timeout: 180_000,
  }, async () => {
    const { flow, licenceNumber } = await approved();
    let retries = 0;
    const world = deps(
      () => new Date(flow.now.getTime() + 5 * 60_000),
      () => retries++,
    );
    const shippedAt = new Date(flow.now.getTime() + 2 * 60_000).toISOString();
    const started = Date.now();
    const latencies: number[] = [];
    // 120.5 kg licensed: 40 shipments of 3 kg fit, 10 do not.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, async (_, n) => {
        const begin = Date.now();
        try {
          return await ship(world, licenceNumber, n, shippedAt, 3, 100);
        } finally {
          latencies.push(Date.now() - begin);
        }
      }),
    );
    const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(
      refused.map((error) => error.code ?? String(error)).filter((code) => code !== 'EXCEEDS_LICENCE'),
    ).toEqual([]);
    expect(accepted).toBe(40);
    const licence = await licences.get(licenceNumber);
    expect(licence?.goods[0]).toMatchObject({ usedGrams: 120_000, usedCents: 4_000_00 });
    const usages = await licences.usages(licenceNumber);
    expect(usages).toHaveLength(40);
    expect(new Set(usages.map((usage) => usage.usageId)).size).toBe(40);
    const events = await licences.auditEvents(licenceNumber);
    expect(licence && verifyChain(events, licence, 'licence')).toMatchObject({ valid: true, events: 41 });
    latencies.sort((a, b) => a - b);
    console.info(
      JSON.stringify({
        contention: 50,
        accepted,
        retries,
        totalMs: Date.now() - started,
        p50Ms: latencies[24],
        maxMs: latencies.at(-1),
      }),
    );
  });
});
