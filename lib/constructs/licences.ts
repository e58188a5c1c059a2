import { ArnFormat, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Data } from './data.ts';
import { LicenceFunction, type SharedFunctionProps } from './licence-function.ts';

export interface LicencesProps {
  readonly data: Data;
  readonly functionDefaults: SharedFunctionProps;
  readonly domainEnvironment: Record<string, string>;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * What keeps licences moving after their approval: the Licences stream's one consumer (it keeps a
 * one-time EventBridge Scheduler schedule per licence in force) and the expiry function the
 * schedules invoke, with the schedule group, the role the scheduler invokes with and a dead-letter
 * queue for each path (alarmed in Monitoring; the reconciler expires what they lost).
 */
export class Licences extends Construct {
  readonly streamConsumer: LicenceFunction;
  readonly expiry: LicenceFunction;
  readonly scheduleGroup: ScheduleGroup;
  readonly schedulerRole: Role;
  readonly streamDeadLetters: Queue;
  readonly expiryDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: LicencesProps) {
    super(scope, id);
    this.streamDeadLetters = this.deadLetterQueue(
      'StreamDeadLetters',
      'This queue is itself the dead-letter destination of the Licences stream mapping; it is alarmed on ' +
        'depth and the reconciler expires any licence whose schedule was therefore never made.',
    );
    this.expiryDeadLetters = this.deadLetterQueue(
      'ExpiryDeadLetters',
      'This queue is itself the dead-letter destination of the expiry schedules; it is alarmed on depth ' +
        'and the reconciler expires any licence whose expiry was therefore lost.',
    );
    this.expiry = this.createExpiry(props);
    this.scheduleGroup = new ScheduleGroup(this, 'ExpirySchedules', { removalPolicy: props.removalPolicy });
    this.schedulerRole = this.createSchedulerRole();
    this.streamConsumer = this.createStreamConsumer(props);
  }

  private deadLetterQueue(id: string, reason: string): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
    return queue;
  }

  /** `expire` through the domain: writes the licence and its audit event, and signs the new document. */
  private createExpiry(props: LicencesProps): LicenceFunction {
    const { data } = props;
    const fn = new LicenceFunction(this, 'Expiry', {
      ...props.functionDefaults,
      entry: 'functions/handlers/licence-expiry.ts',
      description: 'Expires a licence at its validTo (invoked by its one-time schedule)',
      timeout: Duration.seconds(30),
      environment: {
        LICENCES_TABLE: data.licences.table.tableName,
        AUDIT_TABLE: data.auditEvents.table.tableName,
        LICENCE_SIGNING_KEY_ID: data.licenceSigningKey.keyArn,
        ...props.domainEnvironment,
      },
    });
    fn.bindTable({ table: data.licences, access: 'readWrite' });
    fn.bindTable({ table: data.auditEvents, access: 'appendOnly' });
    fn.bindLicenceSigning(data.licenceSigningKey);
    return fn;
  }

  /** Assumed by EventBridge Scheduler (this account only) to invoke the expiry function, or dead-letter. */
  private createSchedulerRole(): Role {
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler invokes the licence expiry function with this role',
    });
    role.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.expiry.functionArn] }),
    );
    this.expiryDeadLetters.grantSendMessages(role);
    return role;
  }

  private createStreamConsumer(props: LicencesProps): LicenceFunction {
    const schedules = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroup.scheduleGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const fn = new LicenceFunction(this, 'StreamConsumer', {
      ...props.functionDefaults,
      entry: 'functions/handlers/licence-stream.ts',
      description: 'Keeps one expiry schedule per licence in force, from the Licences stream',
      timeout: Duration.seconds(60),
      environment: {
        EXPIRY_SCHEDULE_GROUP: this.scheduleGroup.scheduleGroupName,
        EXPIRY_FUNCTION_ARN: this.expiry.functionArn,
        EXPIRY_SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
        EXPIRY_DEAD_LETTER_ARN: this.expiryDeadLetters.queueArn,
      },
    });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [schedules],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    fn.acknowledgeWildcardResource(
      schedules,
      'Schedules are named after licence numbers at run time; the grant is limited to creating, ' +
        'replacing and deleting schedules in this one schedule group.',
    );
    fn.consumeStream(props.data.licences.table, {
      deadLetters: this.streamDeadLetters,
      maxRecordAge: Duration.hours(24),
    });
    return fn;
  }
}
