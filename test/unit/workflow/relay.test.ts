import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskSuccessCommand,
  SFNClient,
  type SFNServiceException,
  StartExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localEventLog } from '#adapters/events.ts';
import { DEFAULT_CONFIG } from '#domain/config.ts';
import { applicationIn, draftApplication } from '../../support/applications.ts';
import { itemOf, STATE_MACHINE_ARN, streamRecord, TOKEN } from './support.ts';

const sfn = mockClient(SFNClient);
const context = { awsRequestId: 'relay-request' } as Context;
let relay: typeof import('#handlers/relay.ts');

beforeAll(async () => {
  process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
  relay = await import('#handlers/relay.ts');
});
beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
  sfn.on(SendTaskSuccessCommand).resolves({});
});

const sfnError = <E extends SFNServiceException>(Type: new (options: never) => E, name: string): E =>
  new Type({ message: name, $metadata: {} } as never);
const noItems = {
  advanceGeneration: async () => {
    throw new Error('no generation is advanced for a step to wake');
  },
};
const run = (...records: DynamoDBStreamEvent['Records']) => relay.handler({ Records: records }, context);
const startInputs = () => sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
const successes = () => sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input);

describe('relay', () => {
  it('starts <applicationId>-1 for a new application with the same input on every delivery', async () => {
    const draft = draftApplication().application;
    const record = streamRecord('INSERT', { newItem: itemOf(draft) });
    expect(await run(record)).toEqual({ batchItemFailures: [] });
    expect(await run(record)).toEqual({ batchItemFailures: [] });

    const [first, second] = startInputs();
    expect(first).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: `${draft.applicationId}-1`,
      input: JSON.stringify({
        applicationId: draft.applicationId,
        generation: 1,
        status: 'DRAFT',
        timerSeconds: DEFAULT_CONFIG.abandonAfterDays * 86_400,
      }),
    });
    expect(second).toEqual(first);
  });

  it('treats an execution that already exists as started (a duplicate record)', async () => {
    sfn.on(StartExecutionCommand).rejects(sfnError(ExecutionAlreadyExists, 'ExecutionAlreadyExists'));
    const record = streamRecord('INSERT', { newItem: itemOf(draftApplication().application) });
    expect(await run(record)).toEqual({ batchItemFailures: [] });
  });

  it('wakes the waiting step with the new status when a status change consumed its token', async () => {
    const review = applicationIn('UNDER_REVIEW').application;
    const requested = {
      ...applicationIn('INFORMATION_REQUESTED').application,
      applicationId: review.applicationId,
    };
    const pendingTask = { token: TOKEN, state: 'UnderReview', generation: 2 };
    const now = new Date(Date.parse(requested.updatedAt) + 1_000);
    const sent: Array<[string, unknown]> = [];
    const workflow = {
      start: async () => true,
      sendTaskSuccess: async (token: string, data: unknown) => sent.push([token, data]) > 0,
    };
    const record = streamRecord('MODIFY', {
      oldItem: itemOf(review, { generation: 2, pendingTask }),
      newItem: itemOf(requested, { generation: 2 }),
    });
    await relay.relayRecord({ workflow, items: noItems, now: () => now, config: DEFAULT_CONFIG }, record);

    const dueAt = Date.parse(requested.informationRequests[0]?.dueAt ?? '');
    expect(sent).toEqual([
      [
        TOKEN,
        {
          applicationId: review.applicationId,
          generation: 2,
          status: 'INFORMATION_REQUESTED',
          timerSeconds: Math.ceil((dueAt - now.getTime()) / 1000),
        },
      ],
    ]);
  });

  it('wakes nothing when the status stayed (a stored token, a claim) or no token was stored', async () => {
    const review = applicationIn('UNDER_REVIEW').application;
    const withToken = itemOf(review, { pendingTask: { token: TOKEN, state: 'UnderReview', generation: 1 } });
    const claimed = { ...withToken, assignedTo: 'rita', version: review.version + 1 };
    const approved = itemOf({
      ...applicationIn('APPROVED').application,
      applicationId: review.applicationId,
    });
    const result = await run(
      streamRecord('MODIFY', { oldItem: itemOf(review), newItem: withToken }),
      streamRecord('MODIFY', { oldItem: withToken, newItem: claimed }),
      streamRecord('MODIFY', { oldItem: itemOf(review), newItem: approved }),
      streamRecord('REMOVE', { oldItem: withToken }),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(successes()).toEqual([]);
    expect(startInputs()).toEqual([]);
  });

  describe('a status leaving a final status (an appeal of a denial)', () => {
    const appealRecord = () => {
      const denied = applicationIn('DENIED', { heldBy: null }).application;
      const appealed = {
        ...applicationIn('APPEALED', { heldBy: null }).application,
        applicationId: denied.applicationId,
      };
      // The token of the last step woken before the denial is spent, but still on the item.
      const spent = { token: TOKEN, state: 'Screening', generation: 1 };
      return {
        applicationId: denied.applicationId,
        record: streamRecord('MODIFY', {
          oldItem: itemOf(denied, { generation: 1, pendingTask: spent }),
          newItem: itemOf(appealed, { generation: 1, pendingTask: spent }),
        }),
      };
    };
    const relayWith = async (advanced: boolean) => {
      const { applicationId, record } = appealRecord();
      const calls: { advanced: Array<[string, number]>; started: unknown[]; woken: unknown[] } = {
        advanced: [],
        started: [],
        woken: [],
      };
      const workflow = {
        start: async (data: unknown) => calls.started.push(data) > 0,
        sendTaskSuccess: async (token: string) => calls.woken.push(token) > 0,
      };
      const items = {
        advanceGeneration: async (id: string, from: number) =>
          calls.advanced.push([id, from]) > 0 && advanced,
      };
      await relay.relayRecord({ workflow, items, now: () => new Date(), config: DEFAULT_CONFIG }, record);
      return { applicationId, calls };
    };

    it('advances the generation and starts the next execution from the new status, waking nothing', async () => {
      const { applicationId, calls } = await relayWith(true);

      expect(calls.advanced).toEqual([[applicationId, 1]]);
      expect(calls.started).toEqual([{ applicationId, generation: 2, status: 'APPEALED' }]);
      expect(calls.woken).toEqual([]);
    });

    it('starts nothing when someone else advanced the generation first (a repeated record, the reconciler)', async () => {
      const { calls } = await relayWith(false);

      expect(calls.advanced).toHaveLength(1);
      expect(calls.started).toEqual([]);
      expect(calls.woken).toEqual([]);
    });
  });

  it.each([
    ['TaskTimedOut', () => sfnError(TaskTimedOut, 'TaskTimedOut')],
    ['InvalidToken', () => sfnError(InvalidToken, 'InvalidToken')],
  ])('ignores %s: the step is over or the token is unknown', async (_name, error) => {
    sfn.on(SendTaskSuccessCommand).rejects(error());
    expect(await run(statusChange())).toEqual({ batchItemFailures: [] });
    expect(successes()).toHaveLength(1);
  });

  it('publishes the event of each committed version once, after the workflow; none for a task-token write', async () => {
    const events = localEventLog();
    const draft = draftApplication().application;
    const created = itemOf(draft, {}, 'create');
    const insert = streamRecord('INSERT', { newItem: created });
    const token = { token: TOKEN, state: 'Draft', generation: 1 };
    const tokenStored = streamRecord('MODIFY', {
      oldItem: created,
      newItem: itemOf(draft, { pendingTask: token }, 'create'),
    });
    const completed = {
      ...draft,
      status: 'END_USER_DOCS' as const,
      version: 2,
      updatedAt: '2025-06-02T08:05:00.000Z',
    };
    const completion = streamRecord('MODIFY', {
      oldItem: itemOf(draft, { pendingTask: token }, 'create'),
      newItem: itemOf(completed, {}, 'complete-details'),
    });
    expect(await run(insert, tokenStored, completion, insert)).toEqual({ batchItemFailures: [] });

    const mine = (await events.list({ limit: 100 })).items.filter(
      (event) => event.aggregate === 'application' && event.applicationId === draft.applicationId,
    );
    expect(mine.map((event) => [event.id, event.type, event.fromStatus, event.toStatus])).toEqual([
      [`${draft.applicationId}:1`, 'create', null, 'DRAFT'],
      [`${draft.applicationId}:2`, 'complete-details', 'DRAFT', 'END_USER_DOCS'],
    ]);
    expect(successes().map((input) => input.taskToken)).toEqual([TOKEN]);
  });

  it('fails a record whose event cannot be published (the workflow part is repeated harmlessly)', async () => {
    const draft = draftApplication().application;
    const broken = streamRecord('INSERT', { newItem: { ...itemOf(draft), lastAction: 'not-an-action' } });
    expect(await run(broken)).toEqual({
      batchItemFailures: [{ itemIdentifier: broken.dynamodb?.SequenceNumber }],
    });
    expect(startInputs()).toHaveLength(1);
  });

  it('fails only the record whose relay failed, so the stream retries it', async () => {
    const failing = statusChange('failing-token');
    sfn.on(SendTaskSuccessCommand, { taskToken: 'failing-token' }).rejects(new Error('throttled'));
    const fine = statusChange();
    const result = await run(
      fine,
      failing,
      streamRecord('INSERT', { newItem: itemOf(draftApplication().application) }),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: failing.dynamodb?.SequenceNumber }] });
    expect(successes().map((input) => input.taskToken)).toEqual([TOKEN, 'failing-token']);
    expect(startInputs()).toHaveLength(1);
  });
});

/** UNDER_REVIEW with a stored token → APPROVED. */
function statusChange(token = TOKEN) {
  const review = applicationIn('UNDER_REVIEW').application;
  const approved = { ...applicationIn('APPROVED').application, applicationId: review.applicationId };
  return streamRecord('MODIFY', {
    oldItem: itemOf(review, { pendingTask: { token, state: 'UnderReview', generation: 1 } }),
    newItem: itemOf(approved),
  });
}
