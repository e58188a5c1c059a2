import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import { addLicenceWorkflow } from '../../lib/app.ts';
import { PROJECT_ROOT } from '../../lib/constructs/licence-function.ts';
import type { LicenceWorkflowStack } from '../../lib/licence-workflow-stack.ts';

/** The feature flags `cdk synth` applies from cdk.json. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8'),
).context;

export interface Synthesized {
  app: App;
  stack: LicenceWorkflowStack;
  template: Template;
}

/**
 * The app as bin/app.ts builds it (cdk.json flags, cdk-nag plugin, which fails synthesis on any
 * unacknowledged finding) but without bundling and without the built-in CloudFormation schema
 * validation, which bundling.test.ts runs once.
 */
export function synthesize(context: Record<string, string> = {}): Synthesized {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context },
  });
  const stack = addLicenceWorkflow(app);
  return { app, stack, template: Template.fromStack(stack) };
}

export function logicalIdOf(construct: IConstruct): string {
  const resource = construct.node.defaultChild ?? construct;
  return Stack.of(construct).getLogicalId(resource as CfnElement);
}

/** How cdk-nag and these tests write a resource's ARN: `<LogicalId.Arn>`. */
export function arnOf(construct: IConstruct): string {
  return `<${logicalIdOf(construct)}.Arn>`;
}

export interface Grant {
  actions: string[];
  resources: string[];
}

/** Every Allow statement attached to the function's role, with resources flattened to strings. */
export function grantsOf(synthesized: Synthesized, fn: IFunction): Grant[] {
  if (!fn.role) throw new Error(`${fn.node.path} has no role`);
  return grantsOfRole(synthesized.template, logicalIdOf(fn.role));
}

export function grantsOfRole(template: Template, roleLogicalId: string): Grant[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some((role) => flattenCfnReference(role) === `<${roleLogicalId}>`),
  );
  return policies.flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .filter((statement) => statement.Effect === 'Allow')
      .map((statement) => ({
        actions: asArray(statement.Action).map(String),
        resources: asArray(statement.Resource).map(flattenCfnReference),
      })),
  );
}

/** Whether any grant allows the action on the resource, honouring `*` in granted actions and resources. */
export function allows(grants: Grant[], action: string, resource: string): boolean {
  return grants.some(
    (grant) =>
      grant.actions.some((granted) => globMatches(granted, action)) &&
      grant.resources.some((granted) => globMatches(granted, resource)),
  );
}

/** The actions granted on exactly this resource string. */
export function actionsOn(grants: Grant[], resource: string): string[] {
  return [
    ...new Set(grants.filter((grant) => grant.resources.includes(resource)).flatMap((g) => g.actions)),
  ].sort();
}

function globMatches(pattern: string, value: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\<>]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i').test(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** The bucket's policy denies every request not sent over TLS. */
export function expectTlsOnly(template: Template, bucket: IConstruct): void {
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    Bucket: { Ref: logicalIdOf(bucket) },
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]),
    },
  });
}
