/**
 * AWS prices the cost model uses: us-east-1, on-demand, no free tier, no savings plans. Each entry
 * names its source page and the date it was read. Change a price here (with its date) when AWS does.
 */
export interface Price {
  readonly usd: number;
  /** What one `usd` buys, e.g. "1,000 state transitions". */
  readonly per: string;
  readonly source: string;
  readonly asOf: string;
}

const STEP_FUNCTIONS = 'https://aws.amazon.com/step-functions/pricing/';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const API_GATEWAY = 'https://aws.amazon.com/api-gateway/pricing/';
const DYNAMODB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const S3 = 'https://aws.amazon.com/s3/pricing/';
const KMS = 'https://aws.amazon.com/kms/pricing/';
const AS_OF = '2025-06-01';

export const PRICES = {
  /** Standard workflows. */
  stateTransition: { usd: 0.025 / 1000, per: 'state transition', source: STEP_FUNCTIONS, asOf: AS_OF },
  lambdaRequest: { usd: 0.2 / 1_000_000, per: 'invocation', source: LAMBDA, asOf: AS_OF },
  /** arm64, first 7.5 billion GB-s per month. */
  lambdaGbSecond: { usd: 0.0000133334, per: 'GB-second (arm64)', source: LAMBDA, asOf: AS_OF },
  /** REST API, first 333 million requests per month. */
  apiRequest: { usd: 3.5 / 1_000_000, per: 'REST API request', source: API_GATEWAY, asOf: AS_OF },
  /** On-demand, Standard table class (prices of 1 November 2024). */
  dynamodbWriteUnit: { usd: 0.625 / 1_000_000, per: 'write request unit', source: DYNAMODB, asOf: AS_OF },
  dynamodbReadUnit: { usd: 0.125 / 1_000_000, per: 'read request unit', source: DYNAMODB, asOf: AS_OF },
  dynamodbStorageGbMonth: { usd: 0.25, per: 'GB-month of table storage', source: DYNAMODB, asOf: AS_OF },
  /** Continuous backups (point-in-time recovery is on for every table). */
  dynamodbPitrGbMonth: { usd: 0.2, per: 'GB-month of PITR backup', source: DYNAMODB, asOf: AS_OF },
  /** S3 Standard. */
  s3Put: { usd: 0.005 / 1000, per: 'PUT request', source: S3, asOf: AS_OF },
  s3Get: { usd: 0.0004 / 1000, per: 'GET request', source: S3, asOf: AS_OF },
  s3StorageGbMonth: { usd: 0.023, per: 'GB-month (first 50 TB)', source: S3, asOf: AS_OF },
  kmsRequest: { usd: 0.03 / 10_000, per: 'KMS API request', source: KMS, asOf: AS_OF },
} as const satisfies Record<string, Price>;

export type PriceTable = { readonly [K in keyof typeof PRICES]: Price };

/**
 * What the prices leave out, stated in the report: fixed monthly costs that do not depend on the
 * number of applications (KMS key $1, CloudWatch alarms and dashboard, custom metrics), CloudWatch
 * Logs ingestion, X-Ray traces, and DynamoDB Streams reads by the Lambda trigger (free).
 */
export const NOT_PRICED = [
  'fixed monthly costs (KMS key, alarms, dashboard, custom metrics)',
  'CloudWatch Logs ingestion and X-Ray traces',
  'DynamoDB Streams reads by the relay trigger (free for Lambda triggers)',
] as const;
