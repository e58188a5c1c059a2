import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Data } from './data.ts';
import { LicenceFunction, type SharedFunctionProps } from './licence-function.ts';
import type { Licences } from './licences.ts';
import type { Workflow } from './workflow.ts';

/** Published by functions/handlers/backlog-metric.ts as CloudWatch embedded metric format. */
export const BACKLOG_METRIC = {
  namespace: 'LicenceWorkflow',
  metricName: 'OldestPendingWorkingDays',
  /** The P90 decision time of `/stats` (working days), published by the same function. */
  p90MetricName: 'DecisionWorkingDaysP90',
  /** Powertools Metrics adds `service` = POWERTOOLS_SERVICE_NAME (the stack name) to every metric. */
  dimension: 'service',
} as const;

export interface MonitoringProps {
  readonly data: Data;
  readonly workflow: Workflow;
  readonly restApi: RestApi;
  /** Every function of the stack, by display name (the backlog publisher is added here). */
  readonly functions: Record<string, LicenceFunction>;
  readonly functionDefaults: SharedFunctionProps;
  /** The backlog is counted in working days of the authority's time zone. */
  readonly authorityTimeZone: string;
  readonly alarmEmail: string | undefined;
  /** Alarm when the oldest pending application has waited this many working days. */
  readonly backlogAlarmWorkingDays: number;
  /** Stream records the stats consumer gave up on. */
  readonly statsDeadLetters: IQueue;
  /** Stream records the licence stream consumer gave up on, and expiries the scheduler gave up on. */
  readonly licences: Pick<Licences, 'streamDeadLetters' | 'expiryDeadLetters'>;
}

const PERIOD = Duration.minutes(5);

/**
 * Dashboard and alarms on every failure signal (failed, timed-out and throttled executions, Lambda
 * errors and throttles, API 5xx, DynamoDB throttles, dead letters, stream lag, backlog age), with
 * an SNS topic for e-mail when an address is configured; plus the scheduled backlog publisher.
 */
export class Monitoring extends Construct {
  readonly backlogPublisher: LicenceFunction;
  readonly alarms: Alarm[] = [];
  readonly topic: Topic | undefined;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = props.alarmEmail ? this.createTopic(props.alarmEmail) : undefined;
    this.backlogPublisher = this.createBacklogPublisher(props);
    const functions = { ...props.functions, BacklogMetric: this.backlogPublisher };
    const metrics = collectMetrics(props);
    this.createAlarms(props, functions, metrics);
    this.dashboard = this.createDashboard(props, functions, metrics);
  }

  private createTopic(email: string): Topic {
    const topic = new Topic(this, 'AlarmTopic', { displayName: 'Licence workflow alarms', enforceSSL: true });
    topic.addSubscription(new EmailSubscription(email));
    return topic;
  }

  private createBacklogPublisher(props: MonitoringProps): LicenceFunction {
    const fn = new LicenceFunction(this, 'BacklogMetric', {
      ...props.functionDefaults,
      entry: 'functions/handlers/backlog-metric.ts',
      description: 'Publishes the oldest pending application and the P90 decision time in working days',
      timeout: Duration.minutes(1),
      environment: {
        APPLICATIONS_TABLE: props.data.applications.table.tableName,
        STATS_TABLE: props.data.stats.table.tableName,
        POWERTOOLS_METRICS_NAMESPACE: BACKLOG_METRIC.namespace,
        AUTHORITY_TIME_ZONE: props.authorityTimeZone,
      },
    });
    fn.bindTable({ table: props.data.applications, access: 'read' });
    fn.bindTable({ table: props.data.stats, access: 'read' });
    new Rule(this, 'BacklogSchedule', {
      description: 'Publishes the backlog metric',
      schedule: Schedule.rate(Duration.minutes(15)),
      targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
    });
    return fn;
  }

  private alarm(id: string, description: string, metric: IMetric, threshold = 1): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (this.topic) alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }

  private createAlarms(
    props: MonitoringProps,
    functions: Record<string, LicenceFunction>,
    metrics: ReturnType<typeof collectMetrics>,
  ): void {
    const { stateMachine } = props.workflow;
    this.alarm(
      'ExecutionsFailed',
      'A lifecycle execution failed',
      stateMachine.metricFailed({ period: PERIOD }),
    );
    this.alarm(
      'ExecutionsTimedOut',
      'A lifecycle execution timed out',
      stateMachine.metricTimedOut({ period: PERIOD }),
    );
    this.alarm(
      'ExecutionsThrottled',
      'Step Functions throttled the lifecycle',
      stateMachine.metricThrottled({ period: PERIOD }),
    );
    for (const [name, fn] of Object.entries(functions)) {
      this.alarm(`${name}Errors`, `${name} function errors`, fn.metricErrors({ period: PERIOD }));
      this.alarm(`${name}Throttles`, `${name} function throttles`, fn.metricThrottles({ period: PERIOD }));
    }
    this.alarm('Api5xx', 'The API answered 5xx', props.restApi.metricServerError({ period: PERIOD }));
    for (const [name, metric] of Object.entries(metrics.tableThrottles)) {
      this.alarm(`${name}Throttles`, `DynamoDB throttled requests on ${name}`, metric);
    }
    this.alarm('RelayDeadLetters', 'Stream records the relay gave up on', metrics.deadLetters);
    this.alarm('StatsDeadLetters', 'Stream records the stats consumer gave up on', metrics.statsDeadLetters);
    this.alarm(
      'LicenceStreamDeadLetters',
      'Licences stream records the consumer gave up on (expiry schedules possibly not made)',
      metrics.licenceStreamDeadLetters,
    );
    this.alarm(
      'LicenceExpiryDeadLetters',
      'Licence expiries the scheduler could not deliver (the reconciler expires them)',
      metrics.licenceExpiryDeadLetters,
    );
    this.alarm(
      'RelayIteratorAge',
      'The relay lags behind the stream by 5 minutes',
      metrics.relayIteratorAge,
      300_000,
    );
    this.alarm(
      'OldestPending',
      `An application has waited ${props.backlogAlarmWorkingDays} working days`,
      metrics.oldestPending,
      props.backlogAlarmWorkingDays,
    );
  }

  private createDashboard(
    props: MonitoringProps,
    functions: Record<string, LicenceFunction>,
    metrics: ReturnType<typeof collectMetrics>,
  ): Dashboard {
    const { stateMachine } = props.workflow;
    const all = Object.entries(functions);
    const graph = (title: string, left: IMetric[]) => new GraphWidget({ title, left, width: 12 });
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: Stack.of(this).stackName });
    dashboard.addWidgets(
      graph('Executions', [
        stateMachine.metricStarted({ period: PERIOD, label: 'started' }),
        stateMachine.metricSucceeded({ period: PERIOD, label: 'succeeded' }),
        stateMachine.metricFailed({ period: PERIOD, label: 'failed' }),
        stateMachine.metricTimedOut({ period: PERIOD, label: 'timed out' }),
      ]),
      new SingleValueWidget({
        title: 'Oldest pending application (working days)',
        metrics: [metrics.oldestPending],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      graph(
        'Lambda errors',
        all.map(([name, fn]) => fn.metricErrors({ period: PERIOD, label: name })),
      ),
      graph(
        'Lambda throttles',
        all.map(([name, fn]) => fn.metricThrottles({ period: PERIOD, label: name })),
      ),
    );
    dashboard.addWidgets(
      graph(
        'Lambda duration p99',
        all.map(([name, fn]) => fn.metricDuration({ period: PERIOD, statistic: 'p99', label: name })),
      ),
      graph('API 4xx / 5xx', [
        props.restApi.metricClientError({ period: PERIOD, label: '4xx' }),
        props.restApi.metricServerError({ period: PERIOD, label: '5xx' }),
      ]),
    );
    dashboard.addWidgets(
      graph('API latency', [
        props.restApi.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }),
        props.restApi.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' }),
      ]),
      graph('DynamoDB throttled requests', Object.values(metrics.tableThrottles)),
    );
    dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Decision time P90 (working days, all decisions)',
        metrics: [metrics.decisionP90],
        width: 12,
      }),
      graph('Decision time P90 (working days)', [metrics.decisionP90]),
    );
    dashboard.addWidgets(
      graph('Dead letters', [
        metrics.deadLetters,
        metrics.statsDeadLetters,
        metrics.licenceStreamDeadLetters,
        metrics.licenceExpiryDeadLetters,
      ]),
      graph('Relay iterator age (ms)', [metrics.relayIteratorAge]),
    );
    return dashboard;
  }
}

function collectMetrics(props: MonitoringProps) {
  const { data, workflow } = props;
  const tables = {
    Applications: data.applications.table,
    AuditEvents: data.auditEvents.table,
    Idempotency: data.idempotency.table,
    Counters: data.counters.table,
    Stats: data.stats.table,
  };
  const tableThrottles = Object.fromEntries(
    Object.entries(tables).map(([name, table]) => [
      name,
      // Metric ids must be unique across a graph that shows all tables.
      new MathExpression({
        expression: `${name.toLowerCase()}Reads + ${name.toLowerCase()}Writes`,
        label: name,
        period: PERIOD,
        usingMetrics: {
          [`${name.toLowerCase()}Reads`]: table.metric('ReadThrottleEvents', {
            statistic: 'Sum',
            period: PERIOD,
          }),
          [`${name.toLowerCase()}Writes`]: table.metric('WriteThrottleEvents', {
            statistic: 'Sum',
            period: PERIOD,
          }),
        },
      }),
    ]),
  );
  return {
    tableThrottles,
    deadLetters: workflow.relayDeadLetters.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: 'Maximum',
    }),
    statsDeadLetters: props.statsDeadLetters.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: 'Maximum',
    }),
    licenceStreamDeadLetters: props.licences.streamDeadLetters.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: 'Maximum',
    }),
    licenceExpiryDeadLetters: props.licences.expiryDeadLetters.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: 'Maximum',
    }),
    relayIteratorAge: workflow.relay.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' }),
    oldestPending: new Metric({
      namespace: BACKLOG_METRIC.namespace,
      metricName: BACKLOG_METRIC.metricName,
      dimensionsMap: { [BACKLOG_METRIC.dimension]: props.functionDefaults.serviceName },
      statistic: 'Maximum',
      period: Duration.hours(1),
    }),
    decisionP90: new Metric({
      namespace: BACKLOG_METRIC.namespace,
      metricName: BACKLOG_METRIC.p90MetricName,
      dimensionsMap: { [BACKLOG_METRIC.dimension]: props.functionDefaults.serviceName },
      statistic: 'Maximum',
      period: Duration.hours(1),
      label: 'P90',
    }),
  };
}
