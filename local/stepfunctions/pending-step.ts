import type { Clock } from '#adapters/clock.ts';
import type { JsonValue } from './interpreter-types.ts';

/**
 * A step the interpreter is awaiting (a Task attempt or a clock-owned Wait). It settles once; its
 * clock timer, if any, is cancelled when it does.
 */
export class PendingStep {
  readonly result: Promise<JsonValue>;
  private resolve: (value: JsonValue) => void = () => undefined;
  private reject: (error: Error) => void = () => undefined;
  private open = true;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly onClose: (step: PendingStep) => void) {
    this.result = new Promise<JsonValue>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  succeed(value: JsonValue): void {
    if (this.close()) this.resolve(value);
  }

  fail(error: Error): void {
    if (this.close()) this.reject(error);
  }

  /** Calls `onDue` when the shared clock reaches `at`, unless the step has settled by then. */
  scheduleAt(clock: Clock, at: Date, onDue: () => void): void {
    this.cancelTimer?.();
    this.cancelTimer = clock.schedule(at, onDue);
  }

  private close(): boolean {
    if (!this.open) return false;
    this.open = false;
    this.cancelTimer?.();
    this.onClose(this);
    return true;
  }
}
