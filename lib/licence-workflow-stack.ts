import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { logRetentionFor, removalPolicyFor, type StackConfig } from './config.ts';
import { Api } from './constructs/api.ts';
import { AuditAnchoring } from './constructs/audit-anchoring.ts';
import { ConsoleHosting } from './constructs/console-hosting.ts';
import { checkpointRetentionFor, Data } from './constructs/data.ts';
import { DomainEvents } from './constructs/domain-events.ts';
import type { SharedFunctionProps } from './constructs/licence-function.ts';
import { Licences } from './constructs/licences.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Statistics } from './constructs/statistics.ts';
import { Workflow } from './constructs/workflow.ts';

export interface LicenceWorkflowStackProps extends StackProps {
  readonly config: StackConfig;
}

/** The whole system on AWS: data, workflow, API and monitoring, each in its own construct. */
export class LicenceWorkflowStack extends Stack {
  readonly data: Data;
  readonly events: DomainEvents;
  readonly anchoring: AuditAnchoring;
  readonly workflow: Workflow;
  readonly api: Api;
  readonly monitoring: Monitoring;
  readonly console: ConsoleHosting;
  readonly statistics: Statistics;
  readonly licences: Licences;

  constructor(scope: Construct, id: string, props: LicenceWorkflowStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = removalPolicyFor(config);
    const logRetention = logRetentionFor(config);
    const functionDefaults: SharedFunctionProps = {
      serviceName: this.stackName,
      logRetention,
      removalPolicy,
      logLevel: config.throwAway ? 'DEBUG' : 'INFO',
    };
    const domainEnvironment = {
      LICENCE_NUMBER_PREFIX: config.licenceNumberPrefix,
      AUTHORITY_TIME_ZONE: config.authorityTimeZone,
      SIGN_OFF_THRESHOLD_USD: String(config.signOffThresholdUsd),
    };

    this.data = new Data(this, 'Data', {
      removalPolicy,
      deletionProtection: !config.throwAway,
      checkpointRetention: checkpointRetentionFor(config),
    });
    this.anchoring = new AuditAnchoring(this, 'AuditAnchoring', {
      data: this.data,
      functionDefaults,
      every: Duration.minutes(5),
    });
    this.events = new DomainEvents(this, 'DomainEvents', {
      data: this.data,
      archiveRetention: Duration.days(400),
    });
    this.workflow = new Workflow(this, 'Workflow', {
      data: this.data,
      events: this.events,
      stateMachineName: `${this.stackName}-lifecycle`,
      functionDefaults,
      domainEnvironment,
      removalPolicy,
      logRetention,
      reconcileEvery: Duration.minutes(5),
    });
    this.api = new Api(this, 'Api', {
      data: this.data,
      events: this.events,
      workflow: this.workflow.ref,
      reconciler: this.workflow.reconciler,
      functionDefaults,
      domainEnvironment,
      cognitoPlus: config.cognitoPlus,
      waf: config.waf,
      removalPolicy,
      deletionProtection: !config.throwAway,
      logRetention,
    });
    this.console = new ConsoleHosting(this, 'Console', {
      restApi: this.api.restApi,
      userPool: this.api.userPool,
      // Hosted sign-in domains are global per region: the account and stage keep it unique.
      domainPrefix: `licences-${config.stage}-${this.account}`,
      removalPolicy,
    });
    this.statistics = new Statistics(this, 'Statistics', {
      data: this.data,
      functionDefaults,
      domainEnvironment,
    });
    this.licences = new Licences(this, 'Licences', {
      data: this.data,
      functionDefaults,
      domainEnvironment,
      removalPolicy,
    });
    // The licences' domain events are published by their stream's one consumer.
    this.events.bindPublisher(this.licences.streamConsumer);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      statsDeadLetters: this.statistics.deadLetters,
      licences: this.licences,
      data: this.data,
      workflow: this.workflow,
      restApi: this.api.restApi,
      functions: {
        Api: this.api.handler,
        AuditApi: this.api.auditHandler,
        AwaitStep: this.workflow.awaitStep,
        Screen: this.workflow.screen,
        SystemTransition: this.workflow.systemTransition,
        Relay: this.workflow.relay,
        Reconciler: this.workflow.reconciler,
        StatsConsumer: this.statistics.consumer,
        CheckpointWriter: this.anchoring.writer,
        LicenceStream: this.licences.streamConsumer,
        LicenceExpiry: this.licences.expiry,
      },
      functionDefaults,
      authorityTimeZone: config.authorityTimeZone,
      alarmEmail: config.alarmEmail,
      backlogAlarmWorkingDays: 40,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url, description: 'Base URL of the REST API' });
    new CfnOutput(this, 'UserPoolId', { value: this.api.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.api.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'ConsoleUrl', {
      value: `https://${this.console.distribution.distributionDomainName}/`,
      description: 'The web console (and the API on the same origin)',
    });
    new CfnOutput(this, 'ConsoleBucketName', { value: this.console.bucket.bucketName });
    new CfnOutput(this, 'ConsoleClientId', { value: this.console.client.userPoolClientId });
    new CfnOutput(this, 'ConsoleSignInDomain', { value: this.console.domain.baseUrl() });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.ref.stateMachineArn });
    new CfnOutput(this, 'DocumentsBucketName', { value: this.data.documents.bucketName });
    new CfnOutput(this, 'AuditCheckpointsBucketName', { value: this.data.auditCheckpoints.bucketName });
    new CfnOutput(this, 'DashboardName', { value: this.stackName });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName });
  }
}
