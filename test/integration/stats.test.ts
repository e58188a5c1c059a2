import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamodb.ts';
import { DynamoStatsStore } from '#adapters/stats-store.ts';
import {
  applyContribution,
  contributionOf,
  type StatsStore,
  sumCounters,
} from '#domain/applications/stats.ts';
import type { Application } from '#domain/schemas.ts';
import { statsRecord } from '#handlers/stats.ts';
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

/** A stream record as the consumer gets it (images as the stream marshals them). */
function streamRecord(next: Application, previous: Application | undefined): DynamoDBRecord {
  const image = (application: Application) =>
    marshall(application, { removeUndefinedValues: true }) as NonNullable<
      NonNullable<DynamoDBRecord['dynamodb']>['NewImage']
    >;
  return {
    eventName: previous ? 'MODIFY' : 'INSERT',
    dynamodb: { NewImage: image(next), ...(previous ? { OldImage: image(previous) } : {}) },
  };
}

describe('stats consumer (statsRecord)', () => {
  it('touches the stats table only for records that move a counter, and still ends with the latest contributions when the stream arrives twice, shuffled', async () => {
    const store = await freshStore();
    const calls: string[] = [];
    const counting: StatsStore = {
      contribution: (id) => {
        calls.push(`contribution ${id}`);
        return store.contribution(id);
      },
      replace: (id, ...rest) => {
        calls.push(`replace ${id}`);
        return store.replace(id, ...rest);
      },
      aggregate: () => store.aggregate(),
    };
    const rand = random(7);
    const cases = Array.from({ length: 20 }, (_, index) => driveCase(index, rand, config));
    const moving: DynamoDBRecord[] = [];
    const still: DynamoDBRecord[] = [];
    for (const { images } of cases) {
      images.forEach((image, index) => {
        const previous = images[index - 1];
        const before = previous ? contributionOf(previous, config) : {};
        const same = JSON.stringify(before) === JSON.stringify(contributionOf(image, config));
        (same ? still : moving).push(streamRecord(image, previous));
      });
      // A task-token update: the same domain image before and after.
      const last = images.at(-1);
      if (last) still.push(streamRecord(last, last));
    }
    expect(moving.length).toBeGreaterThan(20);
    expect(still.length).toBeGreaterThan(20);
    const deps = { store: counting, config };
    for (const record of still) await statsRecord(deps, record);
    expect(calls).toEqual([]);
    const replay = [...moving, ...still, ...moving, ...still].sort(() => rand() - 0.5);
    for (const record of replay) await statsRecord(deps, record);
    const expected = sumCounters(cases.map(({ flow }) => contributionOf(flow.application, config)));
    const actual = await store.aggregate();
    expect(Object.fromEntries(Object.entries(actual).filter(([, value]) => value !== 0))).toEqual(expected);
  });
});
