import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { ExpirySchedules } from '../domain/ports.ts';
import { localExpirySchedules } from './local-expiry-schedules.ts';

/** Where the one-time expiry schedules live and what they invoke (set by CDK on AWS). */
export interface ExpiryScheduleTarget {
  groupName: string;
  /** The expiry Lambda. */
  functionArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  roleArn: string;
  /** Where an invocation that failed all its retries goes (alarmed). */
  deadLetterArn: string;
}

/** EventBridge Scheduler evaluates `at()` to the minute or later, never earlier; a time in the past is refused. */
const MIN_LEAD_MS = 60_000;
const SCHEDULE_NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the second so it never fires before `at`. */
export function atExpression(at: Date, now: Date): string {
  const due = Math.max(Math.ceil(at.getTime() / 1000) * 1000, now.getTime() + MIN_LEAD_MS);
  return `at(${new Date(due).toISOString().slice(0, 19)})`;
}

/**
 * One-time EventBridge Scheduler schedules, named after the licence number, deleted by the
 * service after they ran (`ActionAfterCompletion: DELETE`). Create, and replace on a name that
 * exists (a redelivered stream record, a changed validity).
 */
export class EventBridgeExpirySchedules implements ExpirySchedules {
  constructor(
    private readonly target: ExpiryScheduleTarget,
    private readonly now: () => Date,
    private readonly client: SchedulerClient = new SchedulerClient({}),
  ) {}

  async schedule(licenceNumber: string, at: Date): Promise<void> {
    const input = this.input(licenceNumber, at);
    try {
      await this.client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await this.client.send(new UpdateScheduleCommand(input));
    }
  }

  async cancel(licenceNumber: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: scheduleName(licenceNumber), GroupName: this.target.groupName }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }

  private input(licenceNumber: string, at: Date): CreateScheduleCommandInput {
    return {
      Name: scheduleName(licenceNumber),
      GroupName: this.target.groupName,
      ScheduleExpression: atExpression(at, this.now()),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Description: `Expires licence ${licenceNumber} at its validTo`,
      Target: {
        Arn: this.target.functionArn,
        RoleArn: this.target.roleArn,
        Input: JSON.stringify({ licenceNumber }),
        DeadLetterConfig: { Arn: this.target.deadLetterArn },
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 24 * 60 * 60 },
      },
    };
  }
}

function scheduleName(licenceNumber: string): string {
  if (!SCHEDULE_NAME.test(licenceNumber))
    throw new Error(`licence number ${licenceNumber} is no schedule name`);
  return licenceNumber;
}

/** EventBridge Scheduler when `EXPIRY_SCHEDULE_GROUP` is set (on AWS), the local scheduler otherwise. */
export function expirySchedulesFromEnv(
  now: () => Date,
  env: NodeJS.ProcessEnv = process.env,
): ExpirySchedules {
  const groupName = env.EXPIRY_SCHEDULE_GROUP;
  if (groupName) {
    const required = (name: string) => {
      const value = env[name];
      if (!value) throw new Error(`${name} is not set for this function`);
      return value;
    };
    return new EventBridgeExpirySchedules(
      {
        groupName,
        functionArn: required('EXPIRY_FUNCTION_ARN'),
        roleArn: required('EXPIRY_SCHEDULER_ROLE_ARN'),
        deadLetterArn: required('EXPIRY_DEAD_LETTER_ARN'),
      },
      now,
    );
  }
  if (env.AWS_LAMBDA_FUNCTION_NAME) throw new Error('EXPIRY_SCHEDULE_GROUP is not set for this function');
  return localExpirySchedules;
}
