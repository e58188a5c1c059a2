import { App, RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { configFromContext, removalPolicyFor, stackNameFor } from '../../lib/config.ts';

const configOf = (context: Record<string, unknown>) => configFromContext(new App({ context }).node);

describe('configFromContext', () => {
  it('defaults to a production stage that keeps its data and has no paid options', () => {
    const config = configOf({});

    expect(config).toEqual({
      stage: 'prod',
      throwAway: false,
      cognitoPlus: false,
      waf: false,
      alarmEmail: undefined,
      licenceNumberPrefix: 'EXL',
      authorityTimeZone: 'UTC',
      signOffThresholdUsd: 1_000_000,
      checkpointRetentionDays: 2557,
    });
    expect(removalPolicyFor(config)).toBe(RemovalPolicy.RETAIN);
    expect(stackNameFor(config.stage)).toBe('LicenceWorkflow-prod');
  });

  it('makes dev and dev-* stages throw-away', () => {
    for (const stage of ['dev', 'dev-alice']) {
      const config = configOf({ stage });
      expect(config.throwAway, stage).toBe(true);
      expect(removalPolicyFor(config)).toBe(RemovalPolicy.DESTROY);
    }
    expect(configOf({ stage: 'staging' }).throwAway).toBe(false);
  });

  it('reads the string values the CLI passes for -c flags', () => {
    const config = configOf({
      cognitoPlus: 'true',
      waf: 'false',
      alarmEmail: 'ops@example.org',
      licenceNumberPrefix: 'REL',
      authorityTimeZone: 'Asia/Shanghai',
      signOffThresholdUsd: '250000',
      checkpointRetentionDays: '3650',
    });

    expect(config).toMatchObject({
      cognitoPlus: true,
      waf: false,
      alarmEmail: 'ops@example.org',
      licenceNumberPrefix: 'REL',
      authorityTimeZone: 'Asia/Shanghai',
      signOffThresholdUsd: 250_000,
      checkpointRetentionDays: 3650,
    });
  });

  it('rejects values that would deploy something other than what was meant', () => {
    expect(() => configOf({ stage: 'Prod_1' })).toThrow(/stage/);
    expect(() => configOf({ waf: 'yes' })).toThrow(/waf/);
    expect(() => configOf({ alarmEmail: 'ops' })).toThrow(/alarmEmail/);
    expect(() => configOf({ authorityTimeZone: 'Mars/Olympus' })).toThrow(/authorityTimeZone/);
    expect(() => configOf({ signOffThresholdUsd: '-5' })).toThrow(/signOffThresholdUsd/);
    expect(() => configOf({ licenceNumberPrefix: 'exl-' })).toThrow(/licenceNumberPrefix/);
    for (const days of ['0', '1.5', '36501', 'forever'])
      expect(() => configOf({ checkpointRetentionDays: days }), days).toThrow(/checkpointRetentionDays/);
  });
});
