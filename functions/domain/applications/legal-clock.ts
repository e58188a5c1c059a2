import { TZDate } from '@date-fns/tz';
import type { Calendar, DomainConfig } from '../config.ts';
import type { ClockView, LegalClock, Pause } from '../schemas.ts';

/**
 * The legal clock in working days, counted in the authority's time zone.
 *
 * Day 1 is the first working day after submission. A working day with any pause in it does not
 * count (an information request stops the clock for the whole day). The clock stops at a final
 * status. All functions are pure: `now` is passed in.
 *
 * Local dates are handled as "civil days": a Date at UTC midnight of the local calendar date, so
 * the day loops are plain arithmetic; only the conversions in and out use the time zone.
 */

/** Guards the day loops: no clock runs for longer than this. */
const MAX_DAYS = 3 * 366;
const DAY_MS = 86_400_000;

type ClockCalendar = Pick<DomainConfig, 'timeZone' | 'calendar'>;

/** The local calendar date of an instant, as a civil day. */
function civilDay(instant: Date, timeZone: string): Date {
  const local = new TZDate(instant.getTime(), timeZone);
  return new Date(Date.UTC(local.getFullYear(), local.getMonth(), local.getDate()));
}

const dayKey = (day: Date): string => day.toISOString().slice(0, 10);
const nextDay = (day: Date): Date => new Date(day.getTime() + DAY_MS);

/** The last millisecond of a civil day in the authority's time zone, as an ISO instant. */
function endOfLocalDay(day: Date, timeZone: string): string {
  const end = new TZDate(
    day.getUTCFullYear(),
    day.getUTCMonth(),
    day.getUTCDate(),
    23,
    59,
    59,
    999,
    timeZone,
  );
  return new Date(end.getTime()).toISOString();
}

/** Whether a civil day (its UTC date) is a working day of the calendar. */
export function isWorkingDay(day: Date, calendar: Calendar): boolean {
  const key = dayKey(day);
  if (calendar.holidays.includes(key)) return false;
  if (calendar.extraWorkingDays.includes(key)) return true;
  const weekday = day.getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** Local dates touched by any pause (an open pause runs until `now`). */
function pausedDays(pauses: readonly Pause[], now: Date, timeZone: string): Set<string> {
  const days = new Set<string>();
  for (const pause of pauses) {
    const last = civilDay(pause.to ? new Date(pause.to) : now, timeZone).getTime();
    let day = civilDay(new Date(pause.from), timeZone);
    for (let i = 0; i < MAX_DAYS && day.getTime() <= last; i++) {
      days.add(dayKey(day));
      day = nextDay(day);
    }
  }
  return days;
}

/** Yields the counted working days after `start`, in order, skipping paused days. */
function* countedDays(start: Date, pauses: readonly Pause[], now: Date, config: ClockCalendar) {
  const paused = pausedDays(pauses, now, config.timeZone);
  let day = civilDay(start, config.timeZone);
  for (let i = 0; i < MAX_DAYS; i++) {
    day = nextDay(day);
    if (isWorkingDay(day, config.calendar) && !paused.has(dayKey(day))) yield day;
  }
}

/** Working days elapsed at `now` (or at the stop). */
export function workingDaysElapsed(clock: LegalClock, now: Date, config: ClockCalendar): number {
  if (!clock.startedAt) return 0;
  const end = civilDay(clock.stoppedAt ? new Date(clock.stoppedAt) : now, config.timeZone).getTime();
  let elapsed = 0;
  for (const day of countedDays(new Date(clock.startedAt), clock.pauses, now, config)) {
    if (day.getTime() > end) break;
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
    if (++count === clock.workingDaysLimit) return endOfLocalDay(day, config.timeZone);
  }
  return null;
}

/** End of the n-th working day after `from` (due dates of information requests). */
export function addWorkingDays(from: Date, workingDays: number, config: ClockCalendar): string {
  let count = 0;
  for (const day of countedDays(from, [], from, config)) {
    if (++count === workingDays) return endOfLocalDay(day, config.timeZone);
  }
  throw new RangeError(`no ${workingDays} working days within ${MAX_DAYS} days`);
}

/** Working days from `now` until `due` (negative when overdue). */
export function workingDaysUntil(due: string, now: Date, config: ClockCalendar): number {
  const dueDay = dayKey(civilDay(new Date(due), config.timeZone));
  const today = dayKey(civilDay(now, config.timeZone));
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

export const NOT_STARTED_CLOCK = (config: DomainConfig): LegalClock => ({
  startedAt: null,
  dueAt: null,
  workingDaysElapsed: 0,
  workingDaysLimit: config.workingDaysLimit,
  paused: false,
  pauses: [],
  stoppedAt: null,
});

export function startClock(now: Date, config: DomainConfig): LegalClock {
  return refreshClock({ ...NOT_STARTED_CLOCK(config), startedAt: now.toISOString() }, now, config);
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

/** The clock as views show it at `now`: refreshed, with `overdue` and the working days left. */
export function clockView(clock: LegalClock, now: Date, config: ClockCalendar): ClockView {
  const refreshed = refreshClock(clock, now, config);
  if (!refreshed.startedAt || !refreshed.dueAt)
    return { ...refreshed, overdue: false, workingDaysLeft: null };
  const at = refreshed.stoppedAt ? Date.parse(refreshed.stoppedAt) : now.getTime();
  return {
    ...refreshed,
    overdue: at > Date.parse(refreshed.dueAt),
    workingDaysLeft: refreshed.workingDaysLimit - refreshed.workingDaysElapsed,
  };
}

/** An appeal's own clock, started when it is lodged: same counting, its own limit. */
export function startAppealClock(now: Date, config: DomainConfig): LegalClock {
  return startClock(now, { ...config, workingDaysLimit: config.appealWorkingDaysLimit });
}

/**
 * The legal clock of an overturned denial runs again: everything from its stop (the denial) to
 * `now` (the appeal's decision) counts as one pause of reason APPEAL.
 */
export function resumeAfterAppeal(clock: LegalClock, now: Date, config: ClockCalendar): LegalClock {
  if (!clock.startedAt || !clock.stoppedAt) return clock;
  const pause: Pause = { from: clock.stoppedAt, to: now.toISOString(), reason: 'APPEAL' };
  return refreshClock({ ...clock, stoppedAt: null, pauses: [...clock.pauses, pause] }, now, config);
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
