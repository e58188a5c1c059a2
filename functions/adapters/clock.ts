/**
 * The one clock shared by the API, the handlers and the local Step Functions endpoint.
 *
 * On AWS it is the system clock. Locally it can run faster (`LOCAL_TIME_SCALE`) or be moved
 * forward (`advanceBy`, used by the in-process tests), so the domain's 90-day and
 * due-date rules and the workflow's timers agree on what "now" is.
 */
export interface Clock {
  now(): Date;
  /** Runs `callback` once the clock reaches `at` (immediately when already past). */
  schedule(at: Date, callback: () => void): () => void;
}

interface Timer {
  at: number;
  callback: () => void;
  handle: NodeJS.Timeout | undefined;
}

/** Node timers overflow above 2^31 - 1 ms; long waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export class ScaledClock implements Clock {
  private readonly realStart = Date.now();
  private offsetMs = 0;
  private readonly timers = new Set<Timer>();

  constructor(private readonly scale = 1) {
    if (!(scale > 0)) throw new RangeError(`time scale must be positive, got ${scale}`);
  }

  now(): Date {
    return new Date(this.realStart + (Date.now() - this.realStart) * this.scale + this.offsetMs);
  }

  /**
   * Sets local time back to `at` before anything is scheduled (the demo seed starts weeks in the
   * past and advances to now); once a timer is armed only `advanceBy` may move the clock.
   */
  startAt(at: Date): void {
    if (this.timers.size > 0) throw new Error('the clock can be set only before anything is scheduled');
    this.offsetMs += at.getTime() - this.now().getTime();
  }

  /** Moves local time forward; due timers fire. */
  advanceBy(ms: number): void {
    if (ms < 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
    for (const timer of [...this.timers]) this.arm(timer);
  }

  schedule(at: Date, callback: () => void): () => void {
    const timer: Timer = { at: at.getTime(), callback, handle: undefined };
    this.timers.add(timer);
    this.arm(timer);
    return () => this.cancel(timer);
  }

  /** Cancels every pending timer (on shutdown). */
  clear(): void {
    for (const timer of [...this.timers]) this.cancel(timer);
  }

  private arm(timer: Timer): void {
    if (timer.handle) clearTimeout(timer.handle);
    const remainingRealMs = (timer.at - this.now().getTime()) / this.scale;
    if (remainingRealMs <= 0) {
      this.cancel(timer);
      timer.callback();
      return;
    }
    timer.handle = setTimeout(() => this.arm(timer), Math.min(Math.ceil(remainingRealMs), MAX_TIMEOUT_MS));
    timer.handle.unref();
  }

  private cancel(timer: Timer): void {
    if (timer.handle) clearTimeout(timer.handle);
    this.timers.delete(timer);
  }
}

function scaleFromEnv(): number {
  const raw = process.env.LOCAL_TIME_SCALE;
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!(scale > 0)) throw new RangeError(`LOCAL_TIME_SCALE must be a positive number, got "${raw}"`);
  return scale;
}

/** The process-wide clock. */
export const clock = new ScaledClock(scaleFromEnv());
