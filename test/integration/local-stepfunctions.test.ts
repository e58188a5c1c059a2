import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidExecutionInput,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '#adapters/clock.ts';
import { type LocalStepFunctions, startLocalStepFunctions } from '#local/stepfunctions/index.ts';

const ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function';
const SCREEN_ARN = `${ARN_PREFIX}:screen`;
const AWAIT_ARN = `${ARN_PREFIX}:await`;
const FLAKY_ARN = `${ARN_PREFIX}:flaky`;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `${Name}`, substituted at start like CDK's definitionSubstitutions. */
const placeholder = (name: string): string => `\${${name}}`;

/** A small lifecycle-like machine: a Choice routes each scenario to the behaviour under test. */
const definition = JSON.stringify({
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.scenario', StringEquals: 'screen', Next: 'Screen' },
        { Variable: '$.scenario', StringEquals: 'human', Next: 'AwaitDecision' },
        { Variable: '$.scenario', StringEquals: 'timer', Next: 'AwaitWithTimer' },
        { Variable: '$.scenario', StringEquals: 'retry', Next: 'Flaky' },
        { Variable: '$.scenario', StringEquals: 'missing', Next: 'MissingFunction' },
        { Variable: '$.scenario', StringEquals: 'wait', Next: 'Pause' },
      ],
      Default: 'Done',
    },
    Screen: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: placeholder('ScreenFunctionArn'), Payload: { 'id.$': '$.id' } },
      Next: 'AfterScreen',
    },
    AfterScreen: {
      Type: 'Choice',
      Choices: [{ Variable: '$.Payload.status', StringEquals: 'CLEARED', Next: 'Done' }],
      Default: 'Refused',
    },
    Refused: { Type: 'Fail', Error: 'Refused', Cause: 'screening refused' },
    AwaitDecision: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: placeholder('AwaitFunctionArn'),
        Payload: { 'token.$': '$$.Task.Token', 'id.$': '$.id' },
      },
      ResultPath: '$.decision',
      Catch: [{ ErrorEquals: ['Rejected', 'AwaitFailed'], ResultPath: '$.failure', Next: 'Done' }],
      Next: 'AfterDecision',
    },
    AfterDecision: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.decision.again', IsPresent: true },
            { Variable: '$.decision.again', BooleanEquals: true },
          ],
          Next: 'AwaitDecision',
        },
      ],
      Default: 'Done',
    },
    AwaitWithTimer: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: placeholder('AwaitFunctionArn'),
        Payload: { 'token.$': '$$.Task.Token', 'id.$': '$.id' },
      },
      TimeoutSecondsPath: '$.timerSeconds',
      ResultPath: '$.decision',
      Catch: [
        { ErrorEquals: ['States.TaskFailed'], Next: 'WrongCatcher' },
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'Done' },
      ],
      Next: 'Done',
    },
    WrongCatcher: { Type: 'Fail', Error: 'WrongCatcher' },
    Flaky: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: placeholder('FlakyFunctionArn'), Payload: {} },
      ResultSelector: { 'attempt.$': '$.Payload.attempt' },
      Retry: [{ ErrorEquals: ['ScreeningUnavailable'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }],
      Next: 'Done',
    },
    MissingFunction: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: `${ARN_PREFIX}:not-deployed`, Payload: {} },
      Catch: [{ ErrorEquals: ['Lambda.ResourceNotFoundException'], ResultPath: '$.failure', Next: 'Done' }],
      Next: 'Done',
    },
    Pause: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
});

/** An execution deadline (top-level TimeoutSeconds) longer than Node's timers can hold. */
const deadlineDefinition = JSON.stringify({
  TimeoutSeconds: 40 * 24 * 60 * 60,
  StartAt: 'Hold',
  States: { Hold: { Type: 'Wait', Seconds: 50 * 24 * 60 * 60, End: true } },
});

interface Fixture {
  clock: ScaledClock;
  endpoint: LocalStepFunctions;
  client: SFNClient;
  machineArn: string;
  calls: Record<string, unknown[]>;
  /** Resolves with the payload of the next call to the await function. */
  nextAwaitCall(): Promise<{ token: string; id: string }>;
  failAwait: boolean;
  flakyFailures: number;
  screenStatus: string;
}

let fixture: Fixture;

beforeEach(async () => {
  const clock = new ScaledClock();
  const calls: Record<string, unknown[]> = { screen: [], await: [], flaky: [] };
  const awaitWaiters: Array<(payload: { token: string; id: string }) => void> = [];
  const awaitPayloads: Array<{ token: string; id: string }> = [];
  const partial = { failAwait: false, flakyFailures: 0, screenStatus: 'CLEARED' };
  const endpoint = await startLocalStepFunctions({
    port: 0,
    clock,
    stateMachines: [
      {
        name: 'test-lifecycle',
        definition,
        substitutions: {
          ScreenFunctionArn: SCREEN_ARN,
          AwaitFunctionArn: AWAIT_ARN,
          FlakyFunctionArn: FLAKY_ARN,
        },
      },
      { name: 'test-deadline', definition: deadlineDefinition, substitutions: {} },
    ],
    lambdas: {
      [SCREEN_ARN]: async (payload) => {
        calls.screen?.push(payload);
        return { status: fixture.screenStatus };
      },
      [AWAIT_ARN]: async (payload) => {
        calls.await?.push(payload);
        if (fixture.failAwait)
          throw Object.assign(new Error('could not store the token'), { name: 'AwaitFailed' });
        const typed = payload as { token: string; id: string };
        const waiter = awaitWaiters.shift();
        if (waiter) waiter(typed);
        else awaitPayloads.push(typed);
        return { stored: true };
      },
      [FLAKY_ARN]: async (payload) => {
        calls.flaky?.push(payload);
        if (fixture.flakyFailures > 0) {
          fixture.flakyFailures -= 1;
          throw Object.assign(new Error('screening service down'), { name: 'ScreeningUnavailable' });
        }
        return { attempt: calls.flaky?.length };
      },
    },
  });
  fixture = {
    ...partial,
    clock,
    endpoint,
    client: new SFNClient({
      endpoint: endpoint.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    machineArn: endpoint.stateMachineArn('test-lifecycle'),
    calls,
    nextAwaitCall: () => {
      const ready = awaitPayloads.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => awaitWaiters.push(resolve));
    },
  };
});

afterEach(async () => {
  fixture.client.destroy();
  await fixture.endpoint.stop();
  fixture.clock.clear();
});

async function start(input: Record<string, unknown>, name?: string): Promise<string> {
  const { executionArn } = await fixture.client.send(
    new StartExecutionCommand({ stateMachineArn: fixture.machineArn, name, input: JSON.stringify(input) }),
  );
  if (executionArn === undefined) throw new Error('no execution ARN');
  return executionArn;
}

async function describeExecution(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return fixture.client.send(new DescribeExecutionCommand({ executionArn }));
}

/** Polls (bounded) until the execution reaches `status`. */
async function until(executionArn: string, status: ExecutionStatus): Promise<DescribeExecutionCommandOutput> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const described = await describeExecution(executionArn);
    if (described.status === status) return described;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${executionArn} did not reach ${status}`);
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const { events } = await fixture.client.send(new GetExecutionHistoryCommand({ executionArn }));
  return events ?? [];
}

function outputOf(described: DescribeExecutionCommandOutput): Record<string, unknown> {
  return JSON.parse(described.output ?? 'null');
}

describe('local Step Functions endpoint', () => {
  it('returns the lambda:invoke result shape and routes a Choice on $.Payload.status', async () => {
    const executionArn = await start({ scenario: 'screen', id: 'APP-1' });

    const described = await until(executionArn, 'SUCCEEDED');

    expect(fixture.calls.screen).toEqual([{ id: 'APP-1' }]);
    expect(outputOf(described)).toMatchObject({
      ExecutedVersion: '$LATEST',
      StatusCode: 200,
      Payload: { status: 'CLEARED' },
    });
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate).toBeInstanceOf(Date);
  });

  it('fails the execution through a Fail state when the Choice takes the default', async () => {
    fixture.screenStatus = 'REFUSED';
    const executionArn = await start({ scenario: 'screen', id: 'APP-1' });

    const described = await until(executionArn, 'FAILED');

    expect(described).toMatchObject({ error: 'Refused', cause: 'screening refused' });
  });

  it('resumes a waitForTaskToken task with SendTaskSuccess and answers TaskTimedOut to a duplicate', async () => {
    const executionArn = await start({ scenario: 'human', id: 'APP-2' });
    const { token, id } = await fixture.nextAwaitCall();
    expect(id).toBe('APP-2');
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    await fixture.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await fixture.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    const described = await until(executionArn, 'SUCCEEDED');

    expect(outputOf(described)).toEqual({ scenario: 'human', id: 'APP-2', decision: { approved: true } });
    const types = (await history(executionArn)).map((event) => event.type);
    expect(types.slice(types.indexOf('TaskScheduled'), types.indexOf('TaskStateExited'))).toEqual([
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
    ]);
    await expect(
      fixture.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('issues a new task token each time the task is entered', async () => {
    const executionArn = await start({ scenario: 'human', id: 'APP-10' });
    const first = await fixture.nextAwaitCall();

    await fixture.client.send(
      new SendTaskSuccessCommand({ taskToken: first.token, output: '{"again":true}' }),
    );
    const second = await fixture.nextAwaitCall();
    await fixture.client.send(
      new SendTaskSuccessCommand({ taskToken: second.token, output: '{"again":false}' }),
    );

    await until(executionArn, 'SUCCEEDED');
    expect(second.token).not.toBe(first.token);
    const entered = (await history(executionArn)).map((event) => event.stateEnteredEventDetails?.name);
    expect(entered.filter((name) => name === 'AwaitDecision')).toHaveLength(2);
  });

  it('routes SendTaskFailure into the Catch that matches its error', async () => {
    const executionArn = await start({ scenario: 'human', id: 'APP-3' });
    const { token } = await fixture.nextAwaitCall();

    await fixture.client.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'Rejected', cause: 'no' }),
    );
    const described = await until(executionArn, 'SUCCEEDED');

    expect(outputOf(described)).toMatchObject({ failure: { Error: 'Rejected', Cause: 'no' } });
  });

  it('fails a waitForTaskToken task when the invoked function throws', async () => {
    fixture.failAwait = true;
    const executionArn = await start({ scenario: 'human', id: 'APP-4' });

    const described = await until(executionArn, 'SUCCEEDED');

    expect(outputOf(described)).toMatchObject({ failure: { Error: 'AwaitFailed' } });
    const failure = (outputOf(described).failure ?? {}) as { Cause: string };
    expect(JSON.parse(failure.Cause)).toEqual({
      errorType: 'AwaitFailed',
      errorMessage: 'could not store the token',
    });
  });

  it('answers InvalidToken to a token it never issued', async () => {
    await expect(
      fixture.client.send(new SendTaskSuccessCommand({ taskToken: 'garbage', output: '{}' })),
    ).rejects.toBeInstanceOf(InvalidToken);
  });

  it('fires a 90-day TimeoutSecondsPath only when the clock reaches it, into Catch States.Timeout', async () => {
    const executionArn = await start({ scenario: 'timer', id: 'APP-5', timerSeconds: 90 * 24 * 60 * 60 });
    const { token } = await fixture.nextAwaitCall();

    fixture.clock.advanceBy(89 * DAY_MS);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    fixture.clock.advanceBy(DAY_MS);
    const described = await until(executionArn, 'SUCCEEDED');

    expect(outputOf(described)).toMatchObject({ timeout: { Error: 'States.Timeout' } });
    const events = await history(executionArn);
    expect(
      events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails?.timeoutInSeconds,
    ).toBe(7_776_000);
    expect(events.map((event) => event.type)).toContain('TaskTimedOut');
    await expect(
      fixture.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('retries a task on a custom error name', async () => {
    fixture.flakyFailures = 1;
    const executionArn = await start({ scenario: 'retry' });

    const described = await until(executionArn, 'SUCCEEDED');

    expect(outputOf(described)).toEqual({ attempt: 2 });
    const types = (await history(executionArn)).map((event) => event.type);
    expect(types.filter((type) => type === 'TaskScheduled')).toHaveLength(2);
    expect(types.filter((type) => type === 'TaskFailed')).toHaveLength(1);
  });

  it('fails a task whose function ARN has no local function with Lambda.ResourceNotFoundException', async () => {
    const described = await until(await start({ scenario: 'missing' }), 'SUCCEEDED');

    expect(outputOf(described)).toMatchObject({ failure: { Error: 'Lambda.ResourceNotFoundException' } });
  });

  it('runs Wait states on the shared clock', async () => {
    const executionArn = await start({ scenario: 'wait', waitSeconds: 30 * 24 * 60 * 60 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    fixture.clock.advanceBy(30 * DAY_MS);

    await until(executionArn, 'SUCCEEDED');
  });

  it('times out an execution at its TimeoutSeconds on the shared clock', async () => {
    const { executionArn } = await fixture.client.send(
      new StartExecutionCommand({ stateMachineArn: fixture.endpoint.stateMachineArn('test-deadline') }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await describeExecution(executionArn ?? '')).status).toBe('RUNNING');

    fixture.clock.advanceBy(40 * DAY_MS);
    const described = await until(executionArn ?? '', 'TIMED_OUT');

    expect(described.error).toBe('States.Timeout');
    expect((await history(executionArn ?? '')).at(-1)?.type).toBe('ExecutionTimedOut');
  });

  it('starts idempotently by name and input, and refuses the same name with another input', async () => {
    const first = await fixture.client.send(
      new StartExecutionCommand({
        stateMachineArn: fixture.machineArn,
        name: 'APP-6-1',
        input: '{"scenario":"human","id":"APP-6"}',
      }),
    );
    const again = await fixture.client.send(
      new StartExecutionCommand({
        stateMachineArn: fixture.machineArn,
        name: 'APP-6-1',
        input: '{"scenario":"human","id":"APP-6"}',
      }),
    );
    expect(again).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
    expect(first.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:test-lifecycle:APP-6-1');

    await expect(
      fixture.client.send(
        new StartExecutionCommand({
          stateMachineArn: fixture.machineArn,
          name: 'APP-6-1',
          input: '{"scenario":"x"}',
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    const ended = await start({ scenario: 'done' }, 'APP-6-2');
    await until(ended, 'SUCCEEDED');
    expect(await start({ scenario: 'done' }, 'APP-6-2')).toBe(ended);
  });

  it('answers the API errors the SDK maps to its exception classes', async () => {
    const unknownMachine = fixture.machineArn.replace('test-lifecycle', 'nope');
    await expect(
      fixture.client.send(new StartExecutionCommand({ stateMachineArn: unknownMachine })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(
      fixture.client.send(
        new StartExecutionCommand({ stateMachineArn: fixture.machineArn, input: '{not json' }),
      ),
    ).rejects.toBeInstanceOf(InvalidExecutionInput);
    await expect(
      describeExecution(`${fixture.machineArn.replace(':stateMachine:', ':execution:')}:nope`),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });

  it('lists executions newest first, by status, page by page', async () => {
    const running = await start({ scenario: 'human', id: 'APP-8' }, 'list-1');
    await fixture.nextAwaitCall();
    const finished = await start({ scenario: 'done' }, 'list-2');
    await until(finished, 'SUCCEEDED');
    const newest = await start({ scenario: 'done' }, 'list-3');
    await until(newest, 'SUCCEEDED');

    const firstPage = await fixture.client.send(
      new ListExecutionsCommand({ stateMachineArn: fixture.machineArn, maxResults: 2 }),
    );
    const secondPage = await fixture.client.send(
      new ListExecutionsCommand({
        stateMachineArn: fixture.machineArn,
        maxResults: 2,
        nextToken: firstPage.nextToken,
      }),
    );
    const succeeded = await fixture.client.send(
      new ListExecutionsCommand({ stateMachineArn: fixture.machineArn, statusFilter: 'SUCCEEDED' }),
    );

    expect(firstPage.executions?.map((execution) => execution.name)).toEqual(['list-3', 'list-2']);
    expect(secondPage.executions?.map((execution) => execution.executionArn)).toEqual([running]);
    expect(secondPage.nextToken).toBeUndefined();
    expect(succeeded.executions?.map((execution) => execution.name)).toEqual(['list-3', 'list-2']);
    expect(firstPage.executions?.[0]).toMatchObject({
      status: 'SUCCEEDED',
      stateMachineArn: fixture.machineArn,
    });
    expect(firstPage.executions?.[0]?.stopDate).toBeInstanceOf(Date);
  });

  it('records the history with state names, in order, in both directions and page by page', async () => {
    const executionArn = await start({ scenario: 'screen', id: 'APP-7' });
    await until(executionArn, 'SUCCEEDED');

    const events = await history(executionArn);

    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.stateEnteredEventDetails?.name).filter(Boolean)).toEqual([
      'Route',
      'Screen',
      'AfterScreen',
      'Done',
    ]);
    expect(events[3]?.stateEnteredEventDetails?.input).toBe('{"scenario":"screen","id":"APP-7"}');
    expect(events[4]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
    });
    expect(JSON.parse(events[4]?.taskScheduledEventDetails?.parameters ?? '')).toEqual({
      FunctionName: SCREEN_ARN,
      Payload: { id: 'APP-7' },
    });
    expect(events[0]?.timestamp).toBeInstanceOf(Date);

    const reversed = await fixture.client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 10 }),
    );
    const rest = await fixture.client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 10,
        nextToken: reversed.nextToken,
      }),
    );
    expect([...(reversed.events ?? []), ...(rest.events ?? [])].map((event) => event.id)).toEqual(
      events.map((event) => event.id).reverse(),
    );
    expect(rest.nextToken).toBeUndefined();
  });

  it('aborts an execution with StopExecution and closes its task token', async () => {
    const executionArn = await start({ scenario: 'human', id: 'APP-9' });
    const { token } = await fixture.nextAwaitCall();

    await fixture.client.send(
      new StopExecutionCommand({ executionArn, error: 'Withdrawn', cause: 'by applicant' }),
    );
    const described = await describeExecution(executionArn);

    expect(described).toMatchObject({ status: 'ABORTED', error: 'Withdrawn', cause: 'by applicant' });
    expect((await history(executionArn)).at(-1)?.type).toBe('ExecutionAborted');
    await expect(
      fixture.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('describes and lists its state machines', async () => {
    const described = await fixture.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: fixture.machineArn }),
    );
    const listed = await fixture.client.send(new ListStateMachinesCommand({}));

    expect(described).toMatchObject({ name: 'test-lifecycle', status: 'ACTIVE', type: 'STANDARD' });
    expect(described.definition).toContain(SCREEN_ARN);
    expect(listed.stateMachines?.map((machine) => machine.name)).toEqual(['test-lifecycle', 'test-deadline']);
  });
});
