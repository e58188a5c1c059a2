import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { AslState } from './interpreter-types.ts';

export type TaskIntegration = 'invoke' | 'invoke.waitForTaskToken';

/** What the adapter needs to know about each state of the definition as written. */
export type StateSpec =
  | { type: 'Task'; integration: TaskIntegration; timeoutSeconds?: number; timeoutSecondsPath?: string }
  | { type: 'Wait'; seconds?: number; secondsPath?: string; timestamp?: string; timestampPath?: string }
  | { type: 'Fail'; declaresError: boolean; declaresCause: boolean }
  | { type: 'Pass' | 'Choice' | 'Succeed' | 'Parallel' | 'Map' };

export interface PreparedDefinition {
  /** The interpreter's copy: timeouts and waits rewritten so the adapter runs them on the shared clock. */
  interpreter: StateMachine;
  states: ReadonlyMap<string, StateSpec>;
  /** Names of the states the interpreter runs as Tasks (the real ones and the rewritten Waits). */
  taskStateNames: readonly string[];
  executionTimeoutSeconds?: number;
}

const LAMBDA_INTEGRATIONS: Record<string, TaskIntegration> = {
  'arn:aws:states:::lambda:invoke': 'invoke',
  'arn:aws:states:::lambda:invoke.waitForTaskToken': 'invoke.waitForTaskToken',
};

/**
 * The interpreter gives every Task a timeout (60 s unless set) on a real-time `setTimeout`; the
 * adapter owns timeouts, so each Task gets the longest delay Node's timers can hold (2^31 − 1 ms).
 */
const INTERPRETER_TASK_TIMEOUT_SECONDS = 2_147_483;

/** Resource given to Wait states rewritten as Tasks; never called, only marks the rewrite. */
const CLOCK_WAIT_RESOURCE = 'arn:aws:states:::local:clock-wait';

/** Replaces every `${Name}` like CDK's `definitionSubstitutions`; each one must be defined. */
export function substitutePlaceholders(
  machineName: string,
  definition: string,
  substitutions: Readonly<Record<string, string>>,
): string {
  const missing = new Set<string>();
  const substituted = definition.replace(/\$\{([^}]*)\}/g, (placeholder, key: string) => {
    const value = Object.hasOwn(substitutions, key) ? substitutions[key] : undefined;
    if (value === undefined) missing.add(key);
    return value ?? placeholder;
  });
  if (missing.size > 0) {
    throw new Error(
      `State machine "${machineName}": no substitution for ${[...missing].map((key) => `\${${key}}`).join(', ')}`,
    );
  }
  return substituted;
}

/** Validates the ASL and builds the interpreter's rewritten copy. */
export function prepareDefinition(machineName: string, definitionText: string): PreparedDefinition {
  const definition: StateMachineDefinition = JSON.parse(definitionText);
  validate(machineName, definitionText, definition);
  const states = new Map<string, StateSpec>();
  const { TimeoutSeconds: executionTimeoutSeconds, ...rest } = definition;
  const rewritten = { ...rest, States: rewriteStates(machineName, definition.States, states) };
  return {
    interpreter: new StateMachine(rewritten, { validationOptions: { noValidate: true } }),
    states,
    taskStateNames: [...states]
      .filter(([, spec]) => spec.type === 'Task' || spec.type === 'Wait')
      .map(([n]) => n),
    executionTimeoutSeconds,
  };
}

/** asl-validator compiles its schemas on every call (about 0.3 s), so each definition is validated once. */
const validDefinitions = new Set<string>();

function validate(machineName: string, definitionText: string, definition: StateMachineDefinition): void {
  if (validDefinitions.has(definitionText)) return;
  try {
    new StateMachine(definition);
  } catch (error) {
    throw new Error(
      `State machine "${machineName}": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  validDefinitions.add(definitionText);
}

function rewriteStates(
  machineName: string,
  states: Record<string, AslState>,
  specs: Map<string, StateSpec>,
): Record<string, AslState> {
  return Object.fromEntries(
    Object.entries(states).map(([name, state]) => [name, rewriteState(machineName, name, state, specs)]),
  );
}

function rewriteState(
  machineName: string,
  name: string,
  state: AslState,
  specs: Map<string, StateSpec>,
): AslState {
  switch (state.Type) {
    case 'Task': {
      specs.set(name, taskSpec(machineName, name, state));
      const { TimeoutSeconds, TimeoutSecondsPath, ...task } = state;
      return { ...task, TimeoutSeconds: INTERPRETER_TASK_TIMEOUT_SECONDS };
    }
    case 'Wait': {
      const { Seconds, SecondsPath, Timestamp, TimestampPath, ...wait } = state;
      specs.set(name, {
        type: 'Wait',
        seconds: Seconds,
        secondsPath: SecondsPath,
        timestamp: Timestamp,
        timestampPath: TimestampPath,
      });
      // A Task whose handler returns its effective input behaves like the Wait, on the adapter's clock.
      return {
        ...wait,
        Type: 'Task',
        Resource: CLOCK_WAIT_RESOURCE,
        TimeoutSeconds: INTERPRETER_TASK_TIMEOUT_SECONDS,
      };
    }
    case 'Fail':
      specs.set(name, {
        type: 'Fail',
        declaresError: state.Error !== undefined || state.ErrorPath !== undefined,
        declaresCause: state.Cause !== undefined || state.CausePath !== undefined,
      });
      return state;
    case 'Parallel':
      specs.set(name, { type: 'Parallel' });
      return {
        ...state,
        Branches: state.Branches.map((branch) => ({
          ...branch,
          States: rewriteStates(machineName, branch.States, specs),
        })),
      };
    case 'Map': {
      specs.set(name, { type: 'Map' });
      const { ItemProcessor, Iterator } = state;
      return {
        ...state,
        ...(ItemProcessor && {
          ItemProcessor: {
            ...ItemProcessor,
            States: rewriteStates(machineName, ItemProcessor.States, specs),
          },
        }),
        ...(Iterator && {
          Iterator: { ...Iterator, States: rewriteStates(machineName, Iterator.States, specs) },
        }),
      };
    }
    default:
      specs.set(name, { type: state.Type });
      return state;
  }
}

function taskSpec(
  machineName: string,
  name: string,
  state: Extract<AslState, { Type: 'Task' }>,
): Extract<StateSpec, { type: 'Task' }> {
  const integration = LAMBDA_INTEGRATIONS[state.Resource];
  if (integration === undefined) {
    throw new Error(
      `State machine "${machineName}", state "${name}": resource ${state.Resource} is not supported locally ` +
        `(use ${Object.keys(LAMBDA_INTEGRATIONS).join(' or ')})`,
    );
  }
  if ('HeartbeatSeconds' in state || 'HeartbeatSecondsPath' in state) {
    throw new Error(`State machine "${machineName}", state "${name}": heartbeats are not supported locally`);
  }
  return {
    type: 'Task',
    integration,
    timeoutSeconds: state.TimeoutSeconds,
    timeoutSecondsPath: state.TimeoutSecondsPath,
  };
}
