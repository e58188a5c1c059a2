import { TZDate } from '@date-fns/tz';
import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  dueAt,
  isWorkingDay,
  NOT_STARTED_CLOCK,
  pauseClock,
  refreshClock,
  resumeClock,
  startClock,
  stopClock,
  workingDaysElapsed,
  workingDaysUntil,
} from '#domain/applications/legal-clock.ts';
import type { Calendar } from '#domain/config.ts';
import type { LegalClock, Pause } from '#domain/schemas.ts';
import { testConfig } from '../../support/applications.ts';

/*
 * June 2025: Sunday 1, Monday 2, Tuesday 3 … Friday 6, Saturday 7, Sunday 8, Monday 9 …
 * A clock started on Monday 2 June counts Tuesday 3 as day 1.
 */
const NO_HOLIDAYS: Calendar = { holidays: [], extraWorkingDays: [] };
const calendarConfig = (calendar: Calendar = NO_HOLIDAYS, timeZone = 'UTC') => ({ calendar, timeZone });

const clockStartedAt = (startedAt: string, overrides: Partial<LegalClock> = {}): LegalClock => ({
  startedAt,
  dueAt: null,
  workingDaysElapsed: 0,
  workingDaysLimit: 5,
  paused: false,
  pauses: [],
  stoppedAt: null,
  ...overrides,
});
const pause = (from: string, to: string | null): Pause => ({ from, to, reason: 'INFORMATION_REQUESTED' });
const at = (iso: string) => new Date(iso);

describe('legal clock: working days elapsed', () => {
  const clock = clockStartedAt('2025-06-02T10:00:00.000Z');

  it.each([
    ['later on the day of submission', '2025-06-02T23:00:00.000Z', 0],
    ['on the first working day after submission', '2025-06-03T00:00:00.000Z', 1],
    ['on the Friday', '2025-06-06T12:00:00.000Z', 4],
    ['over the weekend', '2025-06-08T12:00:00.000Z', 4],
    ['on the next Monday', '2025-06-09T08:00:00.000Z', 5],
  ])('counts from day 1 after submission: %s', (_label, now, expected) => {
    expect(workingDaysElapsed(clock, at(now), calendarConfig())).toBe(expected);
  });

  it('starts counting on Monday for a Friday submission', () => {
    const friday = clockStartedAt('2025-06-06T15:00:00.000Z');
    expect(workingDaysElapsed(friday, at('2025-06-08T20:00:00.000Z'), calendarConfig())).toBe(0);
    expect(workingDaysElapsed(friday, at('2025-06-09T09:00:00.000Z'), calendarConfig())).toBe(1);
  });

  it('skips holidays from the calendar', () => {
    const calendar = { holidays: ['2025-06-04'], extraWorkingDays: [] };
    expect(workingDaysElapsed(clock, at('2025-06-06T12:00:00.000Z'), calendarConfig(calendar))).toBe(3);
  });

  it('counts extra working days on a weekend', () => {
    const calendar = { holidays: [], extraWorkingDays: ['2025-06-07'] };
    expect(workingDaysElapsed(clock, at('2025-06-07T12:00:00.000Z'), calendarConfig(calendar))).toBe(5);
  });

  it('is zero for a clock that has not started', () => {
    expect(
      workingDaysElapsed(NOT_STARTED_CLOCK(testConfig()), at('2025-06-09T00:00:00.000Z'), calendarConfig()),
    ).toBe(0);
  });

  it('does not count a working day with any pause in it', () => {
    // Paused from Wednesday afternoon to Thursday morning: neither day counts.
    const paused = clockStartedAt('2025-06-02T10:00:00.000Z', {
      pauses: [pause('2025-06-04T15:00:00.000Z', '2025-06-05T09:00:00.000Z')],
    });
    expect(workingDaysElapsed(paused, at('2025-06-06T12:00:00.000Z'), calendarConfig())).toBe(2);
  });

  it('ignores a pause that lies entirely on a weekend', () => {
    const paused = clockStartedAt('2025-06-02T10:00:00.000Z', {
      pauses: [pause('2025-06-07T09:00:00.000Z', '2025-06-08T17:00:00.000Z')],
    });
    expect(workingDaysElapsed(paused, at('2025-06-09T12:00:00.000Z'), calendarConfig())).toBe(5);
  });

  it('treats an open pause as running until now', () => {
    const paused = clockStartedAt('2025-06-02T10:00:00.000Z', {
      paused: true,
      pauses: [pause('2025-06-04T10:00:00.000Z', null)],
    });
    expect(workingDaysElapsed(paused, at('2025-06-06T12:00:00.000Z'), calendarConfig())).toBe(1);
  });

  it('freezes at the stop', () => {
    const stopped = clockStartedAt('2025-06-02T10:00:00.000Z', { stoppedAt: '2025-06-05T12:00:00.000Z' });
    expect(workingDaysElapsed(stopped, at('2025-09-01T12:00:00.000Z'), calendarConfig())).toBe(3);
  });
});

describe('legal clock: time zone', () => {
  // 16:30 UTC on Thursday 5 June is 00:30 on Friday 6 June in Shanghai (UTC+8).
  const clock = clockStartedAt('2025-06-05T16:30:00.000Z', { workingDaysLimit: 1 });
  const shanghai = calendarConfig(NO_HOLIDAYS, 'Asia/Shanghai');

  it('counts working days in the authority’s zone, not in UTC', () => {
    const fridayEvening = at('2025-06-06T10:00:00.000Z');
    expect(workingDaysElapsed(clock, fridayEvening, calendarConfig())).toBe(1);
    expect(workingDaysElapsed(clock, fridayEvening, shanghai)).toBe(0);
  });

  it('starts the next local day at local midnight', () => {
    expect(workingDaysElapsed(clock, at('2025-06-08T15:59:59.000Z'), shanghai)).toBe(0);
    expect(workingDaysElapsed(clock, at('2025-06-08T16:00:00.000Z'), shanghai)).toBe(1);
  });

  it('ends a due day at local midnight', () => {
    expect(dueAt(clock, at('2025-06-06T10:00:00.000Z'), shanghai)).toBe('2025-06-09T15:59:59.999Z');
    expect(dueAt(clock, at('2025-06-06T10:00:00.000Z'), calendarConfig())).toBe('2025-06-06T23:59:59.999Z');
  });

  it('reads holidays as local dates', () => {
    const calendar = { holidays: ['2025-06-09'], extraWorkingDays: [] };
    expect(dueAt(clock, at('2025-06-06T10:00:00.000Z'), calendarConfig(calendar, 'Asia/Shanghai'))).toBe(
      '2025-06-10T15:59:59.999Z',
    );
  });

  it('keeps local day ends across a daylight-saving change', () => {
    const berlin = calendarConfig(NO_HOLIDAYS, 'Europe/Berlin');
    // Summer time ends on Sunday 26 October 2025.
    expect(addWorkingDays(at('2025-10-23T10:00:00.000Z'), 1, berlin)).toBe('2025-10-24T21:59:59.999Z');
    expect(addWorkingDays(at('2025-10-24T10:00:00.000Z'), 1, berlin)).toBe('2025-10-27T22:59:59.999Z');
  });
});

describe('legal clock: due date', () => {
  it('is the end of the last working day of the limit', () => {
    const clock = clockStartedAt('2025-06-02T10:00:00.000Z');
    expect(dueAt(clock, at('2025-06-02T10:00:00.000Z'), calendarConfig())).toBe('2025-06-09T23:59:59.999Z');
  });

  it('is 45 working days after submission by default', () => {
    const clock = startClock(at('2025-06-02T10:00:00.000Z'), testConfig());
    expect(clock).toEqual({
      startedAt: '2025-06-02T10:00:00.000Z',
      dueAt: '2025-08-04T23:59:59.999Z',
      workingDaysElapsed: 0,
      workingDaysLimit: 45,
      paused: false,
      pauses: [],
      stoppedAt: null,
    });
  });

  it('moves later by one working day per holiday', () => {
    const clock = clockStartedAt('2025-06-02T10:00:00.000Z');
    const calendar = { holidays: ['2025-06-04'], extraWorkingDays: [] };
    expect(dueAt(clock, at('2025-06-02T10:00:00.000Z'), calendarConfig(calendar))).toBe(
      '2025-06-10T23:59:59.999Z',
    );
  });

  it('moves earlier when a weekend day is an extra working day', () => {
    const clock = clockStartedAt('2025-06-02T10:00:00.000Z');
    const calendar = { holidays: [], extraWorkingDays: ['2025-06-07'] };
    expect(dueAt(clock, at('2025-06-02T10:00:00.000Z'), calendarConfig(calendar))).toBe(
      '2025-06-07T23:59:59.999Z',
    );
  });

  it('shifts by the paused working days', () => {
    const clock = clockStartedAt('2025-06-02T10:00:00.000Z', {
      pauses: [pause('2025-06-04T15:00:00.000Z', '2025-06-05T09:00:00.000Z')],
    });
    // Counted: Tue 3, Fri 6, Mon 9, Tue 10, Wed 11.
    expect(dueAt(clock, at('2025-06-06T10:00:00.000Z'), calendarConfig())).toBe('2025-06-11T23:59:59.999Z');
  });

  it('assumes an open pause ends today', () => {
    const clock = clockStartedAt('2025-06-02T10:00:00.000Z', {
      paused: true,
      pauses: [pause('2025-06-04T10:00:00.000Z', null)],
    });
    // Wed 4 to Fri 6 paused; counted: Tue 3, Mon 9, Tue 10, Wed 11, Thu 12.
    expect(dueAt(clock, at('2025-06-06T12:00:00.000Z'), calendarConfig())).toBe('2025-06-12T23:59:59.999Z');
  });

  it('is null before the clock starts', () => {
    expect(
      dueAt(NOT_STARTED_CLOCK(testConfig()), at('2025-06-06T12:00:00.000Z'), calendarConfig()),
    ).toBeNull();
  });
});

describe('legal clock: pause, resume, stop', () => {
  const config = testConfig({ workingDaysLimit: 5 });

  it('opens a pause and recomputes elapsed and due date', () => {
    const started = startClock(at('2025-06-02T10:00:00.000Z'), config);
    const paused = pauseClock(started, at('2025-06-04T10:00:00.000Z'), config);
    expect(paused).toMatchObject({
      paused: true,
      pauses: [{ from: '2025-06-04T10:00:00.000Z', to: null, reason: 'INFORMATION_REQUESTED' }],
      workingDaysElapsed: 1,
      dueAt: '2025-06-10T23:59:59.999Z',
    });
  });

  it('leaves an already paused or not started clock as it is', () => {
    const started = startClock(at('2025-06-02T10:00:00.000Z'), config);
    const paused = pauseClock(started, at('2025-06-04T10:00:00.000Z'), config);
    expect(pauseClock(paused, at('2025-06-05T10:00:00.000Z'), config)).toBe(paused);
    const notStarted = NOT_STARTED_CLOCK(config);
    expect(pauseClock(notStarted, at('2025-06-05T10:00:00.000Z'), config)).toBe(notStarted);
    expect(resumeClock(started, at('2025-06-05T10:00:00.000Z'), config)).toBe(started);
    expect(refreshClock(notStarted, at('2025-06-05T10:00:00.000Z'), config)).toBe(notStarted);
  });

  it('closes the open pause on resume', () => {
    const started = startClock(at('2025-06-02T10:00:00.000Z'), config);
    const paused = pauseClock(started, at('2025-06-04T10:00:00.000Z'), config);
    const resumed = resumeClock(paused, at('2025-06-05T10:00:00.000Z'), config);
    expect(resumed).toMatchObject({
      paused: false,
      pauses: [{ from: '2025-06-04T10:00:00.000Z', to: '2025-06-05T10:00:00.000Z' }],
      // Tue 3 counted; Wed 4 and Thu 5 paused; due: Fri 6, Mon 9, Tue 10, Wed 11.
      dueAt: '2025-06-11T23:59:59.999Z',
    });
  });

  it('closes an open pause and freezes the elapsed days on stop', () => {
    const started = startClock(at('2025-06-02T10:00:00.000Z'), config);
    const paused = pauseClock(started, at('2025-06-05T10:00:00.000Z'), config);
    const stopped = stopClock(paused, at('2025-06-06T10:00:00.000Z'), config);
    expect(stopped).toMatchObject({
      stoppedAt: '2025-06-06T10:00:00.000Z',
      paused: false,
      pauses: [{ from: '2025-06-05T10:00:00.000Z', to: '2025-06-06T10:00:00.000Z' }],
      workingDaysElapsed: 2,
    });
    expect(refreshClock(stopped, at('2025-12-01T10:00:00.000Z'), config).workingDaysElapsed).toBe(2);
    expect(stopClock(stopped, at('2025-12-01T10:00:00.000Z'), config)).toBe(stopped);
    const notStarted = NOT_STARTED_CLOCK(config);
    expect(stopClock(notStarted, at('2025-12-01T10:00:00.000Z'), config)).toBe(notStarted);
  });

  it('builds a not-started clock with the configured limit', () => {
    expect(NOT_STARTED_CLOCK(testConfig({ workingDaysLimit: 60 }))).toEqual({
      startedAt: null,
      dueAt: null,
      workingDaysElapsed: 0,
      workingDaysLimit: 60,
      paused: false,
      pauses: [],
      stoppedAt: null,
    });
  });
});

describe('legal clock: addWorkingDays', () => {
  it('ends on the n-th working day after the start, skipping weekends', () => {
    expect(addWorkingDays(at('2025-06-05T10:00:00.000Z'), 5, calendarConfig())).toBe(
      '2025-06-12T23:59:59.999Z',
    );
  });

  it('skips holidays', () => {
    const calendar = { holidays: ['2025-06-09'], extraWorkingDays: [] };
    expect(addWorkingDays(at('2025-06-05T10:00:00.000Z'), 2, calendarConfig(calendar))).toBe(
      '2025-06-10T23:59:59.999Z',
    );
  });

  it('counts from the next local day in the authority’s zone', () => {
    // Friday 6 June 00:30 in Shanghai: one working day later is Monday 9 June.
    expect(
      addWorkingDays(at('2025-06-05T16:30:00.000Z'), 1, calendarConfig(NO_HOLIDAYS, 'Asia/Shanghai')),
    ).toBe('2025-06-09T15:59:59.999Z');
  });

  it('throws rather than loop when no such working day exists', () => {
    expect(() => addWorkingDays(at('2025-06-05T10:00:00.000Z'), 0, calendarConfig())).toThrow(RangeError);
  });
});

describe('legal clock: workingDaysUntil', () => {
  const due = '2025-06-12T23:59:59.999Z'; // Thursday

  it.each([
    ['three working days ahead', '2025-06-09T10:00:00.000Z', 3],
    ['ahead over a weekend', '2025-06-06T10:00:00.000Z', 4],
    ['on the due day', '2025-06-12T10:00:00.000Z', 0],
    ['one working day overdue', '2025-06-13T10:00:00.000Z', -1],
    ['overdue over a weekend', '2025-06-15T10:00:00.000Z', -1],
    ['two working days overdue', '2025-06-16T10:00:00.000Z', -2],
  ])('counts %s', (_label, now, expected) => {
    expect(workingDaysUntil(due, at(now), calendarConfig())).toBe(expected);
  });

  it('uses local days in the authority’s zone', () => {
    const shanghai = calendarConfig(NO_HOLIDAYS, 'Asia/Shanghai');
    // Due end of Thursday 12 June in Shanghai; 16:30 UTC on Thursday is already Friday there.
    expect(workingDaysUntil('2025-06-12T15:59:59.999Z', at('2025-06-12T16:30:00.000Z'), shanghai)).toBe(-1);
    expect(workingDaysUntil('2025-06-12T15:59:59.999Z', at('2025-06-12T15:30:00.000Z'), shanghai)).toBe(0);
  });
});

describe('legal clock: isWorkingDay', () => {
  const day = (iso: string) => new TZDate(Date.parse(iso), 'UTC');

  it('is true on weekdays and false on weekends', () => {
    expect(isWorkingDay(day('2025-06-06T12:00:00Z'), NO_HOLIDAYS)).toBe(true);
    expect(isWorkingDay(day('2025-06-07T12:00:00Z'), NO_HOLIDAYS)).toBe(false);
  });

  it('lets a holiday win over a weekday and an extra working day over a weekend', () => {
    expect(
      isWorkingDay(day('2025-06-06T12:00:00Z'), { holidays: ['2025-06-06'], extraWorkingDays: [] }),
    ).toBe(false);
    expect(
      isWorkingDay(day('2025-06-07T12:00:00Z'), { holidays: [], extraWorkingDays: ['2025-06-07'] }),
    ).toBe(true);
  });
});
