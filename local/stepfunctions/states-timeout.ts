import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';

let factory: Promise<() => Error> | undefined;

/**
 * Makes errors the interpreter treats as `States.Timeout`. Its `States.TaskFailed` matcher excludes
 * only instances of its own timeout class, which it does not export; a Task that times out after
 * 1 ms yields one, and new instances come from its constructor.
 */
export function statesTimeoutErrorFactory(): Promise<() => Error> {
  factory ??= probeTimeoutClass();
  return factory;
}

async function probeTimeoutClass(): Promise<() => Error> {
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: {
        Probe: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe',
          TimeoutSeconds: 0.001,
          End: true,
        },
      },
    },
    { validationOptions: { noValidate: true } },
  );
  const run = probe.run(null, {
    overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => {}) } },
  });
  const failure = await run.result.then(
    () => undefined,
    (error: unknown) => error,
  );
  const timeout = failure instanceof ExecutionError ? failure.cause : undefined;
  if (!(timeout instanceof Error) || timeout.name !== 'States.Timeout') {
    throw new Error(
      'aws-local-stepfunctions no longer fails a timed-out Task with States.Timeout; update the adapter',
    );
  }
  const timeoutClass = timeout.constructor;
  return () => Reflect.construct(timeoutClass, []);
}
