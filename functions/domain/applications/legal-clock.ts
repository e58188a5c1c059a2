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

/** A civil day as a number (days since 1970-01-01), so the day loops compare and look up numbers. */
const dayNumber = (day: Date): number => Math.floor(day.getTime() / DAY_MS);
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

interface CalendarDays {
  holidays: ReadonlySet<number>;
  extraWorkingDays: ReadonlySet<number>;
}

/** A calendar's dates as day numbers, built once per calendar (every view walks ~60 days of it). */
const calendarDays = new WeakMap<Calendar, CalendarDays>();

function daysOf(calendar: Calendar): CalendarDays {
  let days = calendarDays.get(calendar);
  if (!days) {
    const numbers = (dates: readonly string[]) => new Set(dates.map((date) => Date.parse(date) / DAY_MS));
    days = { holidays: numbers(calendar.holidays), extraWorkingDays: numbers(calendar.extraWorkingDays) };
    calendarDays.set(calendar, days);
  }
  return days;
}

/** Whether a civil day (its UTC date) is a working day of the calendar. */
export function isWorkingDay(day: Date, calendar: Calendar): boolean {
  const { holidays, extraWorkingDays } = daysOf(calendar);
  const number = dayNumber(day);
  if (holidays.has(number)) return false;
  if (extraWorkingDays.has(number)) return true;
  const weekday = day.getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** Local dates touched by any pause (an open pause runs until `now`), as day numbers. */
function pausedDays(pauses: readonly Pause[], now: Date, timeZone: string): Set<number> {
  const days = new Set<number>();
  for (const pause of pauses) {
    const last = dayNumber(civilDay(pause.to ? new Date(pause.to) : now, timeZone));
    const first = dayNumber(civilDay(new Date(pause.from), timeZone));
    for (let day = first; day < first + MAX_DAYS && day <= last; day++) days.add(day);
  }
  return days;
}

/** Yields the counted working days after `start`, in order, skipping paused days. */
function* countedDays(start: Date, pauses: readonly Pause[], now: Date, config: ClockCalendar) {
  const paused = pausedDays(pauses, now, config.timeZone);
  let day = civilDay(start, config.timeZone);
  for (let i = 0; i < MAX_DAYS; i++) {
    day = nextDay(day);
    if (isWorkingDay(day, config.calendar) && !paused.has(dayNumber(day))) yield day;
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
  const dueDay = dayNumber(civilDay(new Date(due), config.timeZone));
  const today = dayNumber(civilDay(now, config.timeZone));
  // Due today is 0, counted by the "ahead" branch (the "behind" one would give -0).
  if (dueDay < today) {
    let behind = 0;
    for (const day of countedDays(new Date(due), [], now, config)) {
      if (dayNumber(day) > today) break;
      behind++;
    }
    return -behind;
  }
  let ahead = 0;
  for (const day of countedDays(now, [], now, config)) {
    if (dayNumber(day) > dueDay) break;
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
