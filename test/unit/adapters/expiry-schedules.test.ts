import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScaledClock } from '#adapters/clock.ts';
import {
  atExpression,
  EventBridgeExpirySchedules,
  expirySchedulesFromEnv,
} from '#adapters/expiry-schedules.ts';
import { LocalExpirySchedules, localExpirySchedules } from '#adapters/local-expiry-schedules.ts';

const HOUR_MS = 3_600_000;
const NOW = new Date('2026-06-01T12:00:00.000Z');
const TARGET = {
  groupName: 'licence-expiry',
  functionArn: 'arn:aws:lambda:eu-west-2:111111111111:function:expiry',
  roleArn: 'arn:aws:iam::111111111111:role/scheduler',
  deadLetterArn: 'arn:aws:sqs:eu-west-2:111111111111:expiry-dlq',
};

describe('atExpression', () => {
  it('is the UTC second at or after the time, never earlier', () => {
    expect(atExpression(new Date('2027-06-01T12:00:00.000Z'), NOW)).toBe('at(2027-06-01T12:00:00)');
    expect(atExpression(new Date('2027-06-01T12:00:00.001Z'), NOW)).toBe('at(2027-06-01T12:00:01)');
  });

  it('is a minute ahead for a time already past (EventBridge Scheduler refuses the past)', () => {
    expect(atExpression(new Date('2026-05-01T00:00:00.000Z'), NOW)).toBe('at(2026-06-01T12:01:00)');
  });
});

describe('EventBridge Scheduler adapter', () => {
  const scheduler = mockClient(SchedulerClient);
  const schedules = new EventBridgeExpirySchedules(TARGET, () => NOW, new SchedulerClient({}));
  beforeEach(() => scheduler.reset());
  const error = <E>(Type: new (options: never) => E) => new Type({ message: 'x', $metadata: {} } as never);

  it('creates a one-time schedule named after the licence, deleted after it ran, with the DLQ', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await schedules.schedule('EXL-2026-000001', new Date('2027-06-01T12:00:00.000Z'));
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input).toEqual({
      Name: 'EXL-2026-000001',
      GroupName: 'licence-expiry',
      ScheduleExpression: 'at(2027-06-01T12:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Description: 'Expires licence EXL-2026-000001 at its validTo',
      Target: {
        Arn: TARGET.functionArn,
        RoleArn: TARGET.roleArn,
        Input: '{"licenceNumber":"EXL-2026-000001"}',
        DeadLetterConfig: { Arn: TARGET.deadLetterArn },
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86_400 },
      },
    });
  });

  it('replaces a schedule that exists (a redelivered record, a changed validity)', async () => {
    scheduler.on(CreateScheduleCommand).rejects(error(ConflictException));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await schedules.schedule('EXL-2026-000001', new Date('2027-06-01T12:00:00.000Z'));
    expect(scheduler.commandCalls(UpdateScheduleCommand)[0]?.args[0].input).toMatchObject({
      Name: 'EXL-2026-000001',
      ScheduleExpression: 'at(2027-06-01T12:00:00)',
    });
  });

  it('deletes a schedule; one already gone is no error; other errors are', async () => {
    scheduler.on(DeleteScheduleCommand).resolvesOnce({}).rejectsOnce(error(ResourceNotFoundException));
    await schedules.cancel('EXL-2026-000001');
    await schedules.cancel('EXL-2026-000001');
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0]?.args[0].input).toEqual({
      Name: 'EXL-2026-000001',
      GroupName: 'licence-expiry',
    });
    scheduler.on(DeleteScheduleCommand).rejects(new Error('throttled'));
    await expect(schedules.cancel('EXL-2026-000001')).rejects.toThrow('throttled');
  });

  it('refuses a licence number that cannot name a schedule', async () => {
    await expect(schedules.schedule('EXL 2026/1', NOW)).rejects.toThrow('no schedule name');
  });

  it('is chosen by EXPIRY_SCHEDULE_GROUP; on Lambda without it, nothing is', () => {
    const env = {
      EXPIRY_SCHEDULE_GROUP: TARGET.groupName,
      EXPIRY_FUNCTION_ARN: TARGET.functionArn,
      EXPIRY_SCHEDULER_ROLE_ARN: TARGET.roleArn,
      EXPIRY_DEAD_LETTER_ARN: TARGET.deadLetterArn,
    };
    expect(expirySchedulesFromEnv(() => NOW, env)).toBeInstanceOf(EventBridgeExpirySchedules);
    expect(() => expirySchedulesFromEnv(() => NOW, { ...env, EXPIRY_FUNCTION_ARN: '' })).toThrow(
      'EXPIRY_FUNCTION_ARN',
    );
    expect(expirySchedulesFromEnv(() => NOW, {})).toBe(localExpirySchedules);
    expect(() => expirySchedulesFromEnv(() => NOW, { AWS_LAMBDA_FUNCTION_NAME: 'f' })).toThrow(
      'EXPIRY_SCHEDULE_GROUP',
    );
  });
});

describe('local scheduler on the shared clock', () => {
  let dir: string;
  let clock: ScaledClock;
  let scheduler: LocalExpirySchedules;
  const fired: string[] = [];
  const fire = async (licenceNumber: string) => {
    fired.push(licenceNumber);
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'expiry-schedules-'));
    clock = new ScaledClock();
    scheduler = new LocalExpirySchedules(clock);
    fired.length = 0;
  });
  afterEach(async () => {
    await scheduler.stop();
    clock.clear();
    await rm(dir, { recursive: true, force: true });
  });
  const inHours = (hours: number) => new Date(clock.now().getTime() + hours * HOUR_MS);

  it('fires when the clock reaches the time, once, and then forgets the schedule', async () => {
    await scheduler.start({ fire });
    await scheduler.schedule('L-1', inHours(2));
    await scheduler.schedule('L-2', inHours(4));
    clock.advanceBy(3 * HOUR_MS);
    await vi.waitFor(() => expect(fired).toEqual(['L-1']));
    expect(scheduler.pending().map((entry) => entry.licenceNumber)).toEqual(['L-2']);
    clock.advanceBy(2 * HOUR_MS);
    await vi.waitFor(() => expect(fired).toEqual(['L-1', 'L-2']));
    expect(scheduler.pending()).toEqual([]);
  });

  it('a replaced schedule fires at its new time only; a cancelled one never', async () => {
    await scheduler.start({ fire });
    const later = inHours(5);
    await scheduler.schedule('L-1', inHours(1));
    await scheduler.schedule('L-1', later);
    await scheduler.schedule('L-2', inHours(1));
    await scheduler.cancel('L-2');
    await scheduler.cancel('L-3');
    clock.advanceBy(2 * HOUR_MS);
    expect(scheduler.pending()).toEqual([{ licenceNumber: 'L-1', at: later.toISOString() }]);
    clock.advanceBy(4 * HOUR_MS);
    await vi.waitFor(() => expect(fired).toEqual(['L-1']));
  });

  it('retries a failing target, then gives up (the reconciler is the safety net)', async () => {
    let attempts = 0;
    await scheduler.start({
      fire: async () => {
        attempts += 1;
        throw new Error('expiry failed');
      },
    });
    await scheduler.schedule('L-1', inHours(1));
    clock.advanceBy(2 * HOUR_MS);
    await vi.waitFor(() => expect(attempts).toBe(3));
    expect(scheduler.pending()).toEqual([]);
  });

  it('keeps schedules in its file across a restart; one due while stopped fires at start', async () => {
    const file = join(dir, 'expiry-schedules.json');
    const [soon, late] = [inHours(1), inHours(10)];
    await scheduler.start({ fire, file });
    await scheduler.schedule('L-1', soon);
    await scheduler.schedule('L-2', late);
    await scheduler.stop();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      'L-1': soon.toISOString(),
      'L-2': late.toISOString(),
    });

    clock.advanceBy(2 * HOUR_MS);
    expect(fired).toEqual([]);
    await scheduler.start({ fire, file });
    await vi.waitFor(() => expect(fired).toEqual(['L-1']));
    await vi.waitFor(async () =>
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ 'L-2': late.toISOString() }),
    );
  });

  it('holds schedules made before it starts until then', async () => {
    await scheduler.schedule('L-1', inHours(-1));
    expect(fired).toEqual([]);
    await scheduler.start({ fire });
    await vi.waitFor(() => expect(fired).toEqual(['L-1']));
  });
});
