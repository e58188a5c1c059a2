/** Error names the Step Functions API answers with; the SDK throws the exception class of the same name. */
export type ServiceErrorType =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'InvalidArn'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'SerializationException'
  | 'StateMachineDoesNotExist'
  | 'TaskTimedOut'
  | 'UnknownOperationException'
  | 'ValidationException';

/** A client error of the Step Functions API (HTTP 400 with `__type` and `x-amzn-errortype`). */
export class ServiceError extends Error {
  constructor(
    readonly type: ServiceErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/**
 * A task failure as the interpreter sees it: Retry and Catch match `name`; a Catch hands on
 * `{ Error: name, Cause: message }`.
 */
export class TaskFailure extends Error {
  constructor(errorName: string, cause: string) {
    super(cause);
    this.name = errorName;
  }
}

/**
 * `States.Runtime`, which AWS neither retries nor catches. The interpreter reads `isRetryable` and
 * `isCatchable` from whatever it is thrown, so these properties give our errors the same treatment.
 */
export class StatesRuntimeError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;

  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }
}
