import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoApplicationRepository, documentClient } from '#adapters/dynamodb.ts';
import type { ActionInputs } from '#domain/applications/apply-action.ts';
import type { Action } from '#domain/applications/lifecycle.ts';
import { QueueQuerySchema } from '#domain/applications/queue.ts';
import { claimNext, listQueue, type QueueDependencies } from '#domain/applications/queue-use-cases.ts';
import { createApplication, performAction } from '#domain/applications/use-cases.ts';
import { NotFoundError } from '#domain/errors.ts';
import type { Actor, Application, UserActor } from '#domain/schemas.ts';
import { createOwnTables } from '../support/api.ts';
import {
  applicant,
  completeDetails,
  DAY_MS,
  pdfDocument,
  reviewer,
  screeningOutcome,
  senior,
  system,
  T0,
  testConfig,
} from '../support/applications.ts';
import { licenceParts } from '../support/licence-parts.ts';
import { bruteForceQueue } from '../support/queue.ts';

/**
 * The queue index in DynamoDB Local: kept by the repository's own commit (same update as the
 * case), read by GET /queue and claim-next. Each test gets its own tables, so the queue holds only
 * its cases.
 */
const config = testConfig({ workingDaysLimit: 20 });

async function freshDeps(): Promise<QueueDependencies & { setNow(at: Date): void }> {
  const tables = await createOwnTables('q');
  const repository = new DynamoApplicationRepository(tables, documentClient, config);
  let now = T0;
  return {
    repository,
    queue: repository,
    blobs: { put: async () => undefined, get: async () => null },
    config,
    now: () => now,
    newId: (prefix) => `${prefix}_${ulid()}`,
    ...licenceParts(),
    setNow: (at) => {
      now = at;
    },
  };
}

type Deps = Awaited<ReturnType<typeof freshDeps>>;
const meta = { requestId: 'queue-test' };
const owner = applicant();

async function act<A extends Action>(
  deps: Deps,
  actor: Actor,
  id: string,
  action: A,
  input: ActionInputs[A],
) {
  return (await performAction(deps, actor, id, action, input, meta)).application;
}

/** A case under review, submitted at `at`, in the lane asked for. */
async function underReview(
  deps: Deps,
  at: Date,
  lane: 'EXPEDITED' | 'STANDARD' | 'ENHANCED',
): Promise<string> {
  deps.setNow(at);
  const details =
    lane === 'ENHANCED'
      ? completeDetails({ consignee: { name: 'Transit', country: 'AE', address: 'Dubai' } })
      : completeDetails();
  const { applicationId: id } = await createApplication(deps, owner, details, meta);
  for (const type of config.requiredDocuments) await act(deps, owner, id, 'add-document', pdfDocument(type));
  await act(deps, owner, id, 'complete-details', {});
  await act(deps, owner, id, 'submit', { declaration: { accurate: true, signedBy: 'Alice' } });
  await act(
    deps,
    system('screen'),
    id,
    'screening-cleared',
    screeningOutcome({ recentApprovalForEndUser: lane === 'EXPEDITED' }),
  );
  return id;
}

async function wholeQueue(deps: Deps, actor: UserActor, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listQueue(deps, actor, QueueQuerySchema.parse({ limit, cursor }));
    ids.push(...page.items.map((item) => item.applicationId));
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return ids;
}

async function current(deps: Deps, ids: readonly string[]): Promise<Application[]> {
  const stored = await Promise.all(ids.map((id) => deps.repository.get(id)));
  return stored.flatMap((entry) => (entry ? [entry.application] : []));
}

describe('reviewers queue on DynamoDB Local', () => {
  let deps: Deps;
  beforeAll(async () => {
    deps = await freshDeps();
  });

  it('follows every claim, pause, resume, lane, sign-off and exit in the same write, in queue order on later days', async () => {
    const rita = reviewer('rita');
    const day = (n: number) => new Date(T0.getTime() + n * DAY_MS);
    const lanes = ['EXPEDITED', 'STANDARD', 'ENHANCED'] as const;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await underReview(deps, day(i * 2), lanes[i % 3] ?? 'STANDARD'));
    const [a, b, c, d, e, f] = ids as [string, string, string, string, string, string];
    deps.setNow(day(25));
    await act(deps, rita, a, 'claim', {});
    await act(deps, rita, a, 'request-information', { questions: ['Who?'], dueInWorkingDays: 10 }); // paused
    await act(deps, rita, b, 'claim', {});
    await act(deps, rita, b, 'request-information', { questions: ['Who?'], dueInWorkingDays: 10 });
    deps.setNow(day(29));
    await act(deps, owner, b, 'respond', { answers: ['A listed company.'] }); // resumed, due later
    await act(deps, rita, c, 'claim', {});
    await act(deps, rita, c, 'deny', { reasons: ['RISK_OF_DIVERSION'] }); // PENDING_SIGN_OFF stays queued
    await act(deps, owner, d, 'withdraw', { reason: 'Cancelled.' }); // leaves the queue
    await act(deps, rita, e, 'claim', {});
    await act(deps, rita, e, 'release', {});
    await act(deps, rita, f, 'claim', {});

    for (const later of [29, 33, 40, 60]) {
      deps.setNow(day(later));
      const expected = bruteForceQueue(await current(deps, ids), day(later), config);
      expect(expected).not.toContain(d);
      expect(await wholeQueue(deps, rita, 4)).toEqual(expected);
    }
  });

  it('answers 403 to applicants and operators', async () => {
    const query = QueueQuerySchema.parse({});
    await expect(listQueue(deps, owner, query)).rejects.toMatchObject({ status: 403 });
    await expect(
      listQueue(deps, { kind: 'user', sub: 'otto', org: null, roles: ['operator'] }, query),
    ).rejects.toMatchObject({ status: 403 });
  });
});

describe('claim-next', () => {
  it('gives 10 racing reviewers 5 distinct cases out of 5 and a clear 404 to the other 5', async () => {
    const deps = await freshDeps();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(await underReview(deps, new Date(T0.getTime() + i * DAY_MS), 'STANDARD'));
    deps.setNow(new Date(T0.getTime() + 10 * DAY_MS));
    const reviewers = Array.from({ length: 10 }, (_, i) => reviewer(`reviewer-${i}`));
    const results = await Promise.allSettled(reviewers.map((actor) => claimNext(deps, actor, meta)));
    const claimed = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(claimed).toHaveLength(5);
    expect(new Set(claimed.map((application) => application.applicationId))).toEqual(new Set(ids));
    expect(new Set(claimed.map((application) => application.assignedTo)).size).toBe(5);
    expect(refused).toHaveLength(5);
    for (const error of refused) {
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).message).toMatch(/no unassigned case/i);
    }
    // Every claim is the winner's: what is stored agrees with what each was given.
    for (const application of claimed) {
      expect((await deps.repository.get(application.applicationId))?.application.assignedTo).toBe(
        application.assignedTo,
      );
    }
  });

  it('takes the first unassigned UNDER_REVIEW case in queue order', async () => {
    const deps = await freshDeps();
    const day = (n: number) => new Date(T0.getTime() + n * DAY_MS);
    const enhanced = await underReview(deps, day(0), 'ENHANCED');
    const standard = await underReview(deps, day(1), 'STANDARD');
    const expedited = await underReview(deps, day(2), 'EXPEDITED');
    deps.setNow(day(3));
    await act(deps, reviewer('olga'), expedited, 'claim', {});
    expect((await claimNext(deps, reviewer('rita'), meta)).applicationId).toBe(standard);
    expect((await claimNext(deps, reviewer('rita'), meta)).applicationId).toBe(enhanced);
    await expect(claimNext(deps, reviewer('rita'), meta)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("puts an appeal in senior reviewers' queue only, and claim-next skips an overturned case for its denial's recommender and signer", async () => {
    const deps = await freshDeps();
    const day = (n: number) => new Date(T0.getTime() + n * DAY_MS);
    const appealed = await underReview(deps, day(0), 'EXPEDITED');
    await act(deps, reviewer('rita'), appealed, 'claim', {});
    const denied = await act(deps, reviewer('rita'), appealed, 'deny', { reasons: ['RISK_OF_DIVERSION'] });
    if (denied.status === 'PENDING_SIGN_OFF')
      await act(deps, senior('sam'), appealed, 'sign-off', { agree: true });
    deps.setNow(day(2));
    await act(deps, owner, appealed, 'appeal', { grounds: 'The end user makes washing machines.' });
    const standard = await underReview(deps, day(3), 'STANDARD');

    expect(await wholeQueue(deps, senior('sue'), 1)).toEqual([appealed, standard]);
    expect(await wholeQueue(deps, reviewer('ravi'), 1)).toEqual([standard]);

    deps.setNow(day(4));
    await act(deps, senior('dana'), appealed, 'decide-appeal', {
      outcome: 'OVERTURNED',
      note: 'Civil end use.',
    });
    expect(await wholeQueue(deps, reviewer('ravi'), 5)).toEqual([appealed, standard]);
    // First in queue order, but the denial's recommender may not take it: the next case instead.
    expect((await claimNext(deps, reviewer('rita'), meta)).applicationId).toBe(standard);
    // Its signer may not either, and nothing else is waiting.
    await expect(claimNext(deps, senior('sam'), meta)).rejects.toBeInstanceOf(NotFoundError);
    const claimed = await claimNext(deps, reviewer('ravi'), meta);
    expect(claimed.applicationId).toBe(appealed);
    expect(claimed.flags.map((flag) => flag.code)).toContain('APPEAL_OVERTURNED');
  });
});
