import type { Logger } from '@aws-lambda-powertools/logger';
import type { Clock } from '#adapters/clock.ts';
import { StatesRuntimeError } from './errors.ts';
import type { ExecutionRecord } from './execution-files.ts';
import type { HistoryEntry } from './history.ts';
import type { InterpreterContext, InterpreterEvent, JsonValue, TaskHandler } from './interpreter-types.ts';
import { PendingStep } from './pending-step.ts';
import type { LocalStateMachine } from './state-machine.ts';
import {
  type LocalLambda,
  newTaskToken,
  runClockWait,
  runLambdaTask,
  type StepHost,
  type TokenTask,
} from './task-steps.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** What every execution shares with the endpoint. */
export interface ExecutionEnvironment {
  clock: Clock;
  region: string;
  lambdas: Readonly<Record<string, LocalLambda>>;
  taskTokens: Map<string, TokenTask>;
  timeoutError: () => Error;
  logger: Logger;
  /** Called after every change of status or history (to keep the record across restarts). */
  onChange?: (execution: Execution) => void;
}

/** Why an execution that was still running when the endpoint stopped (or crashed) ended. */
export const INTERRUPTED_CAUSE = 'The local Step Functions endpoint stopped while the execution was running.';

interface Outcome {
  output?: string;
  error?: string | undefined;
  cause?: string | undefined;
}

const DATA_DETAILS = { truncated: false };

/**
 * One execution on the interpreter. Its status and history come from the interpreter's event log,
 * read in order, plus the events of the steps the adapter runs itself (Tasks and Waits).
 */
export class Execution implements StepHost {
  status: ExecutionStatus = 'RUNNING';
  readonly startDate: Date;
  stopDate: Date | undefined;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  readonly history: HistoryEntry[] = [];

  private readonly pendingSteps = new Set<PendingStep>();
  private readonly stateInputs = new StateInputWaiters();
  private taskToken: string | undefined;
  private lastEnteredState: string | undefined;
  private abortInterpreter: () => void = () => undefined;
  private cancelExecutionTimeout: (() => void) | undefined;

  constructor(
    /** Creation order, the key of `ListExecutions` pages. */
    readonly seq: number,
    readonly arn: string,
    readonly name: string,
    readonly input: string,
    readonly stateMachine: LocalStateMachine,
    private readonly environment: ExecutionEnvironment,
    startDate?: Date,
  ) {
    this.startDate = startDate ?? environment.clock.now();
  }

  /**
   * An execution of an earlier run of the endpoint, as recorded; one that was still RUNNING (the
   * endpoint crashed before it could record the abort) ends ABORTED now.
   */
  static restore(
    record: ExecutionRecord,
    machine: LocalStateMachine,
    environment: ExecutionEnvironment,
  ): Execution {
    const { seq, name, input } = record;
    const execution = new Execution(
      seq,
      machine.executionArn(name),
      name,
      input,
      machine,
      environment,
      new Date(record.startDate),
    );
    for (const { type, timestamp, details } of record.history) {
      execution.history.push({ type, timestamp: new Date(timestamp), ...(details && { details }) });
    }
    execution.status = record.status;
    execution.stopDate = record.stopDate === undefined ? undefined : new Date(record.stopDate);
    ({ output: execution.output, error: execution.error, cause: execution.cause } = record);
    execution.finish('ABORTED', 'ExecutionAborted', { cause: INTERRUPTED_CAUSE });
    return execution;
  }

  /** What `restore` reads back. */
  toRecord(): ExecutionRecord {
    return {
      seq: this.seq,
      name: this.name,
      input: this.input,
      status: this.status,
      startDate: this.startDate.toISOString(),
      ...(this.stopDate && { stopDate: this.stopDate.toISOString() }),
      ...(this.output !== undefined && { output: this.output }),
      ...(this.error !== undefined && { error: this.error }),
      ...(this.cause !== undefined && { cause: this.cause }),
      history: this.history.map(({ type, timestamp, details }) => ({
        type,
        timestamp: timestamp.toISOString(),
        ...(details && { details }),
      })),
    };
  }

  get clock(): Clock {
    return this.environment.clock;
  }

  get region(): string {
    return this.environment.region;
  }

  start(): void {
    this.record('ExecutionStarted', {
      input: this.input,
      inputDetails: DATA_DETAILS,
      roleArn: this.stateMachine.roleArn,
    });
    const { interpreter, taskStateNames, executionTimeoutSeconds } = this.stateMachine.prepared;
    const handlers: Record<string, TaskHandler> = Object.fromEntries(
      taskStateNames.map((stateName) => [stateName, (input: JsonValue) => this.runStep(stateName, input)]),
    );
    const run = interpreter.run(JSON.parse(this.input), {
      context: this.context(),
      noThrowOnAbort: true,
      overrides: { taskResourceLocalHandlers: handlers },
    });
    this.abortInterpreter = run.abort;
    // The outcome is read from the event log, so that it lands in the history after the last state.
    run.result.catch(() => undefined);
    this.follow(run.eventLogs).catch((error: unknown) => {
      this.environment.logger.error('reading the interpreter event log failed', {
        executionArn: this.arn,
        error,
      });
    });
    if (executionTimeoutSeconds !== undefined) {
      const at = new Date(this.startDate.getTime() + executionTimeoutSeconds * 1000);
      this.cancelExecutionTimeout = this.clock.schedule(at, () => this.timeOut());
    }
  }

  /** `StopExecution`: ends the execution as ABORTED; a closed execution stays as it is. */
  stop(error?: string, cause?: string): void {
    if (this.finish('ABORTED', 'ExecutionAborted', { error, cause })) this.abortInterpreter();
  }

  record(type: string, details?: Record<string, unknown>): void {
    this.history.push({ type, timestamp: this.clock.now(), ...(details && { details }) });
    this.environment.onChange?.(this);
  }

  openStep(): PendingStep {
    const step = new PendingStep((closed) => this.pendingSteps.delete(closed));
    this.pendingSteps.add(step);
    return step;
  }

  lambda(functionName: string): LocalLambda | undefined {
    return Object.hasOwn(this.environment.lambdas, functionName)
      ? this.environment.lambdas[functionName]
      : undefined;
  }

  registerTaskToken(token: string, task: TokenTask): void {
    this.environment.taskTokens.set(token, task);
  }

  timeoutError(): Error {
    return this.environment.timeoutError();
  }

  /** The handler of every state the interpreter runs as a Task. */
  private async runStep(stateName: string, effectiveInput: JsonValue): Promise<JsonValue> {
    // Taken before any await: the token belongs to the Parameters the interpreter has just evaluated.
    const taskToken = this.takeTaskToken();
    if (this.status !== 'RUNNING') throw executionEnded();
    // The interpreter hands the handler only the Parameters result; TimeoutSecondsPath reads the state input.
    const stateInput = await this.stateInputs.next(stateName);
    if (this.status !== 'RUNNING') throw executionEnded();
    const spec = this.stateMachine.prepared.states.get(stateName);
    if (spec?.type === 'Task') return runLambdaTask(this, spec, effectiveInput, stateInput, taskToken);
    if (spec?.type === 'Wait') return runClockWait(this, spec, effectiveInput);
    throw new StatesRuntimeError(`State "${stateName}" has no local handler`);
  }

  /**
   * The Context Object. The interpreter copies it once per execution, but `Task` stays the same
   * object, so its getter yields a token per task attempt (renewed when a step takes it).
   */
  private context(): InterpreterContext {
    const task = {};
    Object.defineProperty(task, 'Token', {
      enumerable: true,
      get: () => {
        this.taskToken ??= newTaskToken();
        return this.taskToken;
      },
    });
    return {
      Execution: { Id: this.arn, Name: this.name, RoleArn: this.stateMachine.roleArn },
      StateMachine: { Id: this.stateMachine.arn, Name: this.stateMachine.name },
      Task: task,
    };
  }

  private takeTaskToken(): string {
    const token = this.taskToken ?? newTaskToken();
    this.taskToken = undefined;
    return token;
  }

  private async follow(events: AsyncGenerator<InterpreterEvent>): Promise<void> {
    for await (const event of events) this.onInterpreterEvent(event);
  }

  private onInterpreterEvent(event: InterpreterEvent): void {
    if (this.status !== 'RUNNING') return;
    switch (event.type) {
      case 'StateEntered': {
        const { name, input, type } = event.state;
        this.lastEnteredState = name;
        this.record(`${this.aslType(name)}StateEntered`, {
          name,
          input: JSON.stringify(input),
          inputDetails: DATA_DETAILS,
        });
        if (type === 'Task') this.stateInputs.deliver(name, input);
        return;
      }
      case 'StateRetried':
        this.stateInputs.deliver(event.state.name, event.state.input);
        return;
      case 'StateExited': {
        const { name, output } = event.state;
        this.record(`${this.aslType(name)}StateExited`, {
          name,
          output: JSON.stringify(output ?? null),
          outputDetails: DATA_DETAILS,
        });
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.record(event.type, { name: event.parentState.name, index: event.index });
        return;
      case 'ExecutionSucceeded':
        this.finish('SUCCEEDED', 'ExecutionSucceeded', { output: JSON.stringify(event.output) });
        return;
      case 'ExecutionFailed':
        this.finish('FAILED', 'ExecutionFailed', this.failure(event.Error, event.Cause));
        return;
    }
  }

  /** A Fail state without Error or Cause fails the execution without them, unlike the interpreter's defaults. */
  private failure(error: string, cause: unknown): Outcome {
    const causeText = typeof cause === 'string' ? cause : JSON.stringify(cause);
    const failState = this.stateMachine.prepared.states.get(this.lastEnteredState ?? '');
    if (failState?.type !== 'Fail') return { error, cause: causeText };
    return {
      error: failState.declaresError ? error : undefined,
      cause: failState.declaresCause ? causeText : undefined,
    };
  }

  private timeOut(): void {
    const outcome = { error: 'States.Timeout', cause: 'The execution exceeded its TimeoutSeconds' };
    if (this.finish('TIMED_OUT', 'ExecutionTimedOut', outcome)) this.abortInterpreter();
  }

  private finish(status: Exclude<ExecutionStatus, 'RUNNING'>, eventType: string, outcome: Outcome): boolean {
    if (this.status !== 'RUNNING') return false;
    this.status = status;
    this.stopDate = this.clock.now();
    ({ output: this.output, error: this.error, cause: this.cause } = outcome);
    this.record(
      eventType,
      outcome.output === undefined
        ? { error: outcome.error, cause: outcome.cause }
        : { output: outcome.output, outputDetails: DATA_DETAILS },
    );
    this.cancelExecutionTimeout?.();
    // Settles what the interpreter awaits (its own Task timers are cleared then) and closes task tokens.
    this.stateInputs.close(executionEnded());
    for (const step of [...this.pendingSteps]) step.fail(executionEnded());
    return true;
  }

  private aslType(stateName: string): string {
    return this.stateMachine.prepared.states.get(stateName)?.type ?? 'Task';
  }
}

function executionEnded(): StatesRuntimeError {
  return new StatesRuntimeError('The execution has ended');
}

/**
 * Hands each Task attempt its state input. The interpreter calls a handler in the same synchronous
 * run as it logs the attempt's StateEntered or StateRetried, and the log is read later, so every
 * handler is waiting by the time its event is read; an event nobody waits for belongs to an attempt
 * that failed before its handler ran, and is dropped.
 */
class StateInputWaiters {
  private readonly waiting = new Map<string, Array<PromiseHandlers>>();
  private closedWith: Error | undefined;

  next(stateName: string): Promise<JsonValue> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      this.waiting.set(stateName, [...(this.waiting.get(stateName) ?? []), { resolve, reject }]);
    });
  }

  deliver(stateName: string, input: JsonValue): void {
    this.waiting.get(stateName)?.shift()?.resolve(input);
  }

  close(error: Error): void {
    this.closedWith = error;
    for (const waiters of this.waiting.values()) for (const waiter of waiters) waiter.reject(error);
    this.waiting.clear();
  }
}

interface PromiseHandlers {
  resolve: (input: JsonValue) => void;
  reject: (error: Error) => void;
}
