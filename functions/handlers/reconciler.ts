import type { Context } from 'aws-lambda';
import { clock } from '../adapters/clock.ts';
import { config } from '../adapters/config.ts';
import { createDependencies } from '../adapters/dependencies.ts';
import { logger } from '../adapters/observability.ts';
import { StepFunctionsWorkflow } from '../adapters/stepfunctions.ts';
import { WorkflowItems } from '../adapters/workflow-items.ts';
import { isFinal } from '../domain/applications/lifecycle.ts';
import { workflowData } from '../domain/applications/timers.ts';
import {
  HUMAN_STEP_STATUSES,
  STATE_FOR_STATUS,
  statusForState,
} from '../domain/applications/workflow-states.ts';
import type { DomainConfig } from '../domain/config.ts';
import { expireLicence } from '../domain/licences/use-cases.ts';
import type { LicenceRepository, StoredApplication, WorkflowEngine } from '../domain/ports.ts';

/**
 * The safety net (scheduled on AWS; at start-up and every minute locally). For every non-final
 * application, its current execution `<applicationId>-<generation>`:
 * - missing (a lost INSERT record, or a local restart): started, from the persisted status;
 * - ended (failed, timed out, aborted): the next generation is started from the persisted status;
 * - waiting in a human step that no longer matches the status (a lost wake-up) for longer than the
 *   grace period: woken with the current status, using the task token from its history — or, if
 *   none can be found, stopped and replaced by the next generation.
 * Applications that became final within the last day are checked for the last case only (their
 * final wake-up may have been lost); nothing is started for them.
 */
export interface ReconcileSummary {
  checked: number;
  started: number;
  woken: number;
  /** The applications repaired, in the order they were checked. */
  repaired: Array<{ applicationId: string; repair: 'started' | 'woken' }>;
}

/** One run of the handler: the applications' summary and the overdue licences expired. */
export type ReconcilerRun = ReconcileSummary & { licencesExpired: string[] };

export interface ReconcilerDependencies {
  items: Pick<WorkflowItems, 'toReconcile' | 'advanceGeneration'>;
  workflow: WorkflowEngine;
  now: () => Date;
  config: DomainConfig;
  /** How long a status change may wait for its relay before it counts as lost. */
  graceMs: number;
}

type Repair = 'started' | 'woken' | null;

const FINAL_LOOKBACK_MS = 24 * 60 * 60 * 1000;
const HUMAN_STEP_STATES = new Set<string>(HUMAN_STEP_STATUSES.map((status) => STATE_FOR_STATUS[status]));

/** One application's failure does not stop the walk; the failures are thrown together at its end. */
export async function reconcile(deps: ReconcilerDependencies): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { checked: 0, started: 0, woken: 0, repaired: [] };
  const failures: unknown[] = [];
  const finalSince = new Date(deps.now().getTime() - FINAL_LOOKBACK_MS).toISOString();
  for await (const stored of deps.items.toReconcile(finalSince)) {
    summary.checked += 1;
    try {
      const repair = await reconcileOne(deps, stored);
      if (repair) {
        summary[repair] += 1;
        summary.repaired.push({ applicationId: stored.application.applicationId, repair });
      }
    } catch (error) {
      logger.error('reconciling an application failed', {
        applicationId: stored.application.applicationId,
        error,
      });
      failures.push(error);
    }
  }
  logger.info('reconciled', {
    checked: summary.checked,
    started: summary.started,
    woken: summary.woken,
    failed: failures.length,
  });
  if (failures.length > 0)
    throw new AggregateError(failures, `${failures.length} application(s) not reconciled`);
  return summary;
}

async function reconcileOne(
  deps: ReconcilerDependencies,
  { application, workflow }: StoredApplication,
): Promise<Repair> {
  const { applicationId } = application;
  const { generation } = workflow;
  const final = isFinal(application.status);
  const dataFor = (forGeneration: number) =>
    workflowData(application, forGeneration, deps.now(), deps.config);
  const execution = await deps.workflow.describe(applicationId, generation);
  if (!execution) return !final && (await deps.workflow.start(dataFor(generation))) ? 'started' : null;
  if (execution.status !== 'RUNNING')
    return final ? null : startNextGeneration(deps, applicationId, generation, dataFor);

  const waitingIn = execution.currentState;
  if (!waitingIn || waitingIn === STATE_FOR_STATUS[application.status] || !HUMAN_STEP_STATES.has(waitingIn))
    return null;
  if (deps.now().getTime() - Date.parse(application.updatedAt) < deps.graceMs) return null;
  logger.warn('execution waits in a step that no longer matches the status', {
    applicationId,
    waitingIn,
    waitingFor: statusForState(waitingIn),
    status: application.status,
  });
  const token = await deps.workflow.waitingToken(applicationId, generation, waitingIn);
  if (token && (await deps.workflow.sendTaskSuccess(token, dataFor(generation)))) return 'woken';
  await deps.workflow.stop(applicationId, generation, 'Replaced by the reconciler: its wake-up was lost.');
  return final ? null : startNextGeneration(deps, applicationId, generation, dataFor);
}

async function startNextGeneration(
  deps: ReconcilerDependencies,
  applicationId: string,
  generation: number,
  dataFor: (generation: number) => ReturnType<typeof workflowData>,
): Promise<Repair> {
  // The conditional bump makes concurrent reconcilers start one generation, not two.
  if (!(await deps.items.advanceGeneration(applicationId, generation))) return null;
  await deps.workflow.start(dataFor(generation + 1));
  logger.info('next generation started', { applicationId, generation: generation + 1 });
  return 'started';
}

export interface LicenceExpiryDependencies {
  licences: Pick<LicenceRepository, 'dueForExpiry'>;
  expire: (licenceNumber: string) => Promise<{ changed: boolean }>;
  now: () => Date;
}

const DUE_PAGE = 100;
const DUE_PAGES = 10;

/**
 * The expiry safety net: licences still in force past their validTo (their schedule was lost or
 * is late), read from the sparse expiry index — a Query, never a Scan — and expired through the
 * domain (actor `system:reconciler`). At most DUE_PAGES pages a run; the index is eventually
 * consistent, so a licence just expired may come back once and is skipped. Returns those expired.
 */
export async function expireOverdueLicences(deps: LicenceExpiryDependencies): Promise<string[]> {
  const expired: string[] = [];
  const seen = new Set<string>();
  const failures: unknown[] = [];
  for (let page = 0; page < DUE_PAGES; page++) {
    const due = (await deps.licences.dueForExpiry(deps.now().toISOString(), DUE_PAGE)).filter(
      (licenceNumber) => !seen.has(licenceNumber),
    );
    if (due.length === 0) break;
    for (const licenceNumber of due) {
      seen.add(licenceNumber);
      try {
        if ((await deps.expire(licenceNumber)).changed) expired.push(licenceNumber);
      } catch (error) {
        logger.error('expiring an overdue licence failed', { licenceNumber, error });
        failures.push(error);
      }
    }
  }
  if (expired.length > 0) logger.warn('overdue licences expired by the reconciler', { expired });
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} licence(s) not expired`);
  return expired;
}

const GRACE_MS = 60_000;
const items = new WorkflowItems();
const deps: ReconcilerDependencies = {
  items,
  workflow: new StepFunctionsWorkflow(),
  now: () => clock.now(),
  config,
  graceMs: GRACE_MS,
};
const domain = createDependencies();
const licenceExpiry: LicenceExpiryDependencies = {
  licences: domain.licences,
  expire: (licenceNumber) =>
    expireLicence(domain, licenceNumber, `reconciler:${licenceNumber}`, 'reconciler'),
  now: () => clock.now(),
};

/**
 * `{"backfill": true}` (once, when the `openApplications` index is rolled out over stored data; see
 * docs/deploy.md) first marks every open application that lacks the index key, with one Scan.
 */
export const handler = async (event?: unknown, _context?: Context): Promise<ReconcilerRun> => {
  if (typeof event === 'object' && event !== null && 'backfill' in event && event.backfill === true) {
    logger.info('open applications marked for the reconciler', { marked: await items.backfillOpen() });
  }
  // Both run, whichever fails; the first failure is then thrown.
  const [applications, licences] = await Promise.allSettled([
    reconcile(deps),
    expireOverdueLicences(licenceExpiry),
  ]);
  if (applications.status === 'rejected') throw applications.reason;
  if (licences.status === 'rejected') throw licences.reason;
  return { ...applications.value, licencesExpired: licences.value };
};
