import { describe, expect, it } from 'vitest';
import {
  applyContribution,
  type Counters,
  contributionOf,
  publicStats,
  readPublicStats,
  rebuildCounters,
  type StatsStore,
  type StoredContribution,
  sumCounters,
} from '#domain/applications/stats.ts';
import type { Application } from '#domain/schemas.ts';
import { DAY_MS, testConfig } from '../../support/applications.ts';
import { MemoryQueueIndex } from '../../support/queue.ts';
import { bruteForceStats, type DrivenCase, driveCase, random } from '../../support/stats.ts';

const config = testConfig();

/** The stats table in memory, with the same version guard as the DynamoDB one. */
class MemoryStatsStore implements StatsStore {
  readonly contributions = new Map<string, StoredContribution>();
  counters: Counters = {};

  async contribution(applicationId: string) {
    return this.contributions.get(applicationId) ?? null;
  }

  async replace(
    applicationId: string,
    previousVersion: number | null,
    next: StoredContribution,
    delta: Counters,
  ) {
    if ((this.contributions.get(applicationId)?.version ?? null) !== previousVersion) return false;
    this.contributions.set(applicationId, next);
    this.counters = sumCounters([this.counters, delta]);
    return true;
  }

  async aggregate() {
    return { ...this.counters };
  }
}

const contribution = (application: Application): StoredContribution => ({
  version: application.version,
  counters: contributionOf(application, config),
});

async function consume(store: StatsStore, images: readonly Application[]): Promise<void> {
  for (const image of images) await applyContribution(store, image.applicationId, contribution(image));
}

function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

const population = (size: number, seed: number): DrivenCase[] => {
  const rand = random(seed);
  return Array.from({ length: size }, (_, index) => driveCase(index, rand, config));
};

async function figures(cases: readonly DrivenCase[], store: StatsStore, now: Date) {
  const queue = new MemoryQueueIndex();
  for (const { flow } of cases) queue.write(flow.application, flow.now, config);
  return readPublicStats({ stats: store, queue, config, now: () => now });
}

describe('public statistics', () => {
  const cases = population(600, 20_261_202);
  const stream = cases.flatMap((driven) => driven.images);
  const now = new Date(Math.max(...cases.map(({ flow }) => flow.now.getTime())) + 3 * DAY_MS);

  it('drives a realistic population (every outcome present)', () => {
    const statuses = new Set(cases.map(({ flow }) => flow.application.status));
    for (const status of [
      'DRAFT',
      'UNDER_REVIEW',
      'INFORMATION_REQUESTED',
      'APPROVED',
      'DENIED',
      'WITHDRAWN',
    ])
      expect(statuses).toContain(status);
    expect(cases.filter(({ flow }) => flow.application.decision).length).toBeGreaterThan(200);
  });

  it('equals, figure by figure, a brute-force computation over the audit trails', async () => {
    const store = new MemoryStatsStore();
    await consume(store, stream);
    const expected = bruteForceStats(
      cases.map(({ flow }) => flow.events),
      now,
      config.workingDaysLimit,
    );
    const actual = await figures(cases, store, now);
    expect(actual).toEqual(expected);
    // Real figures, not suppressed ones.
    expect(typeof actual.approvalRate).toBe('number');
    expect(typeof actual.decisionWorkingDays.p90).toBe('number');
    expect(typeof actual.backlog.oldestPendingWorkingDays).toBe('number');
    // Appeals counted apart: lodged, upheld and overturned each from 5 cases or more.
    expect(actual.appeals).toEqual({
      lodged: expect.any(Number),
      upheld: expect.any(Number),
      overturned: expect.any(Number),
    });
  });

  it('changes nothing when the whole stream is replayed twice and out of order', async () => {
    const inOrder = new MemoryStatsStore();
    await consume(inOrder, stream);
    const replayed = new MemoryStatsStore();
    const rand = random(7);
    await consume(replayed, shuffled(stream, rand));
    await consume(replayed, shuffled(stream, rand));
    await consume(replayed, stream);
    expect(replayed.counters).toEqual(inOrder.counters);
    expect(await figures(cases, replayed, now)).toEqual(await figures(cases, inOrder, now));
  });

  it('ignores an image older than the one applied', async () => {
    const store = new MemoryStatsStore();
    const decided = cases.find(({ images }) => images.at(-1)?.status === 'APPROVED');
    if (!decided) throw new Error('no approval in the population');
    const [first, last] = [decided.images[0], decided.images.at(-1)] as [Application, Application];
    expect(await applyContribution(store, last.applicationId, contribution(last))).toBe('applied');
    expect(await applyContribution(store, first.applicationId, contribution(first))).toBe('stale');
    expect(await applyContribution(store, last.applicationId, contribution(last))).toBe('stale');
    expect(store.counters).toEqual(contributionOf(last, config));
  });

  it('rebuilds from the audit trails exactly what the stream built incrementally', async () => {
    const store = new MemoryStatsStore();
    await consume(store, stream);
    async function* trails() {
      for (const { flow } of cases) yield flow.events;
    }
    const rebuilt = await rebuildCounters(trails(), config);
    expect(rebuilt.applications).toBe(cases.length);
    expect(rebuilt.counters).toEqual(store.counters);
  });

  it('suppresses counts below 5 and every figure derived from fewer than 5 cases', async () => {
    const small = cases.filter(({ flow }) => flow.application.status === 'APPROVED').slice(0, 4);
    const denied = cases.filter(({ flow }) => flow.application.status === 'DENIED').slice(0, 2);
    const store = new MemoryStatsStore();
    await consume(
      store,
      [...small, ...denied].flatMap((driven) => driven.images),
    );
    const stats = await figures([...small, ...denied], store, now);
    expect(stats.countsByStatus.APPROVED).toBe('<5');
    expect(stats.countsByStatus.DENIED).toBe('<5');
    expect(stats.countsByStatus.UNDER_REVIEW).toBe('<5');
    expect(stats.approvalRate).toBe(0.667); // 6 decided cases
    for (const month of stats.decisionsByMonth) {
      expect(month.approved).toBe('<5');
      expect(month.denied).toBe('<5');
    }
    expect(stats.backlog).toEqual({ pending: '<5', oldestPendingWorkingDays: '<5' });
    expect(stats.withdrawn).toBe('<5');
    const lanes = Object.values(stats.decisionWorkingDays.byLane);
    expect(lanes.every((lane) => lane.p50 === '<5' && lane.p90 === '<5')).toBe(true);
    expect(publicStats({}, 0, now).approvalRate).toBe('<5');
  });
});
