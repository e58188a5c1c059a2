import path from 'node:path';
import { ArnFormat, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Data } from './data.ts';
import type { DomainEvents } from './domain-events.ts';
import {
  LicenceFunction,
  PROJECT_ROOT,
  type SharedFunctionProps,
  type WorkflowRef,
} from './licence-function.ts';

export const ASL_PATH = path.join(PROJECT_ROOT, 'statemachines/licence-lifecycle.asl.json');

export interface WorkflowProps {
  readonly data: Data;
  /** The relay publishes the applications' domain events. */
  readonly events: DomainEvents;
  /** Derived from the stack name, so two stacks can live in one account. */
  readonly stateMachineName: string;
  readonly functionDefaults: SharedFunctionProps;
  readonly domainEnvironment: Record<string, string>;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly reconcileEvery: Duration;
}

/**
 * The lifecycle state machine and everything that drives it: the task functions it invokes, the
 * stream relay (transactional outbox → StartExecution / SendTaskSuccess) with its dead-letter queue,
 * and the scheduled reconciler.
 */
export class Workflow extends Construct {
  readonly ref: WorkflowRef;
  readonly stateMachine: StateMachine;
  readonly awaitStep: LicenceFunction;
  readonly screen: LicenceFunction;
  readonly systemTransition: LicenceFunction;
  readonly relay: LicenceFunction;
  readonly reconciler: LicenceFunction;
  readonly relayDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    // ARNs built from the name, not from the resource: the functions the state machine invokes
    // need these ARNs in their own policies, and a reference would be a circular dependency.
    const stack = Stack.of(this);
    this.ref = {
      stateMachineArn: stack.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: props.stateMachineName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      executionArnPattern: stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${props.stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    };
    this.awaitStep = this.createAwaitStep(props);
    this.screen = this.createSystemFunction('Screen', 'screen', 'Screens a submitted application', props);
    this.systemTransition = this.createSystemFunction(
      'SystemTransition',
      'system-transition',
      'Applies timer-driven system transitions',
      props,
    );
    this.stateMachine = this.createStateMachine(props);
    this.relayDeadLetters = new Queue(this, 'RelayDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.relayDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the relay stream mapping; it is alarmed on ' +
        'depth and the reconciler repairs the affected applications.',
    });
    this.relay = this.createRelay(props);
    this.reconciler = this.createReconciler(props);
  }

  private createAwaitStep(props: WorkflowProps): LicenceFunction {
    const fn = new LicenceFunction(this, 'AwaitStep', {
      ...props.functionDefaults,
      entry: 'functions/handlers/await-step.ts',
      description: 'Stores the task token of a human step on the application',
      timeout: Duration.seconds(10),
      environment: { APPLICATIONS_TABLE: props.data.applications.table.tableName },
    });
    fn.bindTable({ table: props.data.applications, access: 'update' });
    fn.bindWorkflow(this.ref, 'sendTaskSuccess');
    return fn;
  }

  /** screen and system-transition: system actions through the domain, never the workflow API. */
  private createSystemFunction(id: string, file: string, description: string, props: WorkflowProps) {
    const { data } = props;
    const fn = new LicenceFunction(this, id, {
      ...props.functionDefaults,
      entry: `functions/handlers/${file}.ts`,
      description,
      environment: {
        APPLICATIONS_TABLE: data.applications.table.tableName,
        AUDIT_TABLE: data.auditEvents.table.tableName,
        COUNTERS_TABLE: data.counters.table.tableName,
        ...props.domainEnvironment,
      },
    });
    fn.bindTable({ table: data.applications, access: 'readWrite' });
    fn.bindTable({ table: data.auditEvents, access: 'appendOnly' });
    fn.bindTable({ table: data.counters, access: 'update' });
    return fn;
  }

  private createStateMachine(props: WorkflowProps): StateMachine {
    const logGroup = new LogGroup(this, 'StateMachineLogs', {
      // The /aws/vendedlogs/ prefix keeps the log-delivery resource policy small.
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const stateMachine = new StateMachine(this, 'Lifecycle', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(ASL_PATH),
      definitionSubstitutions: {
        AwaitStepFunctionArn: this.awaitStep.functionArn,
        ScreenFunctionArn: this.screen.functionArn,
        SystemTransitionFunctionArn: this.systemTransition.functionArn,
      },
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    // A definition from a file grants nothing by itself: invoke exactly these three functions.
    stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.awaitStep, this.screen, this.systemTransition].map((fn) => fn.functionArn),
      }),
    );
    Validations.of(stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs delivery (logs:CreateLogDelivery and related) and X-Ray (xray:PutTraceSegments and ' +
        'related) support no resource-level permissions; an infra test asserts nothing else is granted on "*".',
    });
    return stateMachine;
  }

  private createRelay(props: WorkflowProps): LicenceFunction {
    const fn = new LicenceFunction(this, 'Relay', {
      ...props.functionDefaults,
      entry: 'functions/handlers/relay.ts',
      description: 'Relays committed status changes to Step Functions (outbox) and publishes domain events',
      timeout: Duration.seconds(60),
      // The relay computes the timer seconds it hands the workflow from the regime configuration.
      environment: {
        APPLICATIONS_TABLE: props.data.applications.table.tableName,
        STATE_MACHINE_ARN: this.ref.stateMachineArn,
        ...props.domainEnvironment,
      },
    });
    fn.bindTable({ table: props.data.applications, access: 'advanceGeneration' });
    fn.bindWorkflow(this.ref, 'start', 'sendTaskSuccess');
    props.events.bindPublisher(fn);
    fn.consumeStream(props.data.applications.table, {
      deadLetters: this.relayDeadLetters,
      maxRecordAge: Duration.hours(6),
    });
    return fn;
  }

  private createReconciler(props: WorkflowProps): LicenceFunction {
    const fn = new LicenceFunction(this, 'Reconciler', {
      ...props.functionDefaults,
      entry: 'functions/handlers/reconciler.ts',
      description: 'Repairs applications whose execution is missing, stuck or ended',
      timeout: Duration.minutes(2),
      environment: {
        APPLICATIONS_TABLE: props.data.applications.table.tableName,
        STATE_MACHINE_ARN: this.ref.stateMachineArn,
        // Timer seconds for the repaired executions follow the same regime configuration.
        LICENCES_TABLE: props.data.licences.table.tableName,
        AUDIT_TABLE: props.data.auditEvents.table.tableName,
        LICENCE_SIGNING_KEY_ID: props.data.licenceSigningKey.keyArn,
        ...props.domainEnvironment,
      },
    });
    fn.bindTable({ table: props.data.applications, access: 'scanAndUpdate' });
    fn.bindWorkflow(this.ref, 'list', 'observe', 'start', 'sendTaskSuccess', 'stop');
    // The expiry safety net: overdue licences from the sparse expiry index, expired and re-signed.
    fn.bindTable({ table: props.data.licences, access: 'readWrite' });
    fn.bindTable({ table: props.data.auditEvents, access: 'appendOnly' });
    fn.bindLicenceSigning(props.data.licenceSigningKey);
    new Rule(this, 'ReconcileSchedule', {
      description: 'Runs the reconciler',
      schedule: Schedule.rate(props.reconcileEvery),
      targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
    });
    return fn;
  }
}
