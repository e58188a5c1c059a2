import { Match } from 'aws-cdk-lib/assertions';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOn,
  allows,
  arnOf,
  grantsOf,
  grantsOfRole,
  logicalIdOf,
  type Synthesized,
  synthesize,
} from './support.ts';

/**
 * Expiry on AWS: the Licences stream's consumer keeps one-time schedules in its own group, the
 * scheduler invokes the expiry function with a role that can do only that (or dead-letter), and
 * failures on either path are alarmed.
 */
describe('licence expiry in CDK', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize();
  });
  const licences = () => s.stack.licences;
  const groupName = () => s.stack.resolve(licences().scheduleGroup.scheduleGroupName) as string;
  const scheduleArns = () =>
    `arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${groupName()}/*`;

  it('reads the Licences stream into the consumer, partial batches, with a dead-letter queue', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(licences().streamConsumer) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(s.stack.data.licences.table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(licences().streamDeadLetters), 'Arn'] } },
      },
    });
  });

  it('has exactly one reader of the Licences stream', () => {
    const stream = { 'Fn::GetAtt': [logicalIdOf(s.stack.data.licences.table), 'StreamArn'] };
    expect(
      Object.keys(
        s.template.findResources('AWS::Lambda::EventSourceMapping', {
          Properties: { EventSourceArn: stream },
        }),
      ),
    ).toHaveLength(1);
  });

  it('lets the consumer manage schedules of its group only, and pass only the scheduler role to the scheduler', () => {
    const grants = grantsOf(s, licences().streamConsumer);
    expect(actionsOn(grants, scheduleArns()).sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    expect(actionsOn(grants, arnOf(licences().schedulerRole))).toEqual(['iam:PassRole']);
    // It writes no licence or audit data, and cannot sign.
    expect(actionsOn(grants, arnOf(s.stack.data.licences.table))).toEqual([]);
    expect(actionsOn(grants, arnOf(s.stack.data.auditEvents.table))).toEqual([]);
    expect(grants.flatMap((grant) => grant.actions)).not.toContain('kms:Sign');
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'iam:PassRole',
            Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  it('gives the scheduler role nothing but invoking the expiry function and dead-lettering', () => {
    const role = logicalIdOf(licences().schedulerRole);
    const grants = grantsOfRole(s.template, role);
    expect(actionsOn(grants, arnOf(licences().expiry))).toEqual(['lambda:InvokeFunction']);
    expect(allows(grants, 'sqs:SendMessage', arnOf(licences().expiryDeadLetters))).toBe(true);
    expect(
      grants
        .flatMap((grant) => grant.resources)
        .every((resource) =>
          [arnOf(licences().expiry), arnOf(licences().expiryDeadLetters)].includes(resource),
        ),
    ).toBe(true);
    s.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
  });

  it('hands the consumer the group, target, role and dead-letter queue its schedules use', () => {
    const fn = s.template.toJSON().Resources[logicalIdOf(licences().streamConsumer)];
    const variables = fn.Properties.Environment.Variables;
    expect(variables.EXPIRY_SCHEDULE_GROUP).toBe(groupName());
    expect(flattenCfnReference(variables.EXPIRY_FUNCTION_ARN)).toBe(arnOf(licences().expiry));
    expect(flattenCfnReference(variables.EXPIRY_SCHEDULER_ROLE_ARN)).toBe(arnOf(licences().schedulerRole));
    expect(flattenCfnReference(variables.EXPIRY_DEAD_LETTER_ARN)).toBe(arnOf(licences().expiryDeadLetters));
  });

  it('lets the expiry function change licences and sign them, append audit events and delete nothing', () => {
    const grants = grantsOf(s, licences().expiry);
    const actions = grants.flatMap((grant) => grant.actions);
    expect(actions).toContain('kms:Sign');
    expect(allows(grants, 'dynamodb:PutItem', arnOf(s.stack.data.auditEvents.table))).toBe(true);
    expect(actions.filter((action) => /Delete|Scan/.test(action))).toEqual([]);
  });

  it('alarms on both dead-letter queues and on the expiry and consumer functions’ errors', () => {
    for (const queue of [licences().streamDeadLetters, licences().expiryDeadLetters]) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(queue), 'QueueName'] } }],
        Threshold: 1,
      });
    }
    for (const fn of [licences().expiry, licences().streamConsumer]) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(fn) } }],
      });
    }
  });
});
