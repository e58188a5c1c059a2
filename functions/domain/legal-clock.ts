import { TZDate } from '@date-fns/tz';
import { addDays, endOfDay, format, isWeekend, startOfDay } from 'date-fns';
import type { Calendar, DomainConfig } from './config.ts';
import type { LegalClock, Pause } from './schemas.ts';

/**
 * The legal clock in working days, counted in the authority's time zone.
 *
 * Day 1 is the first working day after submission. A working day with any pause in it does not
 * count (an information request stops the clock for the whole day). The clock stops at a final
 * status. All functions are pure: `now` is passed in.
 */

/** Guards the day loops: no clock runs for longer than this. */
const MAX_DAYS = 3 * 366;

type ClockCalendar = Pick<DomainConfig, 'timeZone' | 'calendar'>;

const dayKey = (day: Date): string => format(day, 'yyyy-MM-dd');
const localStartOfDay = (instant: Date, timeZone: string): TZDate =>
  startOfDay(new TZDate(instant.getTime(), timeZone));

const endOfLocalDay = (day: Date): string => new Date(endOfDay(day).getTime()).toISOString();

export function isWorkingDay(day: Date, calendar: Calendar): boolean {
  const key = dayKey(day);
  if (calendar.holidays.includes(key)) return false;
  if (calendar.extraWorkingDays.includes(key)) return true;
  return !isWeekend(day);
}

/** Local dates touched by any pause (an open pause runs until `now`). */
function pausedDays(pauses: readonly Pause[], now: Date, timeZone: string): Set<string> {
  const days = new Set<string>();
  for (const pause of pauses) {
    const last = dayKey(localStartOfDay(pause.to ? new Date(pause.to) : now, timeZone));
    let day = localStartOfDay(new Date(pause.from), timeZone);
    for (let i = 0; i < MAX_DAYS; i++) {
      days.add(dayKey(day));
      if (dayKey(day) >= last) break;
      day = addDays(day, 1);
    }
  }
  return days;
}

/** Yields the counted working days after `start`, in order, skipping paused days. */
function* countedDays(start: Date, pauses: readonly Pause[], now: Date, config: ClockCalendar) {
  const paused = pausedDays(pauses, now, config.timeZone);
  let day = localStartOfDay(start, config.timeZone);
  for (let i = 0; i < MAX_DAYS; i++) {
    day = addDays(day, 1);
    if (isWorkingDay(day, config.calendar) && !paused.has(dayKey(day))) yield day;
  }
}

/** Working days elapsed at `now` (or at the stop). */
export function workingDaysElapsed(clock: LegalClock, now: Date, config: ClockCalendar): number {
  if (!clock.startedAt) return 0;
  const end = dayKey(localStartOfDay(clock.stoppedAt ? new Date(clock.stoppedAt) : now, config.timeZone));
  let elapsed = 0;
  for (const day of countedDays(new Date(clock.startedAt), clock.pauses, now, config)) {
    if (dayKey(day) > end) break;
    elapsed++;
  }
  return elapsed;
}

/**
 * End of the last working day of the limit, given the pauses so far. While a pause is open,
 * the due date assumes the clock resumes tomorrow.
 */
export function dueAt(clock: LegalClock, now: Date, config: ClockCalendar): string | null {
  if (!clock.startedAt) return null;
  let count = 0;
  for (const day of countedDays(new Date(clock.startedAt), clock.pauses, now, config)) {
    if (++count === clock.workingDaysLimit) return endOfLocalDay(day);
  }
  return null;
}

/** End of the n-th working day after `from` (due dates of information requests). */
export function addWorkingDays(from: Date, workingDays: number, config: ClockCalendar): string {
  let count = 0;
  for (const day of countedDays(from, [], from, config)) {
    if (++count === workingDays) return endOfLocalDay(day);
  }
  throw new RangeError(`no ${workingDays} working days within ${MAX_DAYS} days`);
}

/** Working days from `now` until `due` (negative when overdue). */
export function workingDaysUntil(due: string, now: Date, config: ClockCalendar): number {
  const dueDay = dayKey(localStartOfDay(new Date(due), config.timeZone));
  const today = dayKey(localStartOfDay(now, config.timeZone));
  // Due today is 0, counted by the "ahead" branch (the "behind" one would give -0).
  if (dueDay < today) {
    let behind = 0;
    for (const day of countedDays(new Date(due), [], now, config)) {
      if (dayKey(day) > today) break;
      behind++;
    }
    return -behind;
  }
  let ahead = 0;
  for (const day of countedDays(now, [], now, config)) {
    if (dayKey(day) > dueDay) break;
    ahead++;
  }
  return ahead;
}

export function startClock(now: Date, config: DomainConfig): LegalClock {
  const clock: LegalClock = {
    startedAt: now.toISOString(),
    dueAt: null,
    workingDaysElapsed: 0,
    workingDaysLimit: config.workingDaysLimit,
    paused: false,
    pauses: [],
    stoppedAt: null,
  };
  return { ...clock, dueAt: dueAt(clock, now, config) };
}

/** Recomputes the derived fields (elapsed, due date) at `now`. */
export function refreshClock(clock: LegalClock, now: Date, config: ClockCalendar): LegalClock {
  if (!clock.startedAt) return clock;
  return {
    ...clock,
    workingDaysElapsed: workingDaysElapsed(clock, now, config),
    dueAt: dueAt(clock, now, config),
  };
}

export function pauseClock(clock: LegalClock, now: Date, config: ClockCalendar): LegalClock {
  if (clock.paused || !clock.startedAt) return clock;
  const pauses: Pause[] = [
    ...clock.pauses,
    { from: now.toISOString(), to: null, reason: 'INFORMATION_REQUESTED' },
  ];
  return refreshClock({ ...clock, paused: true, pauses }, now, config);
}

export function resumeClock(clock: LegalClock, now: Date, config: ClockCalendar): LegalClock {
  if (!clock.paused) return clock;
  const pauses = clock.pauses.map((pause) =>
    pause.to === null ? { ...pause, to: now.toISOString() } : pause,
  );
  return refreshClock({ ...clock, paused: false, pauses }, now, config);
}

export function stopClock(clock: LegalClock, now: Date, config: ClockCalendar): LegalClock {
  if (!clock.startedAt || clock.stoppedAt) return clock;
  const resumed = resumeClock(clock, now, config);
  return refreshClock({ ...resumed, stoppedAt: now.toISOString() }, now, config);
}

export const NOT_STARTED_CLOCK = (config: DomainConfig): LegalClock => ({
  startedAt: null,
  dueAt: null,
  workingDaysElapsed: 0,
  workingDaysLimit: config.workingDaysLimit,
  paused: false,
  pauses: [],
  stoppedAt: null,
});
