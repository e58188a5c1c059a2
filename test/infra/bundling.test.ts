import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLicenceWorkflow } from '../../lib/app.ts';
import { LicenceFunction, PROJECT_ROOT } from '../../lib/constructs/licence-function.ts';
import type { LicenceWorkflowStack } from '../../lib/licence-workflow-stack.ts';
import { CDK_JSON_CONTEXT, logicalIdOf } from './support.ts';

// Inside the project so that the bundles' `@aws-sdk/*` imports resolve from node_modules, as on Lambda.
const OUTDIR = path.join(PROJECT_ROOT, 'cdk.out', `infra-test-${process.pid}`);

interface Bundle {
  name: string;
  directory: string;
  environment: Record<string, string>;
}

/** Each function's asset directory and its environment with CloudFormation tokens replaced. */
function bundlesOf(stack: LicenceWorkflowStack, outdir: string): Bundle[] {
  const template = JSON.parse(readFileSync(path.join(outdir, `${stack.artifactId}.template.json`), 'utf8'));
  const functions: Record<string, LicenceFunction> = {
    api: stack.api.handler,
    'audit-api': stack.api.auditHandler,
    'await-step': stack.workflow.awaitStep,
    screen: stack.workflow.screen,
    'system-transition': stack.workflow.systemTransition,
    relay: stack.workflow.relay,
    reconciler: stack.workflow.reconciler,
    'backlog-metric': stack.monitoring.backlogPublisher,
    checkpoint: stack.anchoring.writer,
  };
  return Object.entries(functions).map(([name, fn]) => {
    const { Code, Environment } = template.Resources[logicalIdOf(fn)].Properties;
    const environment = Object.fromEntries(
      Object.entries(Environment.Variables as Record<string, unknown>).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : `test-${key.toLowerCase()}`,
      ]),
    );
    const hash = String(Code.S3Key).replace(/\.zip$/, '');
    return { name, directory: path.join(outdir, `asset.${hash}`), environment };
  });
}

/** Loads a bundle in a fresh Node process the way Lambda does and prints its handler's type. */
function loadBundle(bundle: Bundle, call = false) {
  const url = pathToFileURL(path.join(bundle.directory, 'index.mjs')).href;
  const script = call
    ? `const m = await import(${JSON.stringify(url)}); console.log(await m.handler());`
    : `const m = await import(${JSON.stringify(url)}); console.log(typeof m.handler);`;
  return spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    cwd: bundle.directory,
    env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...bundle.environment },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('full synth with esbuild bundling (as `cdk synth` does it)', () => {
  let stack: LicenceWorkflowStack;
  let bundles: Bundle[];

  beforeAll(() => {
    // Everything bin/app.ts does, plus the built-in CloudFormation schema validation.
    const app = new App({ outdir: OUTDIR, context: CDK_JSON_CONTEXT });
    stack = addLicenceWorkflow(app);
    app.synth();
    bundles = bundlesOf(stack, OUTDIR);
  }, 180_000);

  afterAll(() => rmSync(OUTDIR, { recursive: true, force: true }));

  it('passes the built-in CloudFormation schema validation and cdk-nag', () => {
    const report = JSON.parse(readFileSync(path.join(OUTDIR, 'validation-report.json'), 'utf8'));
    const violations = report.pluginReports.flatMap(
      (plugin: { pluginName: string; violations?: { ruleName: string }[] }) =>
        (plugin.violations ?? []).map((violation) => `${plugin.pluginName}: ${violation.ruleName}`),
    );
    expect(violations).toEqual([]);
  });

  it('bundles every handler into one minified ESM file with a source map, under 5 MB', () => {
    const sizes: Record<string, string> = {};
    for (const bundle of bundles) {
      const file = path.join(bundle.directory, 'index.mjs');
      expect(existsSync(file), bundle.name).toBe(true);
      expect(existsSync(`${file}.map`), bundle.name).toBe(true);
      const bytes = statSync(file).size;
      expect(bytes, bundle.name).toBeLessThan(5 * 1024 * 1024);
      sizes[bundle.name] =
        `${(bytes / 1024).toFixed(1)} KiB (map ${(statSync(`${file}.map`).size / 1024).toFixed(1)} KiB)`;
    }
    console.info('Bundle sizes (index.mjs as esbuild wrote it):', sizes);
  });

  it('leaves the AWS SDK to the Lambda runtime', () => {
    for (const bundle of bundles) {
      const map = JSON.parse(readFileSync(path.join(bundle.directory, 'index.mjs.map'), 'utf8'));
      const bundledSdk = (map.sources as string[]).filter((source) =>
        source.includes('node_modules/@aws-sdk/'),
      );
      expect(bundledSdk, bundle.name).toEqual([]);
    }
  });

  it('loads the DynamoDB SDK with require, never by an ESM import (its named-export scan costs the cold start)', () => {
    for (const bundle of bundles) {
      const source = readFileSync(path.join(bundle.directory, 'index.mjs'), 'utf8');
      expect(source, bundle.name).not.toMatch(/\bfrom\s*["']@aws-sdk\/(client|lib|util)-dynamodb["']/);
    }
  });

  it('loads every bundle on Node.js 24 with the environment the template gives it', () => {
    for (const bundle of bundles) {
      const result = loadBundle(bundle);
      expect(result.stderr, bundle.name).toBe('');
      expect(result.stdout.trim(), bundle.name).toBe('function');
    }
  });
});

describe('LicenceFunction bundling', () => {
  const outdir = path.join(PROJECT_ROOT, 'cdk.out', `infra-test-alias-${process.pid}`);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('resolves the package.json `imports` aliases (#adapters/*)', () => {
    const app = new App({ outdir, builtinCloudFormationValidation: false, context: CDK_JSON_CONTEXT });
    const stack = new Stack(app, 'AliasFixture');
    const fn = new LicenceFunction(stack, 'Fixture', {
      entry: 'test/infra/fixtures/alias-entry.ts',
      description: 'alias fixture',
      serviceName: 'fixture',
      logRetention: RetentionDays.ONE_DAY,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    app.synth();
    const template = JSON.parse(readFileSync(path.join(outdir, 'AliasFixture.template.json'), 'utf8'));
    const hash = String(template.Resources[logicalIdOf(fn)].Properties.Code.S3Key).replace(/\.zip$/, '');

    const result = loadBundle(
      { name: 'fixture', directory: path.join(outdir, `asset.${hash}`), environment: {} },
      true,
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('crossOrgListing');
  });
});
