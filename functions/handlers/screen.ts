import { readFile } from 'node:fs/promises';
import type { Context } from 'aws-lambda';
import bundledList from '../../data/denied-parties.json' with { type: 'json' };
import { createDependencies } from '../adapters/dependencies.ts';
import { logger } from '../adapters/observability.ts';
import {
  type DeniedPartyList,
  DeniedPartyListSchema,
  endUserKey,
  hadRecentApprovalForEndUser,
  screenApplication,
} from '../domain/applications/screening.ts';
import { workflowData } from '../domain/applications/timers.ts';
import { applySystemAction } from '../domain/applications/use-cases.ts';
import type { Dependencies } from '../domain/dependencies.ts';
import type { WorkflowData } from '../domain/ports.ts';
import type { Application } from '../domain/schemas.ts';
import * as z from '../domain/zod.ts';

/**
 * The workflow's Screening step: screens a SUBMITTED application against the denied-party list and
 * applies the outcome through the domain (actor `system:screen`). Idempotent: an application that
 * is no longer SUBMITTED (withdrawn meanwhile, or screened by an earlier attempt) is answered as it is.
 * A list that cannot be read or is invalid fails the step; the state machine retries, then routes
 * to `screening-failed`.
 */
const ScreenPayload = z.object({
  applicationId: z.string().check(z.minLength(1), z.maxLength(64)),
  generation: z.number().check(z.int(), z.gte(1)),
});

/** Parsed once per process: the same object each time, so screening's normalised names stay cached. */
let bundled: DeniedPartyList | undefined;

/** The bundled list, or the file named by DENIED_PARTY_LIST_FILE (read at every screening). */
export async function loadDeniedPartyList(env: NodeJS.ProcessEnv = process.env): Promise<DeniedPartyList> {
  const file = env.DENIED_PARTY_LIST_FILE;
  if (file) return DeniedPartyListSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  bundled ??= DeniedPartyListSchema.parse(bundledList);
  return bundled;
}

/**
 * The end user's newest approval in the org (through the `approvedEndUsers` index: one key, however
 * many applications the org has); the domain decides whether it is recent enough.
 */
async function latestApprovalForEndUser(
  deps: Dependencies,
  application: Application,
): Promise<Application[]> {
  const key = endUserKey(application);
  return key ? deps.repository.approvedForEndUser(key, 1) : [];
}

export async function screen(
  deps: Dependencies,
  payload: z.infer<typeof ScreenPayload>,
  requestId: string,
): Promise<WorkflowData> {
  const stored = await deps.repository.get(payload.applicationId);
  if (!stored) throw new Error(`application ${payload.applicationId} does not exist`);
  let application = stored.application;
  if (application.status === 'SUBMITTED') {
    const list = await loadDeniedPartyList();
    const now = deps.now();
    const recent = hadRecentApprovalForEndUser(
      application,
      await latestApprovalForEndUser(deps, application),
      now,
    );
    const { action, outcome } = screenApplication(application, list, recent);
    ({ application } = await applySystemAction(
      deps,
      'screen',
      application.applicationId,
      action,
      outcome,
      requestId,
    ));
    logger.info('screened', {
      applicationId: application.applicationId,
      requestId,
      action,
      listVersion: list.version,
      flags: outcome.flags,
      status: application.status,
    });
  }
  return workflowData(application, payload.generation, deps.now(), deps.config);
}

const deps = createDependencies();

export const handler = async (event: unknown, context: Context): Promise<WorkflowData> => {
  const payload = ScreenPayload.parse(event);
  return screen(deps, payload, context.awsRequestId);
};
