import { describe, expect, it } from 'vitest';
import { ScaledClock } from '#adapters/clock.ts';

const DAY_MS = 86_400_000;

describe('ScaledClock.startAt', () => {
  it('sets local time back before anything is scheduled, and advanceBy moves on from there', () => {
    const clock = new ScaledClock();
    const weeksAgo = new Date(Date.now() - 12 * 7 * DAY_MS);
    clock.startAt(weeksAgo);
    expect(Math.abs(clock.now().getTime() - weeksAgo.getTime())).toBeLessThan(1_000);
    clock.advanceBy(7 * DAY_MS);
    expect(Math.abs(clock.now().getTime() - (weeksAgo.getTime() + 7 * DAY_MS))).toBeLessThan(1_000);
  });

  it('refuses once a timer is armed, leaving the time as it was', () => {
    const clock = new ScaledClock();
    const cancel = clock.schedule(new Date(Date.now() + DAY_MS), () => undefined);
    const before = clock.now().getTime();
    expect(() => clock.startAt(new Date(0))).toThrow('only before anything is scheduled');
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(before);
    cancel();
  });
});
