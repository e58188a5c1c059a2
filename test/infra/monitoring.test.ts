import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKLOG_METRIC } from '../../lib/constructs/monitoring.ts';
import { logicalIdOf, type Synthesized, synthesize } from './support.ts';

interface AlarmProperties {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Metrics?: { MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] } } }[];
  AlarmActions?: unknown[];
  Threshold: number;
}

describe('Monitoring construct', () => {
  let quiet: Synthesized;
  let notifying: Synthesized;
  beforeAll(() => {
    quiet = synthesize();
    notifying = synthesize({ alarmEmail: 'ops@example.org' });
  });

  const alarms = (synthesized: Synthesized): AlarmProperties[] =>
    Object.values(synthesized.template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties,
    );

  /** Alarms on `namespace/metricName`, directly or inside a metric-math expression. */
  const alarmsOn = (synthesized: Synthesized, namespace: string, metricName: string) =>
    alarms(synthesized).filter(
      (alarm) =>
        (alarm.Namespace === namespace && alarm.MetricName === metricName) ||
        (alarm.Metrics ?? []).some(
          (metric) =>
            metric.MetricStat?.Metric.Namespace === namespace &&
            metric.MetricStat.Metric.MetricName === metricName,
        ),
    );

  it('alarms on failed, timed-out and throttled executions', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionThrottled']) {
      const [alarm] = alarmsOn(quiet, 'AWS/States', metric);
      expect(alarm, metric).toBeDefined();
      expect(alarm?.Threshold).toBe(1);
      expect(JSON.stringify(alarm?.Dimensions)).toContain(logicalIdOf(quiet.stack.workflow.stateMachine));
    }
  });

  it('alarms on errors and throttles of every function', () => {
    const functions = Object.keys(quiet.template.findResources('AWS::Lambda::Function'));
    for (const metric of ['Errors', 'Throttles']) {
      const alarmed = alarmsOn(quiet, 'AWS/Lambda', metric).map((alarm) => JSON.stringify(alarm.Dimensions));
      expect(alarmed.sort(), metric).toEqual(
        functions.map((fn) => JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fn } }])).sort(),
      );
    }
  });

  it('alarms on API 5xx, DynamoDB throttles of each table, dead letters, relay lag and the backlog', () => {
    expect(alarmsOn(quiet, 'AWS/ApiGateway', '5XXError')).toHaveLength(1);
    expect(alarmsOn(quiet, 'AWS/DynamoDB', 'ReadThrottleEvents')).toHaveLength(5);
    expect(alarmsOn(quiet, 'AWS/DynamoDB', 'WriteThrottleEvents')).toHaveLength(5);
    // The relay's, the stats consumer's, the licence stream consumer's and the expiry schedules' dead letters.
    expect(alarmsOn(quiet, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible')).toHaveLength(4);
    expect(alarmsOn(quiet, 'AWS/Lambda', 'IteratorAge')).toHaveLength(1);
    const [backlog] = alarmsOn(quiet, BACKLOG_METRIC.namespace, BACKLOG_METRIC.metricName);
    expect(backlog?.Dimensions).toEqual([{ Name: 'service', Value: 'LicenceWorkflow-prod' }]);
    expect(backlog?.Threshold).toBe(40);
  });

  it('has no topic and no alarm actions without an alarm e-mail', () => {
    quiet.template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of alarms(quiet)) expect(alarm.AlarmActions).toBeUndefined();
  });

  it('notifies the alarm e-mail through a TLS-only topic from every alarm', () => {
    const topic = logicalIdOf(notifying.stack.monitoring.topic ?? notifying.stack);
    notifying.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: { Ref: topic },
    });
    notifying.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
    for (const alarm of alarms(notifying)) expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
  });

  it('shows the P90 decision time that the backlog publisher reads from the stats aggregate', () => {
    const [dashboard] = Object.values(quiet.template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain('Decision time P90 (working days');
    expect(body).toContain(
      `[\\"${BACKLOG_METRIC.namespace}\\",\\"${BACKLOG_METRIC.p90MetricName}\\",\\"service\\",\\"LicenceWorkflow-prod\\"`,
    );
    quiet.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STATS_TABLE: Match.anyValue() }) },
      Description: Match.stringLikeRegexp('P90 decision time'),
    });
  });

  it('draws one dashboard named after the stack', () => {
    quiet.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    quiet.template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'LicenceWorkflow-prod',
    });
  });
});
