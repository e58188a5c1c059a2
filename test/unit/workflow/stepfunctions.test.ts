import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { StepFunctionsWorkflow, tokenOfOpenTask } from '#adapters/stepfunctions.ts';
import { STATE_MACHINE_ARN, TOKEN } from './support.ts';

const sfn = mockClient(SFNClient);
const workflow = new StepFunctionsWorkflow(STATE_MACHINE_ARN, new SFNClient({}));
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:licence-lifecycle:app_1-2';
const at = (second: number) => new Date(Date.UTC(2025, 5, 2, 8, 0, second));

const scheduled = (id: number, second: number, token: string): HistoryEvent => ({
  id,
  timestamp: at(second),
  type: 'TaskScheduled',
  taskScheduledEventDetails: {
    resourceType: 'lambda',
    resource: 'invoke.waitForTaskToken',
    region: 'us-east-1',
    parameters: JSON.stringify({ FunctionName: 'await', Payload: { applicationId: 'app_1', token } }),
  },
});

/** A history as Step Functions records a human step: entered, scheduled with the token, waiting. */
const waitingHistory = (): HistoryEvent[] => [
  { id: 1, timestamp: at(0), type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}' } },
  {
    id: 2,
    timestamp: at(1),
    type: 'ChoiceStateEntered',
    stateEnteredEventDetails: { name: 'RouteByStatus' },
  },
  { id: 3, timestamp: at(1), type: 'ChoiceStateExited', stateExitedEventDetails: { name: 'RouteByStatus' } },
  { id: 4, timestamp: at(2), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'UnderReview' } },
  scheduled(5, 2, TOKEN),
  { id: 6, timestamp: at(2), type: 'TaskStarted' },
  { id: 7, timestamp: at(3), type: 'TaskSubmitted' },
];

beforeEach(() => sfn.reset());

describe('Step Functions adapter', () => {
  it('starts <applicationId>-<generation>, and answers false when the name is taken', async () => {
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: EXECUTION_ARN, startDate: at(0) });
    const data = { applicationId: 'app_1', generation: 2, status: 'UNDER_REVIEW' as const };
    expect(await workflow.start(data)).toBe(true);
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    expect(await workflow.start(data)).toBe(false);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'app_1-2',
      input: JSON.stringify(data),
    });
  });

  it('describes the execution with the state it waits in, and null when there is none', async () => {
    sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN }).resolves({
      executionArn: EXECUTION_ARN,
      name: 'app_1-2',
      status: 'RUNNING',
      startDate: at(0),
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: waitingHistory().reverse() });
    expect(await workflow.describe('app_1', 2)).toEqual({
      executionArn: EXECUTION_ARN,
      name: 'app_1-2',
      generation: 2,
      status: 'RUNNING',
      currentState: 'UnderReview',
      startDate: at(0).toISOString(),
      stopDate: null,
    });
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'none', $metadata: {} }));
    expect(await workflow.describe('app_9', 1)).toBeNull();
  });

  it('lists the history by state, without inputs, parameters or tokens', async () => {
    sfn.on(GetExecutionHistoryCommand).resolves({ events: waitingHistory() });
    const events = await workflow.history('app_1', 2);
    expect(events?.map((event) => [event.id, event.type, event.state])).toEqual([
      [1, 'ExecutionStarted', null],
      [2, 'ChoiceStateEntered', 'RouteByStatus'],
      [3, 'ChoiceStateExited', 'RouteByStatus'],
      [4, 'TaskStateEntered', 'UnderReview'],
      [5, 'TaskScheduled', 'UnderReview'],
      [6, 'TaskStarted', 'UnderReview'],
      [7, 'TaskSubmitted', 'UnderReview'],
    ]);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0]?.args[0].input.includeExecutionData).toBe(false);
  });

  it('knows no execution without a state machine', async () => {
    const none = new StepFunctionsWorkflow(undefined, new SFNClient({}));
    expect(await none.describe('app_1', 1)).toBeNull();
    expect(await none.history('app_1', 1)).toBeNull();
    await expect(none.start({ applicationId: 'app_1', generation: 1, status: 'DRAFT' })).rejects.toThrow(
      /STATE_MACHINE_ARN/,
    );
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('tokenOfOpenTask', () => {
  it('finds the token of the attempt the execution waits on', () => {
    expect(tokenOfOpenTask(waitingHistory().reverse(), 'UnderReview')).toBe(TOKEN);
  });

  it('finds nothing when the execution waits in another state or the attempt ended', () => {
    expect(tokenOfOpenTask(waitingHistory().reverse(), 'PendingSignOff')).toBeNull();
    const ended: HistoryEvent[] = [...waitingHistory(), { id: 8, timestamp: at(4), type: 'TaskTimedOut' }];
    expect(tokenOfOpenTask(ended.reverse(), 'UnderReview')).toBeNull();
  });

  it('takes the latest attempt after a retry', () => {
    const retried: HistoryEvent[] = [
      ...waitingHistory().slice(0, 5),
      { id: 6, timestamp: at(3), type: 'TaskFailed' },
      scheduled(7, 4, 'second-attempt'),
    ];
    expect(tokenOfOpenTask(retried.reverse(), 'UnderReview')).toBe('second-attempt');
  });
});
