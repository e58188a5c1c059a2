import { PRICES, type PriceTable } from './prices.ts';

/**
 * The cost model: counts measured from real traces times the price table. Pure (no I/O), so
 * known counts give known dollars in the unit tests.
 */
export interface UsageCounts {
  stateTransitions: number;
  lambdaInvocations: number;
  /** Billed duration × memory of all invocations. */
  lambdaGbSeconds: number;
  apiRequests: number;
  dynamodbReadUnits: number;
  dynamodbWriteUnits: number;
  s3Puts: number;
  s3Gets: number;
  kmsRequests: number;
}

export const SERVICES = ['stepFunctions', 'lambda', 'apiGateway', 'dynamodb', 's3', 'kms'] as const;
export type Service = (typeof SERVICES)[number];
export type CostBreakdown = Record<Service, number> & { total: number };

const round = (usd: number): number => Math.round(usd * 1e6) / 1e6;

function breakdown(parts: Record<Service, number>): CostBreakdown {
  const rounded = Object.fromEntries(SERVICES.map((service) => [service, round(parts[service])])) as Record<
    Service,
    number
  >;
  return { ...rounded, total: round(SERVICES.reduce((sum, service) => sum + parts[service], 0)) };
}

/** Dollars for `applications` applications that each used `perApplication`. */
export function requestCost(
  perApplication: UsageCounts,
  applications: number,
  prices: PriceTable = PRICES,
): CostBreakdown {
  const c = perApplication;
  return breakdown({
    stepFunctions: c.stateTransitions * prices.stateTransition.usd * applications,
    lambda:
      (c.lambdaInvocations * prices.lambdaRequest.usd + c.lambdaGbSeconds * prices.lambdaGbSecond.usd) *
      applications,
    apiGateway: c.apiRequests * prices.apiRequest.usd * applications,
    dynamodb:
      (c.dynamodbReadUnits * prices.dynamodbReadUnit.usd +
        c.dynamodbWriteUnits * prices.dynamodbWriteUnit.usd) *
      applications,
    s3: (c.s3Puts * prices.s3Put.usd + c.s3Gets * prices.s3Get.usd) * applications,
    kms: c.kmsRequests * prices.kmsRequest.usd * applications,
  });
}

/** What one stored, finished application keeps costing each month. */
export interface StoredApplicationUsage {
  /** Read units the reconciler spends on this one application per run (marginal). */
  reconcilerReadUnitsPerRun: number;
  reconcilerRunsPerMonth: number;
  /** Read units the backlog metric publisher spends on it per run (marginal). */
  metricReadUnitsPerRun: number;
  metricRunsPerMonth: number;
  /** Item bytes in DynamoDB (application, its index copies, audit events), billed with PITR. */
  tableBytes: number;
  /** Document bytes in S3. */
  s3Bytes: number;
}

export interface StoredApplicationCost {
  reconcilerUsd: number;
  metricPublisherUsd: number;
  storageUsd: number;
  /** The per-run compute alone (reconciler + metric publisher), the figure that must be zero. */
  perRunComputeUsd: number;
  totalUsd: number;
}

const GB = 1024 ** 3;

export function storedApplicationMonthlyCost(
  usage: StoredApplicationUsage,
  prices: PriceTable = PRICES,
): StoredApplicationCost {
  const reconcilerUsd =
    usage.reconcilerReadUnitsPerRun * usage.reconcilerRunsPerMonth * prices.dynamodbReadUnit.usd;
  const metricPublisherUsd =
    usage.metricReadUnitsPerRun * usage.metricRunsPerMonth * prices.dynamodbReadUnit.usd;
  const storageUsd =
    (usage.tableBytes / GB) * (prices.dynamodbStorageGbMonth.usd + prices.dynamodbPitrGbMonth.usd) +
    (usage.s3Bytes / GB) * prices.s3StorageGbMonth.usd;
  const precise = (usd: number) => Math.round(usd * 1e9) / 1e9;
  return {
    reconcilerUsd: precise(reconcilerUsd),
    metricPublisherUsd: precise(metricPublisherUsd),
    storageUsd: precise(storageUsd),
    perRunComputeUsd: precise(reconcilerUsd + metricPublisherUsd),
    totalUsd: precise(reconcilerUsd + metricPublisherUsd + storageUsd),
  };
}

/** Runs per 30-day month of a schedule firing every `minutes`. */
export const runsPerMonth = (minutes: number): number => Math.floor((30 * 24 * 60) / minutes);

/**
 * Approximate stored size of a DynamoDB item (AWS's rules: attribute name bytes plus value bytes;
 * numbers about one byte per two digits plus one; 3 bytes per map/list plus 1 per element).
 */
export function itemBytes(item: Record<string, unknown>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) total += Buffer.byteLength(name) + valueBytes(value);
  return total;
}

function valueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number')
    return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value))
    return 3 + value.reduce((sum: number, element) => sum + 1 + valueBytes(element), 0);
  if (typeof value === 'object')
    return 3 + itemBytes(value as Record<string, unknown>) + Object.keys(value).length;
  return 0;
}
