import { describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamodb.ts';
import { DynamoStatsStore } from '#adapters/stats-store.ts';
import { applyContribution, contributionOf, sumCounters } from '#domain/applications/stats.ts';
import { createOwnTables } from '../support/api.ts';
import { testConfig } from '../support/applications.ts';
import { driveCase, random } from '../support/stats.ts';

/** The stats table in DynamoDB Local: version-guarded contributions and ADDed aggregate counters. */
const config = testConfig();

async function freshStore(): Promise<DynamoStatsStore> {
  return new DynamoStatsStore(await createOwnTables('s'), documentClient);
}

describe('DynamoStatsStore', () => {
  it('ends with the sum of the latest contributions when the stream arrives twice, shuffled, from racing consumers', async () => {
    const store = await freshStore();
    const rand = random(42);
    const cases = Array.from({ length: 30 }, (_, index) => driveCase(index, rand, config));
    const stream = cases.flatMap(({ images }) => images);
    const replay = [...stream, ...stream].sort(() => rand() - 0.5);
    // Four consumers at once: the aggregate item is contended, every contribution is guarded.
    const lanes = [0, 1, 2, 3].map((lane) => replay.filter((_, index) => index % 4 === lane));
    await Promise.all(
      lanes.map(async (records) => {
        for (const image of records) {
          await applyContribution(store, image.applicationId, {
            version: image.version,
            counters: contributionOf(image, config),
          });
        }
      }),
    );
    const expected = sumCounters(cases.map(({ flow }) => contributionOf(flow.application, config)));
    expect(Object.keys(expected).length).toBeGreaterThan(10);
    const actual = await store.aggregate();
    expect(Object.fromEntries(Object.entries(actual).filter(([, value]) => value !== 0))).toEqual(expected);
    const sample = cases[0]?.flow.application;
    if (!sample) throw new Error('no case');
    expect(await store.contribution(sample.applicationId)).toEqual({
      version: sample.version,
      counters: contributionOf(sample, config),
    });
  });
});
