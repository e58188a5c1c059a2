import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

/** Deployment settings, read once from CDK context (`-c key=value`) and validated. */
export interface StackConfig {
  /** `prod` (default) keeps data; `dev` or `dev-*` is a throw-away stack. */
  stage: string;
  /** Throw-away stack: data is destroyed with the stack and deletion protection is off. */
  throwAway: boolean;
  /** Cognito Plus feature plan with full threat protection (paid per active user). */
  cognitoPlus: boolean;
  /** AWS WAF web ACL on the API stage (paid per ACL, rule and request). */
  waf: boolean;
  /** When set, alarms notify this address through an SNS topic. */
  alarmEmail: string | undefined;
  licenceNumberPrefix: string;
  authorityTimeZone: string;
  signOffThresholdUsd: number;
  /**
   * How long each audit checkpoint stays locked in the Object Lock bucket: compliance mode for this
   * many days in production (no one, not even the account root, can delete or shorten it);
   * a throw-away stack uses governance mode for one day regardless.
   */
  checkpointRetentionDays: number;
}

export const DEFAULT_STAGE = 'prod';
/** Seven years: the default retention of audit checkpoints in production. */
export const DEFAULT_CHECKPOINT_RETENTION_DAYS = 2557;
/** S3 Object Lock accepts at most 100 years. */
const MAX_CHECKPOINT_RETENTION_DAYS = 36_500;

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;
const PREFIX_PATTERN = /^[A-Z]{2,8}$/;
const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Stack name from the stage, so that several stages can live in one account. */
export function stackNameFor(stage: string): string {
  return `LicenceWorkflow-${stage}`;
}

export function removalPolicyFor(config: StackConfig): RemovalPolicy {
  return config.throwAway ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

export function logRetentionFor(config: StackConfig): RetentionDays {
  return config.throwAway ? RetentionDays.ONE_WEEK : RetentionDays.ONE_YEAR;
}

export function configFromContext(node: Node): StackConfig {
  const stage = stringContext(node, 'stage') ?? DEFAULT_STAGE;
  if (!STAGE_PATTERN.test(stage)) {
    throw new Error(`Context "stage" must match ${STAGE_PATTERN} (got "${stage}")`);
  }
  const alarmEmail = stringContext(node, 'alarmEmail');
  if (alarmEmail !== undefined && !EMAIL_PATTERN.test(alarmEmail)) {
    throw new Error(`Context "alarmEmail" is not an e-mail address (got "${alarmEmail}")`);
  }
  const licenceNumberPrefix = stringContext(node, 'licenceNumberPrefix') ?? 'EXL';
  if (!PREFIX_PATTERN.test(licenceNumberPrefix)) {
    throw new Error(`Context "licenceNumberPrefix" must match ${PREFIX_PATTERN}`);
  }
  const authorityTimeZone = stringContext(node, 'authorityTimeZone') ?? 'UTC';
  if (!isTimeZone(authorityTimeZone)) {
    throw new Error(`Context "authorityTimeZone" is not an IANA time zone (got "${authorityTimeZone}")`);
  }
  const signOffThresholdUsd = Number(stringContext(node, 'signOffThresholdUsd') ?? '1000000');
  if (!Number.isSafeInteger(signOffThresholdUsd) || signOffThresholdUsd <= 0) {
    throw new Error('Context "signOffThresholdUsd" must be a positive integer');
  }
  const checkpointRetentionDays = Number(
    stringContext(node, 'checkpointRetentionDays') ?? String(DEFAULT_CHECKPOINT_RETENTION_DAYS),
  );
  if (
    !Number.isSafeInteger(checkpointRetentionDays) ||
    checkpointRetentionDays < 1 ||
    checkpointRetentionDays > MAX_CHECKPOINT_RETENTION_DAYS
  ) {
    throw new Error(
      `Context "checkpointRetentionDays" must be a whole number of days from 1 to ${MAX_CHECKPOINT_RETENTION_DAYS}`,
    );
  }
  return {
    stage,
    throwAway: stage === 'dev' || stage.startsWith('dev-'),
    cognitoPlus: booleanContext(node, 'cognitoPlus'),
    waf: booleanContext(node, 'waf'),
    alarmEmail,
    licenceNumberPrefix,
    authorityTimeZone,
    signOffThresholdUsd,
    checkpointRetentionDays,
  };
}

// Context from the command line is always a string; from cdk.json or tests it may be typed.
function stringContext(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`Context "${key}" must be a string`);
}

function booleanContext(node: Node, key: string): boolean {
  const value = stringContext(node, key);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new Error(`Context "${key}" must be true or false (got "${value}")`);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
