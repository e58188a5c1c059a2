import { describe, expect, it } from 'vitest';
import { clock } from '#adapters/clock.ts';
import { mintToken } from '#local/jwt.ts';
import { seedPopulation } from '../../scripts/seed-demo.ts';
import { eventually, useWorkflowStack } from '../support/stack.ts';

/**
 * `npm run seed`'s population, small, on the full local stack: what it leaves behind is what
 * /stats and /queue show once the stats consumer has read the stream.
 */
const e2e = useWorkflowStack('seed');

const OPEN = ['SUBMITTED', 'UNDER_REVIEW', 'INFORMATION_REQUESTED', 'PENDING_SIGN_OFF', 'APPEALED'];
const QUEUED = ['UNDER_REVIEW', 'INFORMATION_REQUESTED', 'PENDING_SIGN_OFF', 'APPEALED'];
const shown = (count: number) => (count < 5 ? '<5' : count);

describe('npm run seed (12 applications over 12 simulated weeks)', () => {
  it('leaves a mixed population whose counts, backlog and queue /stats and /queue report', async () => {
    const { stack, people } = e2e;
    const start = clock.now().getTime();
    const seeded = await seedPopulation(
      stack.url,
      (sub, org, groups) => mintToken(stack.keys, { sub, org, groups }),
      clock,
      { applications: 12, weeks: 12, seed: 7 },
    );
    // The clock was moved through the 12 weeks, so the decisions lie weeks apart.
    expect(clock.now().getTime() - start).toBeGreaterThanOrEqual(12 * 7 * 86_400_000);
    expect(seeded.length).toBeGreaterThan(0);
    expect(new Set(seeded.map(({ status }) => status)).size).toBeGreaterThanOrEqual(3);

    const counts = new Map<string, number>();
    for (const { status } of seeded) counts.set(status, (counts.get(status) ?? 0) + 1);
    const pending = OPEN.reduce((sum, status) => sum + (counts.get(status) ?? 0), 0);
    const expected = Object.fromEntries(
      [...OPEN, 'APPROVED', 'DENIED', 'WITHDRAWN'].map((status) => [status, shown(counts.get(status) ?? 0)]),
    );
    const stats = await eventually(
      async () => {
        const { body } = await people.audrey.get('/stats');
        const matches = Object.entries(expected).every(
          ([status, count]) => body.countsByStatus[status] === count,
        );
        return matches && body.backlog.pending === shown(pending) ? body : undefined;
      },
      { timeoutMs: 30_000, what: '/stats to show the seeded counts' },
    );
    expect(stats.withdrawn).toBe(shown(counts.get('WITHDRAWN') ?? 0));

    const queue = await people.sam.get('/queue?limit=100');
    expect(queue.status).toBe(200);
    const inQueue = (queue.body.items as Array<{ applicationId: string; status: string }>).map(
      ({ applicationId, status }) => `${applicationId} ${status}`,
    );
    const queuedSeeded = seeded
      .filter(({ status }) => QUEUED.includes(status))
      .map(({ id, status }) => `${id} ${status}`);
    expect(inQueue.sort()).toEqual(queuedSeeded.sort());
  });
});
