import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '#adapters/clock.ts';
import type { StateSpec, TaskIntegration } from './definition.ts';
import { StatesRuntimeError, TaskFailure } from './errors.ts';
import type { JsonValue } from './interpreter-types.ts';
import type { PendingStep } from './pending-step.ts';
import { readReferencePath } from './reference-path.ts';

export type LocalLambda = (payload: unknown) => Promise<unknown>;
type TaskSpec = Extract<StateSpec, { type: 'Task' }>;
type WaitSpec = Extract<StateSpec, { type: 'Wait' }>;

/** What a step needs from the execution it runs in. */
export interface StepHost {
  readonly clock: Clock;
  readonly region: string;
  record(type: string, details?: Record<string, unknown>): void;
  openStep(): PendingStep;
  lambda(functionName: string): LocalLambda | undefined;
  registerTaskToken(token: string, task: TokenTask): void;
  /** An error the interpreter treats as `States.Timeout` (not matched by `States.TaskFailed`). */
  timeoutError(): Error;
}

/** A `waitForTaskToken` task as `SendTaskSuccess` / `SendTaskFailure` see it. */
export interface TokenTask {
  readonly isOpen: boolean;
  succeed(output: JsonValue): void;
  fail(error: string | undefined, cause: string | undefined): void;
}

const OUTPUT_DETAILS = { truncated: false };

export function newTaskToken(): string {
  return randomBytes(96).toString('base64url');
}

/**
 * Runs a `lambda:invoke` or `lambda:invoke.waitForTaskToken` Task attempt: history events as AWS
 * records them, the task timeout on the shared clock, and AWS's Lambda result shape.
 */
export function runLambdaTask(
  host: StepHost,
  spec: TaskSpec,
  parameters: JsonValue,
  stateInput: JsonValue,
  taskToken: string,
): Promise<JsonValue> {
  const timeoutSeconds = taskTimeoutSeconds(spec, stateInput);
  host.record('TaskScheduled', {
    resourceType: 'lambda',
    resource: spec.integration,
    region: host.region,
    parameters: JSON.stringify(parameters),
    timeoutInSeconds: timeoutSeconds,
  });
  const task = new LambdaTask(host, spec.integration);
  if (timeoutSeconds !== undefined) task.timeOutAfter(timeoutSeconds);
  task.record('TaskStarted');
  if (spec.integration === 'invoke.waitForTaskToken') host.registerTaskToken(taskToken, task);
  void task.invoke(parameters);
  return task.result;
}

/** Runs a Wait state on the shared clock; its result is its effective input. */
export function runClockWait(host: StepHost, spec: WaitSpec, input: JsonValue): Promise<JsonValue> {
  const at = waitUntil(spec, input, host.clock.now());
  const step = host.openStep();
  step.scheduleAt(host.clock, at, () => step.succeed(input));
  return step.result;
}

class LambdaTask implements TokenTask {
  private readonly step: PendingStep;

  constructor(
    private readonly host: StepHost,
    private readonly integration: TaskIntegration,
  ) {
    this.step = host.openStep();
  }

  get isOpen(): boolean {
    return this.step.isOpen;
  }

  get result(): Promise<JsonValue> {
    return this.step.result;
  }

  timeOutAfter(seconds: number): void {
    this.step.scheduleAt(this.host.clock, addSeconds(this.host.clock.now(), seconds), () => this.timeOut());
  }

  async invoke(parameters: JsonValue): Promise<void> {
    try {
      const response = await invokeLambda(this.host, parameters);
      if (this.integration === 'invoke') this.succeed(response);
      else if (this.isOpen)
        this.record('TaskSubmitted', { output: JSON.stringify(response), outputDetails: OUTPUT_DETAILS });
    } catch (error) {
      if (error instanceof TaskFailure) this.fail(error.name, error.message);
      else this.fail(...lambdaError(error));
    }
  }

  succeed(output: JsonValue): void {
    if (!this.isOpen) return;
    this.record('TaskSucceeded', { output: JSON.stringify(output), outputDetails: OUTPUT_DETAILS });
    this.step.succeed(output);
  }

  fail(error: string | undefined, cause: string | undefined): void {
    if (!this.isOpen) return;
    this.record('TaskFailed', { error, cause });
    this.step.fail(new TaskFailure(error ?? '', cause ?? ''));
  }

  record(type: string, details: Record<string, unknown> = {}): void {
    this.host.record(type, { resourceType: 'lambda', resource: this.integration, ...details });
  }

  private timeOut(): void {
    if (!this.isOpen) return;
    this.record('TaskTimedOut', { error: 'States.Timeout' });
    this.step.fail(this.host.timeoutError());
  }
}

/** Calls the mapped local function with `Parameters.Payload`; resolves to AWS's `lambda:invoke` result. */
async function invokeLambda(host: StepHost, parameters: JsonValue): Promise<JsonValue> {
  const request = isJsonObject(parameters) ? parameters : {};
  const functionName = request.FunctionName;
  const lambda = typeof functionName === 'string' ? host.lambda(functionName) : undefined;
  if (lambda === undefined) {
    throw new TaskFailure(
      'Lambda.ResourceNotFoundException',
      `Function not found: ${String(functionName)} (Service: Lambda, Status Code: 404)`,
    );
  }
  // A JSON round trip, as over the wire: the function cannot share objects with the execution.
  const payload = await lambda(toJson(request.Payload ?? {}));
  const requestId = randomUUID();
  return {
    ExecutedVersion: '$LATEST',
    Payload: toJson(payload),
    SdkHttpMetadata: {
      HttpHeaders: {
        'Content-Type': 'application/json',
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-RequestId': requestId,
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}

/** A thrown error becomes the task error named like the error, as Lambda reports `errorType`. */
function lambdaError(error: unknown): [string, string] {
  const errorType = error instanceof Error ? error.name : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  return [errorType, JSON.stringify({ errorType, errorMessage })];
}

function taskTimeoutSeconds(spec: TaskSpec, stateInput: JsonValue): number | undefined {
  if (spec.timeoutSeconds !== undefined) return spec.timeoutSeconds;
  if (spec.timeoutSecondsPath === undefined) return undefined;
  const seconds = readReferencePath(spec.timeoutSecondsPath, stateInput);
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) {
    throw new StatesRuntimeError(
      `The value of TimeoutSecondsPath '${spec.timeoutSecondsPath}' must be a positive integer, got ${JSON.stringify(seconds)}`,
    );
  }
  return seconds;
}

function waitUntil(spec: WaitSpec, input: JsonValue, now: Date): Date {
  if (spec.seconds !== undefined) return addSeconds(now, spec.seconds);
  if (spec.timestamp !== undefined) return parseTimestamp(spec.timestamp, 'Timestamp');
  if (spec.secondsPath !== undefined) {
    const seconds = readReferencePath(spec.secondsPath, input);
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      throw new StatesRuntimeError(
        `The value of SecondsPath '${spec.secondsPath}' must be a non-negative integer`,
      );
    }
    return addSeconds(now, seconds);
  }
  if (spec.timestampPath !== undefined) {
    return parseTimestamp(
      readReferencePath(spec.timestampPath, input),
      `TimestampPath '${spec.timestampPath}'`,
    );
  }
  throw new StatesRuntimeError('A Wait state needs Seconds, SecondsPath, Timestamp or TimestampPath');
}

function parseTimestamp(value: unknown, field: string): Date {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new StatesRuntimeError(`The value of ${field} must be an ISO 8601 timestamp`);
  return new Date(time);
}

function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

function isJsonObject(value: JsonValue): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value) ?? 'null');
}
