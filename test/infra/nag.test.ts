import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { addLicenceWorkflow } from '../../lib/app.ts';
import { CDK_JSON_CONTEXT, type Synthesized, synthesize } from './support.ts';

const VARIANTS: Record<string, Record<string, string>> = {
  production: {},
  'throw-away dev': { stage: 'dev' },
  'all paid options and alarm e-mail': { cognitoPlus: 'true', waf: 'true', alarmEmail: 'ops@example.org' },
};

interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** Every AwsSolutions finding, acknowledged or not: rule id and path of the offending resource. */
function rawFindings(app: App): { id: string; path: string }[] {
  const pack = new AwsSolutionsChecks();
  Object.assign(pack, { isAcknowledged: () => false });
  return pack.validateScope(app).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      id: violation.ruleName,
      path: resource.constructPath ?? '',
    })),
  );
}

describe.each(Object.entries(VARIANTS))('cdk-nag AwsSolutions on the %s stack', (_variant, context) => {
  const synthesized: Synthesized = synthesize(context);

  it('reports no unacknowledged finding, error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized.app);
    expect(report.violations.map((violation) => `${violation.severity} ${violation.ruleName}`)).toEqual([]);
    expect(Annotations.fromStack(synthesized.stack).findError('*', Match.anyValue())).toEqual([]);
    expect(
      Annotations.fromStack(synthesized.stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ).toEqual([]);
  });

  it('acknowledges only exact findings, each with a reason', () => {
    for (const acknowledgement of acknowledgements(synthesized.app)) {
      expect(acknowledgement.id, acknowledgement.path).toMatch(/^AwsSolutions-[A-Z]+[0-9]+(\[.+\])?$/);
      if (acknowledgement.id.startsWith('AwsSolutions-IAM')) expect(acknowledgement.id).toContain('[');
      expect(acknowledgement.reason.length, acknowledgement.id).toBeGreaterThan(60);
    }
  });

  it('has no stale acknowledgement: each one silences a real finding at or below its construct', () => {
    const findings = rawFindings(synthesized.app);
    for (const acknowledgement of acknowledgements(synthesized.app)) {
      const silenced = findings.filter(
        (finding) =>
          finding.id === acknowledgement.id &&
          (finding.path === acknowledgement.path || finding.path.startsWith(`${acknowledgement.path}/`)),
      );
      expect(silenced.length, `${acknowledgement.id} at ${acknowledgement.path}`).toBeGreaterThan(0);
    }
  });
});

describe('cdk-nag wiring', () => {
  it('fails synthesis when a finding is not acknowledged', () => {
    const app = new App({
      builtinCloudFormationValidation: false,
      context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    });
    const stack = addLicenceWorkflow(app);
    new Bucket(stack, 'UnloggedBucket');

    expect(() => Template.fromStack(stack)).toThrow(/AwsSolutions-S1/);
  });
});
