import type { RunOptions, StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';

// aws-local-stepfunctions exports its classes but not every type it uses; these are read off its signatures.
type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

export type JsonValue = Parameters<LocalHandlers[string]>[0];
export type TaskHandler = LocalHandlers[string];
export type InterpreterContext = NonNullable<RunOptions['context']>;
export type InterpreterEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;
export type AslState = StateMachineDefinition['States'][string];
