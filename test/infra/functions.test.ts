import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_ENTRIES } from '../../lib/bundling.ts';
import { LicenceFunction } from '../../lib/constructs/licence-function.ts';
import type { LicenceWorkflowStack } from '../../lib/licence-workflow-stack.ts';
import { CDK_JSON_CONTEXT, logicalIdOf, type Synthesized, synthesize } from './support.ts';

const DOMAIN = ['LICENCE_NUMBER_PREFIX', 'AUTHORITY_TIME_ZONE', 'SIGN_OFF_THRESHOLD_USD'];
const COMMON = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL', 'NODE_OPTIONS'];

/** Each handler, its function in the stack and exactly the variables it is given. */
const FUNCTIONS: { entry: string; of: (stack: LicenceWorkflowStack) => LicenceFunction; env: string[] }[] = [
  {
    entry: 'api',
    of: (stack) => stack.api.handler,
    env: [
      'APPLICATIONS_TABLE',
      'AUDIT_TABLE',
      'IDEMPOTENCY_TABLE',
      'COUNTERS_TABLE',
      'STATS_TABLE',
      'LICENCES_TABLE',
      'LICENCE_SIGNING_KEY_ID',
      'DOCUMENTS_BUCKET',
      'BLOB_STORE',
      'STATE_MACHINE_ARN',
      'RECONCILER_FUNCTION_NAME',
      'EVENTS_TABLE',
      ...DOMAIN,
    ],
  },
  {
    entry: 'audit-api',
    of: (stack) => stack.api.auditHandler,
    env: [
      'APPLICATIONS_TABLE',
      'AUDIT_TABLE',
      'LICENCES_TABLE',
      'LICENCE_SIGNING_KEY_ID',
      'CHECKPOINT_BUCKET',
      ...DOMAIN,
    ],
  },
  { entry: 'await-step', of: (stack) => stack.workflow.awaitStep, env: ['APPLICATIONS_TABLE'] },
  {
    entry: 'screen',
    of: (stack) => stack.workflow.screen,
    env: ['APPLICATIONS_TABLE', 'AUDIT_TABLE', 'COUNTERS_TABLE', ...DOMAIN],
  },
  {
    entry: 'system-transition',
    of: (stack) => stack.workflow.systemTransition,
    env: ['APPLICATIONS_TABLE', 'AUDIT_TABLE', 'COUNTERS_TABLE', ...DOMAIN],
  },
  {
    entry: 'relay',
    of: (stack) => stack.workflow.relay,
    env: ['APPLICATIONS_TABLE', 'STATE_MACHINE_ARN', 'EVENT_BUS_NAME', 'EVENTS_TABLE', ...DOMAIN],
  },
  {
    entry: 'reconciler',
    of: (stack) => stack.workflow.reconciler,
    env: [
      'APPLICATIONS_TABLE',
      'STATE_MACHINE_ARN',
      'LICENCES_TABLE',
      'AUDIT_TABLE',
      'LICENCE_SIGNING_KEY_ID',
      ...DOMAIN,
    ],
  },
  { entry: 'stats', of: (stack) => stack.statistics.consumer, env: ['STATS_TABLE', ...DOMAIN] },
  {
    entry: 'checkpoint',
    of: (stack) => stack.anchoring.writer,
    env: ['APPLICATIONS_TABLE', 'LICENCES_TABLE', 'LICENCE_SIGNING_KEY_ID', 'CHECKPOINT_BUCKET'],
  },
  {
    entry: 'licence-stream',
    of: (stack) => stack.licences.streamConsumer,
    env: [
      'EXPIRY_SCHEDULE_GROUP',
      'EXPIRY_FUNCTION_ARN',
      'EXPIRY_SCHEDULER_ROLE_ARN',
      'EXPIRY_DEAD_LETTER_ARN',
      'EVENT_BUS_NAME',
      'EVENTS_TABLE',
    ],
  },
  {
    entry: 'licence-expiry',
    of: (stack) => stack.licences.expiry,
    env: ['LICENCES_TABLE', 'AUDIT_TABLE', 'LICENCE_SIGNING_KEY_ID', ...DOMAIN],
  },
  {
    entry: 'backlog-metric',
    of: (stack) => stack.monitoring.backlogPublisher,
    env: ['APPLICATIONS_TABLE', 'AUTHORITY_TIME_ZONE', 'POWERTOOLS_METRICS_NAMESPACE', 'STATS_TABLE'],
  },
];

describe('LicenceFunction', () => {
  let prod: Synthesized;
  let dev: Synthesized;
  beforeAll(() => {
    prod = synthesize({
      licenceNumberPrefix: 'REL',
      authorityTimeZone: 'Asia/Shanghai',
      signOffThresholdUsd: '500000',
    });
    dev = synthesize({ stage: 'dev' });
  });

  const functionResource = (synthesized: Synthesized, fn: LicenceFunction) =>
    synthesized.template.toJSON().Resources[logicalIdOf(fn)];

  it('deploys one function per handler and nothing else', () => {
    prod.template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length);
  });

  it('runs every handler on Node.js 24, arm64, with active tracing and its own log group', () => {
    for (const { entry, of } of FUNCTIONS) {
      const fn = of(prod.stack);
      const { Properties } = functionResource(prod, fn);

      expect(Properties, entry).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
      });
      const logGroup = prod.template.toJSON().Resources[Properties.LoggingConfig.LogGroup.Ref];
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties.RetentionInDays, entry).toBe(365);
      expect(logGroup.DeletionPolicy, entry).toBe('Retain');
    }
  });

  it('gives the API functions a short timeout, which bounds a crashed request’s idempotency claim', () => {
    for (const fn of [prod.stack.api.handler, prod.stack.api.auditHandler]) {
      expect(functionResource(prod, fn).Properties.Timeout).toBeLessThanOrEqual(10);
    }
  });

  it('builds every function from its entry in FUNCTION_ENTRIES, which the benchmark measures', () => {
    expect(FUNCTIONS.map(({ entry }) => entry).sort()).toEqual(Object.keys(FUNCTION_ENTRIES).sort());
  });

  it('keeps logs one week in a throw-away stack', () => {
    dev.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('gives each function exactly the environment variables it reads', () => {
    for (const { entry, of, env } of FUNCTIONS) {
      const variables = functionResource(prod, of(prod.stack)).Properties.Environment.Variables;

      expect(Object.keys(variables).sort(), entry).toEqual([...COMMON, ...env].sort());
      expect(variables.POWERTOOLS_SERVICE_NAME).toBe('LicenceWorkflow-prod');
      expect(variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
      expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('passes the regime settings from the context to the domain', () => {
    const variables = functionResource(prod, prod.stack.api.handler).Properties.Environment.Variables;

    expect(variables).toMatchObject({
      LICENCE_NUMBER_PREFIX: 'REL',
      AUTHORITY_TIME_ZONE: 'Asia/Shanghai',
      SIGN_OFF_THRESHOLD_USD: '500000',
      BLOB_STORE: 's3',
    });
    const devVariables = functionResource(dev, dev.stack.api.handler).Properties.Environment.Variables;
    expect(devVariables).toMatchObject({
      LICENCE_NUMBER_PREFIX: 'EXL',
      AUTHORITY_TIME_ZONE: 'UTC',
      SIGN_OFF_THRESHOLD_USD: '1000000',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
  });

  it('gives every function its own role with no AWS managed policy', () => {
    const roles = new Set(FUNCTIONS.map(({ of }) => logicalIdOf(of(prod.stack).role ?? of(prod.stack))));
    expect(roles.size).toBe(FUNCTIONS.length);
    for (const role of roles) {
      expect(prod.template.toJSON().Resources[role].Properties.ManagedPolicyArns, role).toBeUndefined();
    }
  });

  it('merges the caller environment over its defaults instead of replacing them', () => {
    const app = new App({
      builtinCloudFormationValidation: false,
      context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    });
    const stack = new Stack(app, 'S');
    const fn = new LicenceFunction(stack, 'Fn', {
      entry: 'functions/handlers/relay.ts',
      description: 'test',
      serviceName: 'svc',
      logRetention: RetentionDays.ONE_DAY,
      removalPolicy: RemovalPolicy.DESTROY,
      environment: { EXTRA: 'x', POWERTOOLS_LOG_LEVEL: 'WARN' },
    });

    const variables =
      Template.fromStack(stack).toJSON().Resources[logicalIdOf(fn)].Properties.Environment.Variables;
    expect(variables).toEqual({
      POWERTOOLS_SERVICE_NAME: 'svc',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      NODE_OPTIONS: '--enable-source-maps',
      EXTRA: 'x',
    });
  });
});
