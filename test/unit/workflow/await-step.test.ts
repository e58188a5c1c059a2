import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { applicationIn } from '../../support/applications.ts';
import { type Item, itemOf, STATE_MACHINE_ARN, TOKEN } from './support.ts';

const dynamodb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let awaitStep: typeof import('#handlers/await-step.ts');

/** Everything the handler logs (at debug level), to check that no token ever appears in it. */
let written: string[] = [];

beforeAll(async () => {
  process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  awaitStep = await import('#handlers/await-step.ts');
});
beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  written = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  expect(written.join('')).not.toContain(TOKEN);
});

const conditionFailed = (item?: Item) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item && { Item: marshall(item, { removeUndefinedValues: true }) }),
  });
const payload = (applicationId: string, overrides: Record<string, unknown> = {}) => ({
  applicationId,
  generation: 1,
  state: 'EndUserDocs',
  expectedStatus: 'END_USER_DOCS',
  token: TOKEN,
  ...overrides,
});
const sentOutputs = () =>
  sfn.commandCalls(SendTaskSuccessCommand).map((call) => ({
    token: call.args[0].input.taskToken,
    output: JSON.parse(call.args[0].input.output ?? 'null'),
  }));

describe('await-step', () => {
  it('stores the token only while the status and generation still match, without a version bump', async () => {
    const { application } = applicationIn('END_USER_DOCS');
    dynamodb.on(UpdateCommand).resolves({});
    await awaitStep.handler(payload(application.applicationId));

    const [update] = dynamodb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(update).toMatchObject({
      Key: { applicationId: application.applicationId },
      UpdateExpression: 'SET #pendingTask = :task',
      ConditionExpression: '#status = :status AND #generation = :generation',
      ExpressionAttributeValues: {
        ':task': { token: TOKEN, state: 'EndUserDocs', generation: 1 },
        ':status': 'END_USER_DOCS',
        ':generation': 1,
      },
    });
    expect(JSON.stringify(update)).not.toMatch(/version/);
    expect(sentOutputs()).toEqual([]);
  });

  it('wakes the step itself when the status moved on before the token arrived', async () => {
    const { application } = applicationIn('SUBMITTED');
    dynamodb.on(UpdateCommand).rejects(conditionFailed(itemOf(application)));
    await awaitStep.handler(payload(application.applicationId));

    expect(sentOutputs()).toEqual([
      {
        token: TOKEN,
        output: { applicationId: application.applicationId, generation: 1, status: 'SUBMITTED' },
      },
    ]);
  });

  it('logs that it woke the step itself, without the token', async () => {
    const { application } = applicationIn('SUBMITTED');
    dynamodb.on(UpdateCommand).rejects(conditionFailed(itemOf(application)));
    await awaitStep.handler(payload(application.applicationId));
    expect(written.join('')).toMatch(/status moved on/);
  });

  it('reads the item when the failed condition returned none', async () => {
    const { application } = applicationIn('WITHDRAWN', { withdrawnFrom: 'END_USER_DOCS' });
    dynamodb.on(UpdateCommand).rejects(conditionFailed());
    dynamodb.on(GetCommand).resolves({ Item: itemOf(application) });
    await awaitStep.handler(payload(application.applicationId));

    expect(sentOutputs().map(({ output }) => output.status)).toEqual(['WITHDRAWN']);
  });

  it('accepts that the step already timed out when it wakes it late', async () => {
    const { application } = applicationIn('SUBMITTED');
    dynamodb.on(UpdateCommand).rejects(conditionFailed(itemOf(application)));
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await expect(awaitStep.handler(payload(application.applicationId))).resolves.toBeUndefined();
  });

  it('ends an execution of a superseded generation instead of waiting on the item', async () => {
    const { application } = applicationIn('END_USER_DOCS');
    dynamodb.on(UpdateCommand).rejects(conditionFailed(itemOf(application, { generation: 2 })));
    await expect(awaitStep.handler(payload(application.applicationId))).rejects.toMatchObject({
      name: 'StaleGeneration',
    });
    expect(sentOutputs()).toEqual([]);
  });

  it('lets a superseded generation finish when the application is final', async () => {
    const { application } = applicationIn('APPROVED');
    dynamodb.on(UpdateCommand).rejects(conditionFailed(itemOf(application, { generation: 3 })));
    await awaitStep.handler(payload(application.applicationId, { generation: 2 }));
    expect(sentOutputs()).toEqual([
      {
        token: TOKEN,
        output: { applicationId: application.applicationId, generation: 2, status: 'APPROVED' },
      },
    ]);
  });

  it('throws, never swallows, any other error, so the task fails instead of waiting forever', async () => {
    const { application } = applicationIn('END_USER_DOCS');
    dynamodb
      .on(UpdateCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(awaitStep.handler(payload(application.applicationId))).rejects.toThrow('slow down');

    dynamodb.on(UpdateCommand).rejects(conditionFailed());
    dynamodb.on(GetCommand).resolves({});
    await expect(awaitStep.handler(payload(application.applicationId))).rejects.toThrow(/does not exist/);
  });

  it('refuses a payload that is not the state machine contract', async () => {
    await expect(awaitStep.handler({ applicationId: 'app_1', token: TOKEN })).rejects.toThrow();
    expect(dynamodb.calls()).toHaveLength(0);
  });
});
