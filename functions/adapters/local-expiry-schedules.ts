import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExpirySchedules } from '../domain/ports.ts';
import * as z from '../domain/zod.ts';
import { type Clock, clock } from './clock.ts';
import { logger } from './observability.ts';

export interface LocalSchedulerOptions {
  /** The schedule's target: what EventBridge Scheduler would invoke (the expiry function). */
  fire: (licenceNumber: string) => Promise<void>;
  /** JSON file the schedules are kept in across restarts; none: in memory only. */
  file?: string | undefined;
}

/** Like the target's retry policy on AWS; after the last attempt the reconciler is the safety net. */
const ATTEMPTS = 3;
const RETRY_DELAY_MS = 200;

/**
 * The local stand-in for EventBridge Scheduler: one-time schedules by licence number, fired when
 * the shared clock reaches them (so `LOCAL_TIME_SCALE` and `advanceBy` expire licences) and deleted
 * once fired, like `ActionAfterCompletion: DELETE`. Schedules made before `start` wait for it; with
 * a file they outlive a restart (a schedule due while the stack was down fires at start).
 */
export class LocalExpirySchedules implements ExpirySchedules {
  private readonly due = new Map<string, Date>();
  private readonly timers = new Map<string, () => void>();
  private readonly firing = new Set<Promise<void>>();
  private options: LocalSchedulerOptions | undefined;
  private saved: Promise<void> = Promise.resolve();

  constructor(private readonly clock: Clock) {}

  async start(options: LocalSchedulerOptions): Promise<void> {
    this.options = options;
    if (options.file) {
      for (const [licenceNumber, at] of Object.entries(await readSchedules(options.file))) {
        if (!this.due.has(licenceNumber)) this.due.set(licenceNumber, new Date(at));
      }
    }
    await this.save();
    for (const [licenceNumber, at] of [...this.due]) this.arm(licenceNumber, at);
  }

  /** Stops firing and forgets the schedules in memory (those in the file stay for the next start). */
  async stop(): Promise<void> {
    for (const disarm of this.timers.values()) disarm();
    this.timers.clear();
    this.options = undefined;
    await Promise.all([...this.firing]);
    await this.saved;
    this.due.clear();
  }

  async schedule(licenceNumber: string, at: Date): Promise<void> {
    this.due.set(licenceNumber, at);
    await this.save();
    this.arm(licenceNumber, at);
  }

  async cancel(licenceNumber: string): Promise<void> {
    this.timers.get(licenceNumber)?.();
    this.timers.delete(licenceNumber);
    if (this.due.delete(licenceNumber)) await this.save();
  }

  /** The pending schedules, soonest first (ops and tests). */
  pending(): Array<{ licenceNumber: string; at: string }> {
    return [...this.due]
      .map(([licenceNumber, at]) => ({ licenceNumber, at: at.toISOString() }))
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  private arm(licenceNumber: string, at: Date): void {
    const options = this.options;
    if (!options) return;
    this.timers.get(licenceNumber)?.();
    let fired = false;
    const disarm = this.clock.schedule(at, () => {
      fired = true;
      this.timers.delete(licenceNumber);
      const run = this.run(options, licenceNumber, at).finally(() => this.firing.delete(run));
      this.firing.add(run);
    });
    // A schedule already due has fired inside `clock.schedule`; only a pending one keeps its timer.
    if (!fired) this.timers.set(licenceNumber, disarm);
  }

  private async run(options: LocalSchedulerOptions, licenceNumber: string, at: Date): Promise<void> {
    // Deleted after completion, unless it was replaced meanwhile.
    if (this.due.get(licenceNumber) === at) {
      this.due.delete(licenceNumber);
      await this.save();
    }
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        await options.fire(licenceNumber);
        return;
      } catch (error) {
        logger.error('the expiry schedule failed to invoke its target', { licenceNumber, attempt, error });
        if (attempt < ATTEMPTS) await sleep(RETRY_DELAY_MS * attempt);
      }
    }
  }

  /** Written aside and renamed into place, one write at a time, so a crash never leaves half a file. */
  private save(): Promise<void> {
    const file = this.options?.file;
    if (!file) return Promise.resolve();
    const content = JSON.stringify(Object.fromEntries([...this.due].map(([n, at]) => [n, at.toISOString()])));
    this.saved = this.saved.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, content);
      await rename(temp, file);
    });
    return this.saved;
  }
}

/** Licence number → when its schedule is due. */
const SchedulesFile = z.record(z.string(), z.iso.datetime());

async function readSchedules(file: string): Promise<Record<string, string>> {
  try {
    return SchedulesFile.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/** The process-wide local scheduler, on the shared clock; the local stack starts and stops it. */
export const localExpirySchedules = new LocalExpirySchedules(clock);
