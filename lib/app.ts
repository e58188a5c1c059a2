import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext, stackNameFor } from './config.ts';
import { LicenceWorkflowStack } from './licence-workflow-stack.ts';

/**
 * Adds the stack for the stage named in the context and the cdk-nag AwsSolutions checks, which
 * interrupt synthesis on any unacknowledged finding. Shared by bin/app.ts and the infra tests.
 */
export function addLicenceWorkflow(app: App): LicenceWorkflowStack {
  const config = configFromContext(app.node);
  // Environment-agnostic: synth needs no account, region or credentials.
  const stack = new LicenceWorkflowStack(app, stackNameFor(config.stage), {
    config,
    description: `Export-licence application workflow (${config.stage})`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
