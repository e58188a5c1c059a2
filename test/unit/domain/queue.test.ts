import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type QueueQuery, QueueQuerySchema, readQueuePage } from '#domain/applications/queue.ts';
import { ValidationError } from '#domain/errors.ts';
import { LANES } from '#domain/schemas.ts';
import {
  type ApplicationFlow,
  applicationIn,
  DAY_MS,
  reviewer,
  testConfig,
} from '../../support/applications.ts';
import { bruteForceQueue, type CaseSpec, caseFrom, MemoryQueueIndex } from '../../support/queue.ts';

const config = testConfig({ workingDaysLimit: 20 });

const caseSpec: fc.Arbitrary<CaseSpec> = fc.record({
  lane: fc.constantFrom(...LANES),
  submittedDay: fc.integer({ min: 0, max: 30 }),
  shape: fc.constantFrom('review', 'claimed', 'paused', 'resumed', 'sign-off'),
  rfiAfterDays: fc.integer({ min: 0, max: 20 }),
  rfiDays: fc.integer({ min: 0, max: 10 }),
});

function population(specs: readonly CaseSpec[]): {
  flows: ApplicationFlow[];
  index: MemoryQueueIndex;
  lastWrite: Date;
} {
  const index = new MemoryQueueIndex();
  const flows = specs.map((spec, i) => caseFrom(spec, i, config));
  for (const flow of flows) index.write(flow.application, flow.now, config);
  const lastWrite = new Date(Math.max(...flows.map((flow) => flow.now.getTime())));
  return { flows, index, lastWrite };
}

async function walkAll(
  index: MemoryQueueIndex,
  now: Date,
  query: Partial<QueueQuery>,
  limit: number,
  seesAppeals = false,
) {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 500; page++) {
    const result = await readQueuePage(
      { index, config, now, caller: 'rita', seesAppeals },
      QueueQuerySchema.parse({ ...query, limit, cursor }),
    );
    ids.push(...result.items.map((item) => item.applicationId));
    if (!result.cursor) return ids;
    cursor = result.cursor;
  }
  throw new Error('the queue did not end');
}

describe('queue order', () => {
  it('equals a brute-force sort of the same cases on every later day, without writes, page by page', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(caseSpec, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 1, max: 7 }),
        async (specs, daysLater, limit) => {
          const { flows, index, lastWrite } = population(specs);
          const now = new Date(lastWrite.getTime() + daysLater * DAY_MS);
          const expected = bruteForceQueue(
            flows.map((flow) => flow.application),
            now,
            config,
          );
          expect(await walkAll(index, now, {}, limit)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  it('moves a case into the near-due band as days pass with no write, and keeps paused cases out of it while they have time left', async () => {
    const running = caseFrom(
      { lane: 'ENHANCED', submittedDay: 0, shape: 'review', rfiAfterDays: 0, rfiDays: 0 },
      1,
      config,
    );
    const paused = caseFrom(
      { lane: 'EXPEDITED', submittedDay: 0, shape: 'paused', rfiAfterDays: 1, rfiDays: 0 },
      2,
      config,
    );
    const fresh = caseFrom(
      { lane: 'EXPEDITED', submittedDay: 10, shape: 'review', rfiAfterDays: 0, rfiDays: 0 },
      3,
      config,
    );
    const index = new MemoryQueueIndex();
    for (const flow of [running, paused, fresh]) index.write(flow.application, flow.now, config);
    const ids = (flow: ApplicationFlow) => flow.application.applicationId;
    const at = (day: number) => new Date(fresh.now.getTime() + day * DAY_MS);

    const page = async (day: number) =>
      (await readQueuePage({ index, config, now: at(day), caller: 'rita' }, QueueQuerySchema.parse({})))
        .items;
    const all = [running, paused, fresh].map((flow) => flow.application);

    // Early on nothing is near due: lane first, EXPEDITED (fresh and paused) before ENHANCED.
    const early = await page(0);
    expect(early.map((item) => item.nearDue)).toEqual([false, false, false]);
    expect(early.at(-1)?.applicationId).toBe(ids(running));
    expect(early.map((item) => item.applicationId)).toEqual(bruteForceQueue(all, at(0), config));
    // Later the running ENHANCED case is overdue and leads; the paused case keeps its working days left.
    const late = await page(20);
    expect(late[0]).toMatchObject({ applicationId: ids(running), nearDue: true });
    expect(late.find((item) => item.applicationId === ids(paused))).toMatchObject({
      nearDue: false,
      paused: true,
      workingDaysLeft: early.find((item) => item.applicationId === ids(paused))?.workingDaysLeft,
    });
    expect(late.map((item) => item.applicationId)).toEqual(bruteForceQueue(all, at(20), config));
  });

  it('filters by lane, status and assignment', async () => {
    const specs: CaseSpec[] = LANES.flatMap((lane, i) =>
      (['review', 'claimed', 'paused', 'sign-off'] as const).map((shape, j) => ({
        lane,
        submittedDay: i * 3 + j,
        shape,
        rfiAfterDays: 2,
        rfiDays: 0,
      })),
    );
    const { flows, index, lastWrite } = population(specs);
    const all = bruteForceQueue(
      flows.map((flow) => flow.application),
      lastWrite,
      config,
    );
    const byId = new Map(flows.map((flow) => [flow.application.applicationId, flow.application]));
    const expected = (keep: (id: string) => boolean) => all.filter(keep);
    expect(await walkAll(index, lastWrite, { lane: 'STANDARD' }, 2)).toEqual(
      expected((id) => byId.get(id)?.lane?.name === 'STANDARD'),
    );
    expect(await walkAll(index, lastWrite, { status: 'INFORMATION_REQUESTED' }, 2)).toEqual(
      expected((id) => byId.get(id)?.status === 'INFORMATION_REQUESTED'),
    );
    expect(await walkAll(index, lastWrite, { assigned: 'none', status: 'UNDER_REVIEW' }, 3)).toEqual(
      expected((id) => byId.get(id)?.status === 'UNDER_REVIEW' && byId.get(id)?.assignedTo === null),
    );
    expect(await walkAll(index, lastWrite, { assigned: 'me' }, 3)).toEqual(
      expected((id) => byId.get(id)?.assignedTo === 'rita'),
    );
  });

  it('pages a changing queue without repeating a case and without skipping an unchanged one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(caseSpec, { minLength: 2, maxLength: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        async (specs, limit, picks) => {
          const { flows, index, lastWrite } = population(specs);
          const now = new Date(lastWrite.getTime() + DAY_MS);
          const expected = bruteForceQueue(
            flows.map((flow) => flow.application),
            now,
            config,
          );
          const changed = new Set<string>();
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let page = 0; page < 100; page++) {
            const result = await readQueuePage(
              { index, config, now: new Date(now.getTime() + page * DAY_MS), caller: 'rita' },
              QueueQuerySchema.parse({ limit, cursor }),
            );
            seen.push(...result.items.map((item) => item.applicationId));
            if (!result.cursor) break;
            cursor = result.cursor;
            // Between pages another reviewer changes a case: claims, releases or asks for information.
            const flow = flows[(picks[page % picks.length] ?? 0) % flows.length];
            if (!flow) continue;
            flow.at(new Date(now.getTime() + page * DAY_MS + 1000));
            const { status, assignedTo } = flow.application;
            const other = reviewer('olga');
            const result2 =
              status === 'UNDER_REVIEW' && assignedTo === null
                ? flow.apply('claim', other, {})
                : status === 'UNDER_REVIEW' && assignedTo
                  ? flow.apply('request-information', reviewer(assignedTo), {
                      questions: ['More?'],
                      dueInWorkingDays: 3,
                    })
                  : null;
            if (result2?.event) {
              changed.add(flow.application.applicationId);
              index.write(flow.application, flow.now, config);
            }
          }
          expect(new Set(seen).size).toBe(seen.length);
          const unchanged = expected.filter((id) => !changed.has(id));
          expect(seen.filter((id) => !changed.has(id))).toEqual(unchanged);
        },
      ),
      {
        numRuns: 50,
        examples: [
          // A case paused after the first page (its due date at the pinned instant then follows no
          // key) once held the unchanged paused case behind it back past a running one.
          [
            [
              { lane: 'EXPEDITED', submittedDay: 0, shape: 'review', rfiAfterDays: 0, rfiDays: 0 },
              { lane: 'EXPEDITED', submittedDay: 2, shape: 'sign-off', rfiAfterDays: 0, rfiDays: 0 },
              { lane: 'EXPEDITED', submittedDay: 0, shape: 'review', rfiAfterDays: 0, rfiDays: 0 },
              { lane: 'ENHANCED', submittedDay: 2, shape: 'review', rfiAfterDays: 0, rfiDays: 0 },
              { lane: 'EXPEDITED', submittedDay: 0, shape: 'review', rfiAfterDays: 0, rfiDays: 0 },
              { lane: 'EXPEDITED', submittedDay: 0, shape: 'review', rfiAfterDays: 0, rfiDays: 0 },
              { lane: 'EXPEDITED', submittedDay: 0, shape: 'review', rfiAfterDays: 0, rfiDays: 0 },
              { lane: 'ENHANCED', submittedDay: 0, shape: 'paused', rfiAfterDays: 4, rfiDays: 0 },
            ],
            1,
            [901882867, 0, 0],
          ],
        ],
      },
    );
  }, 60_000);

  it('refuses a cursor from another listing or filter', async () => {
    const { index, lastWrite } = population([
      { lane: 'STANDARD', submittedDay: 0, shape: 'review', rfiAfterDays: 0, rfiDays: 0 },
      { lane: 'STANDARD', submittedDay: 1, shape: 'review', rfiAfterDays: 0, rfiDays: 0 },
    ]);
    const context = { index, config, now: lastWrite, caller: 'rita' };
    const page = await readQueuePage(context, QueueQuerySchema.parse({ limit: 1 }));
    expect(page.cursor).not.toBeNull();
    await expect(
      readQueuePage(context, QueueQuerySchema.parse({ limit: 1, lane: 'STANDARD', cursor: page.cursor })),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      readQueuePage(context, QueueQuerySchema.parse({ limit: 1, cursor: 'bm90LWEtY3Vyc29y' })),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('appeals in the queue', () => {
  const start = (day: number) => new Date(Date.UTC(2026, 2, 2 + day, 9));
  const flows = [
    ...[0, 3, 9, 14].map((day, i) =>
      applicationIn('APPEALED', { start: start(day), applicationId: `app_APPEAL${i}` }),
    ),
    ...[1, 5, 12].map((day, i) =>
      applicationIn('UNDER_REVIEW', { start: start(day), applicationId: `app_REVIEW${i}` }),
    ),
  ];
  const index = new MemoryQueueIndex();
  for (const flow of flows) index.write(flow.application, flow.now, config);
  const applications = flows.map((flow) => flow.application);
  const later = (days: number) =>
    new Date(Math.max(...flows.map((flow) => flow.now.getTime())) + days * DAY_MS);

  it("are in senior reviewers' queue, in queue order by the appeal clock, page by page; not in reviewers'", async () => {
    for (const days of [0, 10, 25, 40]) {
      const now = later(days);
      expect(await walkAll(index, now, {}, 2, true)).toEqual(
        bruteForceQueue(applications, now, config, { appeals: true }),
      );
      expect(await walkAll(index, now, {}, 2, false)).toEqual(bruteForceQueue(applications, now, config));
    }
    expect(await walkAll(index, later(0), { status: 'APPEALED' }, 10, true)).toEqual([
      'app_APPEAL0',
      'app_APPEAL1',
      'app_APPEAL2',
      'app_APPEAL3',
    ]);
    expect(await walkAll(index, later(0), { status: 'APPEALED' }, 10, false)).toEqual([]);
  });

  it('show the appeal clock: its due date and working days left', async () => {
    const appealed = flows[0]?.application;
    const now = later(3);
    const page = await readQueuePage(
      { index, config, now, caller: 'sam', seesAppeals: true },
      QueueQuerySchema.parse({ status: 'APPEALED', limit: 1 }),
    );
    expect(page.items[0]).toMatchObject({
      applicationId: 'app_APPEAL0',
      status: 'APPEALED',
      dueAt: appealed?.appeal?.clock.dueAt,
      paused: false,
    });
    const item = page.items[0];
    expect(item && item.workingDaysElapsed + item.workingDaysLeft).toBe(config.appealWorkingDaysLimit);
    expect(item?.workingDaysElapsed).toBeGreaterThan(0);
  });
});
