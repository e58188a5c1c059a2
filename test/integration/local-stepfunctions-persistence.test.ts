import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '#adapters/clock.ts';
import { type LocalStepFunctions, startLocalStepFunctions } from '#local/stepfunctions/index.ts';

/** Execution records and histories kept under a data directory across restarts of the endpoint. */
const definition = JSON.stringify({
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.hold', BooleanEquals: true, Next: 'Hold' }],
      Default: 'Done',
    },
    Hold: { Type: 'Wait', Seconds: 24 * 60 * 60, Next: 'Done' },
    Done: { Type: 'Pass', Result: { done: true }, End: true },
  },
});

let dataDir: string;
let clock: ScaledClock;
const running: LocalStepFunctions[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-sfn-records-'));
  clock = new ScaledClock();
});

afterEach(async () => {
  for (const endpoint of running.splice(0)) await endpoint.stop();
  clock.clear();
  await rm(dataDir, { recursive: true, force: true });
});

async function startEndpoint(): Promise<{ endpoint: LocalStepFunctions; client: SFNClient; arn: string }> {
  const endpoint = await startLocalStepFunctions({
    port: 0,
    clock,
    stateMachines: [{ name: 'kept', definition, substitutions: {} }],
    lambdas: {},
    dataDir,
  });
  running.push(endpoint);
  const client = new SFNClient({
    endpoint: endpoint.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { endpoint, client, arn: endpoint.stateMachineArn('kept') };
}

async function stop(endpoint: LocalStepFunctions): Promise<void> {
  running.splice(running.indexOf(endpoint), 1);
  await endpoint.stop();
}

async function until(client: SFNClient, executionArn: string, status: ExecutionStatus): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const { status: current } = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (current === status) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${executionArn} did not reach ${status}`);
}

const historyOf = async (client: SFNClient, executionArn: string) =>
  (await client.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];

describe('local Step Functions endpoint with a data directory', () => {
  it('answers for finished executions after a restart with the same record and history', async () => {
    const first = await startEndpoint();
    const { executionArn } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: first.arn, name: 'app_A-1', input: '{"hold":false}' }),
    );
    if (!executionArn) throw new Error('no execution ARN');
    await until(first.client, executionArn, 'SUCCEEDED');
    const described = await first.client.send(new DescribeExecutionCommand({ executionArn }));
    const history = await historyOf(first.client, executionArn);
    await stop(first.endpoint);

    const second = await startEndpoint();

    expect(await second.client.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      name: 'app_A-1',
      status: 'SUCCEEDED',
      input: '{"hold":false}',
      output: '{"done":true}',
      startDate: described.startDate,
      stopDate: described.stopDate,
    });
    expect(await historyOf(second.client, executionArn)).toEqual(history);
  });

  it('records an execution still running at shutdown as ABORTED, and keeps the creation order', async () => {
    const first = await startEndpoint();
    const start = (name: string, hold: boolean) =>
      first.client.send(
        new StartExecutionCommand({ stateMachineArn: first.arn, name, input: JSON.stringify({ hold }) }),
      );
    await start('app_B-1', false);
    const { executionArn: heldArn = '' } = await start('app_C-1', true);
    await until(first.client, heldArn, 'RUNNING');
    await stop(first.endpoint);

    const second = await startEndpoint();
    await second.client.send(
      new StartExecutionCommand({ stateMachineArn: second.arn, name: 'app_D-1', input: '{"hold":true}' }),
    );

    const held = await second.client.send(new DescribeExecutionCommand({ executionArn: heldArn }));
    expect(held).toMatchObject({
      status: 'ABORTED',
      cause: 'The local Step Functions endpoint stopped while the execution was running.',
    });
    expect(held.stopDate).toBeInstanceOf(Date);
    expect((await historyOf(second.client, heldArn)).map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'WaitStateEntered',
      'ExecutionAborted',
    ]);
    const { executions } = await second.client.send(
      new ListExecutionsCommand({ stateMachineArn: second.arn }),
    );
    expect(executions?.map((execution) => [execution.name, execution.status])).toEqual([
      ['app_D-1', 'RUNNING'],
      ['app_C-1', 'ABORTED'],
      ['app_B-1', 'SUCCEEDED'],
    ]);
  });

  it('records an execution that was running when the endpoint died as ABORTED on the next start', async () => {
    const crashed = await startEndpoint();
    const { executionArn = '' } = await crashed.client.send(
      new StartExecutionCommand({ stateMachineArn: crashed.arn, name: 'app_E-1', input: '{"hold":true}' }),
    );
    await until(crashed.client, executionArn, 'RUNNING');
    // The first endpoint never stops cleanly before the next one reads the directory.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const next = await startEndpoint();

    expect(await next.client.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'ABORTED',
      cause: 'The local Step Functions endpoint stopped while the execution was running.',
    });
  });
});
