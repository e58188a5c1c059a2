import { describe, expect, it } from 'vitest';
import { expireOverdueLicences } from '#handlers/reconciler.ts';

/** The reconciler's expiry safety net over the sparse expiry index (a fake index here). */
describe('expireOverdueLicences', () => {
  const NOW = new Date('2027-06-01T00:00:00.000Z');

  it('expires what the index lists as due, page after page, skipping what it already tried', async () => {
    // Eventually consistent: the first licence is still listed after it was expired.
    const pages = [['L-1', 'L-2'], ['L-1', 'L-3'], ['L-1']];
    const asked: string[] = [];
    const expired = await expireOverdueLicences({
      licences: {
        dueForExpiry: async (at) => {
          asked.push(at);
          return pages.shift() ?? [];
        },
      },
      expire: async (licenceNumber) => ({ changed: licenceNumber !== 'L-2' }),
      now: () => NOW,
    });
    expect(expired).toEqual(['L-1', 'L-3']);
    expect(asked).toEqual([NOW.toISOString(), NOW.toISOString(), NOW.toISOString()]);
  });

  it('tries every due licence when one fails, then reports the failure', async () => {
    const tried: string[] = [];
    const run = expireOverdueLicences({
      licences: { dueForExpiry: async () => ['L-1', 'L-2'] },
      expire: async (licenceNumber) => {
        tried.push(licenceNumber);
        if (licenceNumber === 'L-1') throw new Error('throttled');
        return { changed: true };
      },
      now: () => NOW,
    });
    await expect(run).rejects.toThrow('1 licence(s) not expired');
    expect(tried).toEqual(['L-1', 'L-2']);
  });
});
