import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LicenceFunction } from '../../lib/constructs/licence-function.ts';
import {
  actionsOn,
  allows,
  arnOf,
  type Grant,
  grantsOf,
  grantsOfRole,
  logicalIdOf,
  type Synthesized,
  synthesize,
} from './support.ts';

const STATES_WRITES = [
  'states:StartExecution',
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:StopExecution',
];
const AUDIT_MUTATIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
];
/** The only actions any role may hold on "*": they support no resource-level permissions. */
const UNSCOPED_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'dynamodb:ListStreams',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

describe('IAM of the stack', () => {
  let s: Synthesized;
  let arn: {
    applications: string;
    audit: string;
    idempotency: string;
    counters: string;
    stream: string;
    key: string;
    objects: string;
    stateMachine: string;
    executions: string;
  };
  const grants = (fn: (synthesized: Synthesized) => LicenceFunction): Grant[] => grantsOf(s, fn(s));

  beforeAll(() => {
    s = synthesize();
    const { data, workflow } = s.stack;
    arn = {
      applications: arnOf(data.applications.table),
      audit: arnOf(data.auditEvents.table),
      idempotency: arnOf(data.idempotency.table),
      counters: arnOf(data.counters.table),
      stream: `<${logicalIdOf(data.applications.table)}.StreamArn>`,
      key: arnOf(data.key),
      objects: `${arnOf(data.documents)}/*`,
      stateMachine: flattenCfnReference(s.stack.resolve(workflow.ref.stateMachineArn)),
      executions: flattenCfnReference(s.stack.resolve(workflow.ref.executionArnPattern)),
    };
  });

  describe('api function', () => {
    const api = (synthesized: Synthesized) => synthesized.stack.api.handler;

    it('reads and writes applications, on the table and its indexes, without delete or scan', () => {
      const applicationGrants = grants(api);
      expect(actionsOn(applicationGrants, arn.applications)).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      for (const index of ['orgListing', 'statusListing', 'crossOrgListing']) {
        expect(allows(applicationGrants, 'dynamodb:Query', `${arn.applications}/index/${index}`)).toBe(true);
      }
    });

    it('appends audit events, uses its idempotency store, counters and documents', () => {
      const apiGrants = grants(api);
      expect(actionsOn(apiGrants, arn.audit)).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
      ]);
      expect(actionsOn(apiGrants, arn.idempotency)).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem']);
      expect(actionsOn(apiGrants, arn.counters)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
      expect(actionsOn(apiGrants, arn.objects)).toEqual(['s3:GetObject', 's3:PutObject']);
      expect(allows(apiGrants, 'kms:GenerateDataKey', arn.key)).toBe(true);
      expect(allows(apiGrants, 'kms:Decrypt', arn.key)).toBe(true);
    });

    it('may look at executions but never start or wake them', () => {
      const apiGrants = grants(api);
      expect(actionsOn(apiGrants, arn.executions)).toEqual([
        'states:DescribeExecution',
        'states:GetExecutionHistory',
      ]);
      for (const action of STATES_WRITES) {
        expect(allows(apiGrants, action, arn.stateMachine), action).toBe(false);
        expect(allows(apiGrants, action, arn.executions), action).toBe(false);
      }
    });

    it('cannot delete documents or list the bucket', () => {
      const apiGrants = grants(api);
      expect(allows(apiGrants, 's3:DeleteObject', arn.objects)).toBe(false);
      expect(allows(apiGrants, 's3:ListBucket', arnOf(s.stack.data.documents))).toBe(false);
    });
  });

  describe('audit-api function', () => {
    const audit = (synthesized: Synthesized) => synthesized.stack.api.auditHandler;

    it('only reads: applications, audit events and licences by key or query, nothing written', () => {
      const auditGrants = grants(audit);
      const licences = arnOf(s.stack.data.licences.table);
      for (const table of [arn.applications, arn.audit, licences]) {
        expect(actionsOn(auditGrants, table), table).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
      }
      expect(allows(auditGrants, 'dynamodb:PutItem', arn.idempotency)).toBe(false);
      expect(allows(auditGrants, 'dynamodb:GetItem', arn.counters)).toBe(false);
      expect(allows(auditGrants, 'kms:Encrypt', arn.key)).toBe(false);
      expect(allows(auditGrants, 's3:GetObject', arn.objects)).toBe(false);
    });

    it('reads the public signing key to verify checkpoints but cannot sign, and never touches executions', () => {
      const auditGrants = grants(audit);
      expect(actionsOn(auditGrants, arnOf(s.stack.data.licenceSigningKey))).toEqual(['kms:GetPublicKey']);
      expect(
        auditGrants.flatMap((grant) => grant.actions).filter((action) => /^(states|lambda):/.test(action)),
      ).toEqual([]);
    });
  });

  describe('relay function', () => {
    const relay = (synthesized: Synthesized) => synthesized.stack.workflow.relay;

    it('reads the encrypted stream and starts or wakes executions', () => {
      const relayGrants = grants(relay);
      for (const action of ['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream']) {
        expect(allows(relayGrants, action, arn.stream), action).toBe(true);
      }
      expect(allows(relayGrants, 'kms:Decrypt', arn.key)).toBe(true);
      expect(actionsOn(relayGrants, arn.stateMachine)).toEqual([
        'states:SendTaskSuccess',
        'states:StartExecution',
      ]);
    });

    it('only bumps the generation of applications: no read, put or query, no other table', () => {
      const relayGrants = grants(relay);
      expect(actionsOn(relayGrants, arn.applications)).toEqual(['dynamodb:UpdateItem']);
      for (const table of [arn.audit, arn.counters, arn.idempotency]) {
        for (const action of [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
        ]) {
          expect(allows(relayGrants, action, table), `${action} ${table}`).toBe(false);
        }
      }
    });
  });

  describe('await-step function', () => {
    it('reads and updates applications and sends task success, nothing more', () => {
      const awaitGrants = grants((synthesized) => synthesized.stack.workflow.awaitStep);
      expect(actionsOn(awaitGrants, arn.applications)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
      expect(actionsOn(awaitGrants, arn.stateMachine)).toEqual(['states:SendTaskSuccess']);
      expect(allows(awaitGrants, 'dynamodb:PutItem', arn.audit)).toBe(false);
      expect(allows(awaitGrants, 'states:StartExecution', arn.stateMachine)).toBe(false);
    });
  });

  describe('screen and system-transition functions', () => {
    const systemFunctions = [
      (synthesized: Synthesized) => synthesized.stack.workflow.screen,
      (synthesized: Synthesized) => synthesized.stack.workflow.systemTransition,
    ];

    it('write applications, append audit events and use counters', () => {
      for (const fn of systemFunctions) {
        const systemGrants = grants(fn);
        expect(allows(systemGrants, 'dynamodb:UpdateItem', arn.applications)).toBe(true);
        expect(allows(systemGrants, 'dynamodb:ConditionCheckItem', arn.applications)).toBe(true);
        expect(actionsOn(systemGrants, arn.audit)).toEqual([
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
        ]);
        expect(actionsOn(systemGrants, arn.counters)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
      }
    });

    it('have no Step Functions permission at all and no idempotency or document access', () => {
      for (const fn of systemFunctions) {
        const systemGrants = grants(fn);
        expect(
          systemGrants.flatMap((grant) => grant.actions).filter((action) => action.startsWith('states:')),
        ).toEqual([]);
        expect(allows(systemGrants, 'dynamodb:GetItem', arn.idempotency)).toBe(false);
        expect(allows(systemGrants, 's3:GetObject', arn.objects)).toBe(false);
      }
    });
  });

  describe('reconciler function', () => {
    it('scans applications, lists, describes, starts, wakes and stops executions, expires licences without a scan', () => {
      const reconcilerGrants = grants((synthesized) => synthesized.stack.workflow.reconciler);
      expect(allows(reconcilerGrants, 'dynamodb:Scan', arn.applications)).toBe(true);
      expect(allows(reconcilerGrants, 'dynamodb:Query', arn.applications)).toBe(true);
      expect(actionsOn(reconcilerGrants, arn.stateMachine)).toEqual([
        'states:ListExecutions',
        'states:SendTaskSuccess',
        'states:StartExecution',
      ]);
      expect(
        allows(reconcilerGrants, 'states:DescribeExecution', `${arn.executions.slice(0, -1)}app_1-2`),
      ).toBe(true);
      expect(allows(reconcilerGrants, 'states:StopExecution', arn.executions)).toBe(true);
      expect(allows(reconcilerGrants, 'states:StopExecution', arn.stateMachine)).toBe(false);
      // The expiry safety net: it appends licence audit events (never changes them) and signs.
      expect(allows(reconcilerGrants, 'dynamodb:PutItem', arn.audit)).toBe(true);
      expect(allows(reconcilerGrants, 'dynamodb:UpdateItem', arn.audit)).toBe(false);
      expect(allows(reconcilerGrants, 'dynamodb:DeleteItem', arn.audit)).toBe(false);
      expect(allows(reconcilerGrants, 'dynamodb:Scan', arnOf(s.stack.data.licences.table))).toBe(false);
      expect(allows(reconcilerGrants, 'kms:Sign', arnOf(s.stack.data.licenceSigningKey))).toBe(true);
    });
  });

  describe('backlog-metric function', () => {
    it('only reads applications and the stats aggregate', () => {
      const backlogGrants = grants((synthesized) => synthesized.stack.monitoring.backlogPublisher);
      expect(actionsOn(backlogGrants, arn.applications)).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
      expect(actionsOn(backlogGrants, arnOf(s.stack.data.stats.table))).toEqual([
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]);
      expect(allows(backlogGrants, 'dynamodb:PutItem', arnOf(s.stack.data.stats.table))).toBe(false);
      expect(allows(backlogGrants, 'kms:Encrypt', arn.key)).toBe(false);
    });
  });

  describe('state machine role', () => {
    it('invokes exactly the three task functions of the definition', () => {
      const { workflow } = s.stack;
      const roleGrants = grantsOfRole(s.template, logicalIdOf(workflow.stateMachine.role));
      const invoked = roleGrants
        .filter((grant) => grant.actions.includes('lambda:InvokeFunction'))
        .flatMap((grant) => grant.resources)
        .sort();
      expect(invoked).toEqual(
        [arnOf(workflow.awaitStep), arnOf(workflow.screen), arnOf(workflow.systemTransition)].sort(),
      );
    });
  });

  describe('every role', () => {
    const allGrants = (synthesized: Synthesized): { role: string; grants: Grant[] }[] =>
      Object.keys(synthesized.template.findResources('AWS::IAM::Role')).map((role) => ({
        role,
        grants: grantsOfRole(synthesized.template, role),
      }));

    it('never updates or deletes audit events', () => {
      for (const { role, grants: roleGrants } of allGrants(s)) {
        for (const action of AUDIT_MUTATIONS) {
          expect(allows(roleGrants, action, arn.audit), `${role} ${action}`).toBe(false);
        }
      }
    });

    it('lets only relay, await-step and reconciler start executions or send task results', () => {
      const { workflow } = s.stack;
      const expected = [workflow.relay, workflow.awaitStep, workflow.reconciler]
        .map((fn) => logicalIdOf(fn.role ?? fn))
        .sort();
      const writers = allGrants(s)
        .filter(({ grants: roleGrants }) =>
          ['states:StartExecution', 'states:SendTaskSuccess'].some((action) =>
            allows(roleGrants, action, arn.stateMachine),
          ),
        )
        .map(({ role }) => role)
        .sort();
      expect(writers).toEqual(expected);
    });

    it('holds on "*" only actions that support no resource-level permissions', () => {
      for (const { role, grants: roleGrants } of allGrants(s)) {
        const unscoped = roleGrants
          .filter((grant) => grant.resources.includes('*'))
          .flatMap((grant) => grant.actions);
        expect(
          unscoped.filter((action) => !UNSCOPED_ACTIONS.has(action)),
          role,
        ).toEqual([]);
      }
    });

    it('grants no wildcard action', () => {
      for (const { role, grants: roleGrants } of allGrants(s)) {
        expect(
          roleGrants.flatMap((grant) => grant.actions).filter((action) => action.includes('*')),
          role,
        ).toEqual([]);
      }
    });
  });
});
