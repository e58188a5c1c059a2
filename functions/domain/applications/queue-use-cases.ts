import { hasRole } from '../access.ts';
import type { Dependencies, RequestMeta } from '../dependencies.ts';
import { DomainError, ForbiddenError, NotFoundError, VersionConflictError } from '../errors.ts';
import type { Application, UserActor } from '../schemas.ts';
import { type QueueIndex, type QueueItem, type QueueQuery, QueueWalk, readQueuePage } from './queue.ts';
import { performAction } from './use-cases.ts';

/** The use cases that read the reviewers' queue index as well. */
export interface QueueDependencies extends Dependencies {
  queue: QueueIndex;
}

function checkReviewer(actor: UserActor): void {
  if (!hasRole(actor, 'reviewer', 'senior-reviewer'))
    throw new ForbiddenError('Only reviewers and senior reviewers work the queue.');
}

/**
 * `GET /queue`: one page in queue order, evaluated at the instant the first page pinned; APPEALED
 * cases are in senior reviewers' queue only.
 */
export async function listQueue(
  deps: QueueDependencies,
  actor: UserActor,
  query: QueueQuery,
): Promise<{ items: QueueItem[]; cursor: string | null; evaluatedAt: string }> {
  checkReviewer(actor);
  return readQueuePage(
    {
      index: deps.queue,
      config: deps.config,
      now: deps.now(),
      caller: actor.sub,
      seesAppeals: hasRole(actor, 'senior-reviewer'),
    },
    query,
  );
}

const CLAIM_ATTEMPTS_PER_CASE = 3;

/**
 * `POST /queue/claim-next`: claims the first unassigned UNDER_REVIEW case in queue order. The
 * index may lag (it is eventually consistent), so each candidate is claimed through the ordinary
 * version-guarded `claim`: a case taken meanwhile, or one the caller may not take, is skipped; two
 * racing reviewers never get the same case.
 */
export async function claimNext(
  deps: QueueDependencies,
  actor: UserActor,
  meta: RequestMeta,
): Promise<Application> {
  checkReviewer(actor);
  const walk = new QueueWalk(
    { index: deps.queue, config: deps.config, now: deps.now(), caller: actor.sub },
    { status: 'UNDER_REVIEW', assigned: 'none' },
    undefined,
  );
  for await (const record of walk.records()) {
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS_PER_CASE; attempt++) {
      try {
        const { application, event } = await performAction(
          deps,
          actor,
          record.applicationId,
          'claim',
          {},
          {
            requestId: meta.requestId,
          },
        );
        if (!event) break; // already the caller's: not a new claim
        return application;
      } catch (error) {
        if (error instanceof VersionConflictError) continue;
        if (error instanceof DomainError && error.status < 500) break;
        throw error;
      }
    }
  }
  throw new NotFoundError('No unassigned case is waiting for review.');
}
