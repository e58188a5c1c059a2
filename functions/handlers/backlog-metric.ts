import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createDependencies } from '../adapters/dependencies.ts';
import { logger } from '../adapters/observability.ts';
import { backlog } from '../domain/applications/use-cases.ts';

/**
 * Scheduled: publishes the oldest pending application's age in working days (and the backlog size)
 * as CloudWatch embedded metrics, for the dashboard and the backlog alarm.
 */
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'LicenceWorkflow' });
const deps = createDependencies();

export const handler = async (): Promise<{ pending: number; oldestPendingWorkingDays: number }> => {
  const result = await backlog(deps);
  metrics.addMetric('OldestPendingWorkingDays', MetricUnit.Count, result.oldestPendingWorkingDays);
  metrics.addMetric('PendingApplications', MetricUnit.Count, result.pending);
  metrics.publishStoredMetrics();
  logger.info('backlog published', result);
  return result;
};
