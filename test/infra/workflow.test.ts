import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ASL_PATH } from '../../lib/constructs/workflow.ts';
import { logicalIdOf, type Synthesized, synthesize } from './support.ts';

describe('Workflow construct', () => {
  let prod: Synthesized;
  let dev: Synthesized;
  beforeAll(() => {
    prod = synthesize();
    dev = synthesize({ stage: 'dev' });
  });

  const stateMachine = (synthesized: Synthesized) =>
    synthesized.template.toJSON().Resources[logicalIdOf(synthesized.stack.workflow.stateMachine)].Properties;

  it('is a Standard state machine named after the stack, logging ALL without execution data, traced', () => {
    expect(stateMachine(prod)).toMatchObject({
      StateMachineName: 'LicenceWorkflow-prod-lifecycle',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [
          { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } } },
        ],
      },
    });
    expect(stateMachine(dev).StateMachineName).toBe('LicenceWorkflow-dev-lifecycle');
  });

  it('loads the definition from the ASL file and substitutes every placeholder it uses', () => {
    const placeholders = new Set(
      [...readFileSync(ASL_PATH, 'utf8').matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]),
    );
    const { DefinitionSubstitutions, DefinitionS3Location, DefinitionString } = stateMachine(prod);

    expect(DefinitionS3Location).toBeDefined();
    expect(DefinitionString).toBeUndefined();
    expect(placeholders.size).toBeGreaterThan(0);
    expect(Object.keys(DefinitionSubstitutions).sort()).toEqual([...placeholders].sort());
  });

  it('substitutes each placeholder with the ARN of the function it names', () => {
    const { workflow } = prod.stack;
    expect(stateMachine(prod).DefinitionSubstitutions).toEqual({
      AwaitStepFunctionArn: { 'Fn::GetAtt': [logicalIdOf(workflow.awaitStep), 'Arn'] },
      ScreenFunctionArn: { 'Fn::GetAtt': [logicalIdOf(workflow.screen), 'Arn'] },
      SystemTransitionFunctionArn: { 'Fn::GetAtt': [logicalIdOf(workflow.systemTransition), 'Arn'] },
    });
  });

  it('gives functions the state machine ARN built from its name (no circular reference)', () => {
    const variables =
      prod.template.toJSON().Resources[logicalIdOf(prod.stack.workflow.relay)].Properties.Environment
        .Variables;
    expect(prod.stack.resolve(variables.STATE_MACHINE_ARN)).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':states:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':stateMachine:LicenceWorkflow-prod-lifecycle',
        ],
      ],
    });
  });

  it('feeds the relay from the applications stream with batch-item failures, bisection, bounded retries and a DLQ', () => {
    const { workflow, data } = prod.stack;
    // Two readers of the applications stream, no third: the relay and the stats consumer.
    const applicationsStream = { 'Fn::GetAtt': [logicalIdOf(data.applications.table), 'StreamArn'] };
    expect(
      Object.keys(
        prod.template.findResources('AWS::Lambda::EventSourceMapping', {
          Properties: { EventSourceArn: applicationsStream },
        }),
      ),
    ).toHaveLength(2);
    prod.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(prod.stack.statistics.consumer) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(data.applications.table), 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(prod.stack.statistics.deadLetters), 'Arn'] } },
      },
    });
    prod.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(workflow.relay) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(data.applications.table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 21600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(workflow.relayDeadLetters), 'Arn'] } },
      },
    });
  });

  it('keeps the dead-letter queue encrypted, TLS-only and for 14 days', () => {
    prod.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    prod.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('runs the reconciler and the checkpoint writer every 5 minutes, the backlog publisher every 15 minutes', () => {
    const { workflow, monitoring, anchoring } = prod.stack;
    const rules = Object.values(prod.template.findResources('AWS::Events::Rule')).map((rule) => ({
      schedule: rule.Properties.ScheduleExpression,
      target: rule.Properties.Targets[0].Arn,
    }));

    expect(rules).toEqual(
      expect.arrayContaining([
        { schedule: 'rate(5 minutes)', target: { 'Fn::GetAtt': [logicalIdOf(workflow.reconciler), 'Arn'] } },
        { schedule: 'rate(5 minutes)', target: { 'Fn::GetAtt': [logicalIdOf(anchoring.writer), 'Arn'] } },
        {
          schedule: 'rate(15 minutes)',
          target: { 'Fn::GetAtt': [logicalIdOf(monitoring.backlogPublisher), 'Arn'] },
        },
      ]),
    );
    expect(rules).toHaveLength(3);
  });
});
