import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createDependencies } from '../adapters/dependencies.ts';
import { logger } from '../adapters/observability.ts';
import { DynamoStatsStore } from '../adapters/stats-store.ts';
import { publicStats } from '../domain/applications/stats.ts';
import { backlog } from '../domain/applications/use-cases.ts';

/**
 * Scheduled: publishes the oldest pending application's age in working days (and the backlog size)
 * as CloudWatch embedded metrics, for the dashboard and the backlog alarm; and the P90 decision time
 * of `/stats` (exact nearest rank over every decision, from the stats aggregate: one item read),
 * unless it is suppressed (fewer than 5 decisions).
 */
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'LicenceWorkflow' });
const deps = createDependencies();
const stats = new DynamoStatsStore();

export const handler = async (): Promise<{
  pending: number;
  oldestPendingWorkingDays: number;
  decisionWorkingDaysP90: number | null;
}> => {
  const [counts, counters] = await Promise.all([backlog(deps), stats.aggregate()]);
  const p90 = publicStats(counters, counts.oldestPendingWorkingDays, deps.now()).decisionWorkingDays.p90;
  const result = { ...counts, decisionWorkingDaysP90: typeof p90 === 'number' ? p90 : null };
  metrics.addMetric('OldestPendingWorkingDays', MetricUnit.Count, result.oldestPendingWorkingDays);
  metrics.addMetric('PendingApplications', MetricUnit.Count, result.pending);
  if (result.decisionWorkingDaysP90 !== null)
    metrics.addMetric('DecisionWorkingDaysP90', MetricUnit.Count, result.decisionWorkingDaysP90);
  metrics.publishStoredMetrics();
  logger.info('backlog published', result);
  return result;
};
