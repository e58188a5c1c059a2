import { hasRole } from '../access.ts';
import { type AnchoredVerification, checkAgainstCheckpoint } from '../anchoring.ts';
import { type ChainVerification, GENESIS_HASH, verifyChain } from '../audit.ts';
import { commitGuarded, type Dependencies, type RequestMeta, retryOnConflict } from '../dependencies.ts';
import { ForbiddenError, InvalidTransitionError, NotFoundError } from '../errors.ts';
import { issueFor, licenceAmendedBy } from '../licences/use-cases.ts';
import type { ListQuery, Page, StoredApplication } from '../ports.ts';
import type {
  Actor,
  Application,
  AuditEvent,
  Details,
  DocumentRecord,
  DocumentUpload,
  UserActor,
} from '../schemas.ts';
import { type ActionInputs, type ActionResult, applyAction, willIssueLicence } from './apply-action.ts';
import { checkDocumentContent } from './documents.ts';
import { workingDaysElapsed } from './legal-clock.ts';
import type { Action, SystemAction } from './lifecycle.ts';
import { auditView } from './views.ts';
import { canSee } from './visibility.ts';

/**
 * Use cases: load → domain → commit, through ports only. The API handler, the workflow's system
 * handlers, the local stack and the tests share them.
 */

/** Loads an application the caller may see; anything else is a 404, as if it did not exist. */
export async function loadVisible(
  deps: Dependencies,
  actor: Actor,
  applicationId: string,
): Promise<StoredApplication> {
  const stored = await deps.repository.get(applicationId);
  if (!stored || !canSee(actor, stored.application)) throw new NotFoundError('Application not found.');
  return stored;
}

export async function createApplication(
  deps: Dependencies,
  actor: UserActor,
  details: Details,
  meta: RequestMeta,
): Promise<Application> {
  const { application, event } = applyAction(null, 'create', actor, details, {
    now: deps.now(),
    requestId: meta.requestId,
    config: deps.config,
    applicationId: deps.newId('app'),
  });
  if (event) await deps.repository.commit(application, event, null);
  return application;
}

/** Applies one action and commits it (`decideAction`'s parameters). */
export async function performAction<A extends Action>(
  ...action: Parameters<typeof decideAction<A>>
): Promise<ActionResult> {
  const { result, commit } = await decideAction(...action);
  await commit();
  return result;
}

/** An action decided but not yet stored: its result, and the version-guarded commit that stores it. */
export interface DecidedAction {
  result: ActionResult;
  /** Nothing to do when the action changes nothing (no event). */
  commit: () => Promise<void>;
}

/**
 * Applies one action up to its commit, so a caller can answer from the result before committing
 * (the API stores that answer in the commit's transaction). A licence number is allocated only
 * once the action is known to succeed and issue a licence; a lost race then leaves a gap in the
 * numbers, never a duplicate.
 */
export async function decideAction<A extends Action>(
  deps: Dependencies,
  actor: Actor,
  applicationId: string,
  action: A,
  input: ActionInputs[A],
  meta: RequestMeta,
): Promise<DecidedAction> {
  const stored = await deps.repository.get(applicationId);
  const current = stored?.application ?? null;
  const context = { now: deps.now(), requestId: meta.requestId, config: deps.config, ifMatch: meta.ifMatch };
  const issuesLicence = current !== null && willIssueLicence(current, action, input, deps.config);
  let result = applyAction(current, action, actor, input, {
    ...context,
    ...(issuesLicence ? { licenceNumber: 'PROVISIONAL' } : {}),
  });
  if (!result.event || !current) return { result, commit: nothingToCommit };
  // An amendment's approval supersedes its licence, which must still be ACTIVE (else 409).
  const amended = issuesLicence ? await licenceAmendedBy(deps, current) : null;
  if (issuesLicence) {
    const licenceNumber = await allocateLicenceNumber(deps, context.now);
    result = applyAction(current, action, actor, input, { ...context, licenceNumber });
  }
  if (!result.event) return { result, commit: nothingToCommit };
  const { application, event } = result;
  // The licence it issues (and the one it supersedes) is written in the approval's transaction (DESIGN.md).
  const licences = issuesLicence ? await issueFor(deps, application, meta.requestId, amended) : [];
  return {
    result,
    commit: () =>
      commitGuarded(
        () => deps.repository.commit(application, event, current.version, licences, current),
        meta.ifMatch,
        current.version,
      ),
  };
}

const nothingToCommit = async (): Promise<void> => {};

async function allocateLicenceNumber(deps: Dependencies, now: Date): Promise<string> {
  const year = now.getUTCFullYear();
  const prefix = deps.config.licenceNumberPrefix;
  const sequence = await deps.repository.nextSequence(`licence#${prefix}#${year}`);
  return `${prefix}-${year}-${String(sequence).padStart(6, '0')}`;
}

/**
 * A system action from the workflow: idempotent. If it no longer applies (the applicant withdrew
 * meanwhile) it returns the current application unchanged; a lost race is retried after a re-read.
 */
export async function applySystemAction<A extends SystemAction>(
  deps: Dependencies,
  functionName: string,
  applicationId: string,
  action: A,
  input: ActionInputs[A],
  requestId: string,
): Promise<{ application: Application; wakeAt?: string }> {
  const actor: Actor = { kind: 'system', sub: `system:${functionName}` };
  return retryOnConflict(async () => {
    try {
      return await performAction(deps, actor, applicationId, action, input, { requestId });
    } catch (error) {
      if (error instanceof InvalidTransitionError) {
        const stored = await deps.repository.get(applicationId);
        if (stored) return { application: stored.application };
      }
      throw error;
    }
  });
}

export async function listApplications(
  deps: Dependencies,
  actor: UserActor,
  query: ListQuery,
): Promise<Page<Application>> {
  if (hasRole(actor, 'auditor', 'operator'))
    return deps.repository.listAll({ ...query, submittedOnly: false });
  if (hasRole(actor, 'reviewer', 'senior-reviewer'))
    return deps.repository.listAll({ ...query, submittedOnly: true });
  if (!hasRole(actor, 'applicant') || !actor.org) throw new ForbiddenError();
  return deps.repository.listByOrg(actor.org, query);
}

export async function addDocument(
  deps: Dependencies,
  actor: UserActor,
  applicationId: string,
  upload: DocumentUpload,
  meta: RequestMeta,
): Promise<DocumentRecord> {
  const stored = await deps.repository.get(applicationId);
  const describe = (content: { sizeBytes: number; sha256: string }): DocumentRecord => ({
    documentId,
    type: upload.type,
    fileName: upload.fileName,
    contentType: upload.contentType,
    sizeBytes: content.sizeBytes,
    sha256: content.sha256,
    uploadedAt: deps.now().toISOString(),
    uploadedBy: actor.sub,
  });
  const documentId = deps.newId('doc');
  // Every rule first (404, 403, 412, 409), then the content (413, 415), and only then is
  // anything stored, so a refused upload leaves nothing behind.
  applyAction(
    stored?.application ?? null,
    'add-document',
    actor,
    describe({ sizeBytes: 0, sha256: GENESIS_HASH }),
    {
      now: deps.now(),
      requestId: meta.requestId,
      config: deps.config,
      ifMatch: meta.ifMatch,
    },
  );
  const checked = checkDocumentContent(upload);
  const record = describe(checked);
  await deps.blobs.put(documentKey(applicationId, record.documentId), checked.content, record.contentType);
  await performAction(deps, actor, applicationId, 'add-document', record, meta);
  return record;
}

export const documentKey = (applicationId: string, documentId: string): string =>
  `${applicationId}/${documentId}`;

/** Document content for the applicant's org, reviewers and auditors (operators see metadata only). */
export async function getDocument(
  deps: Dependencies,
  actor: UserActor,
  applicationId: string,
  documentId: string,
): Promise<{ document: DocumentRecord; content: Uint8Array }> {
  const { application } = await loadVisible(deps, actor, applicationId);
  if (!hasRole(actor, 'applicant', 'reviewer', 'senior-reviewer', 'auditor')) {
    throw new ForbiddenError('Operators may not read document content.');
  }
  const document = application.documents.find((candidate) => candidate.documentId === documentId);
  // An amendment's reference to its original's document reads the content stored there.
  const stored = document && documentKey(document.sourceApplicationId ?? applicationId, documentId);
  const content = stored ? await deps.blobs.get(stored) : null;
  if (!document || !content) throw new NotFoundError('Document not found.');
  return { document, content };
}

export async function auditTrail(deps: Dependencies, actor: UserActor, applicationId: string) {
  await loadVisible(deps, actor, applicationId);
  const events = await deps.repository.auditEvents(applicationId);
  return events.map((event) => auditView(event, actor));
}

export async function verifyAuditTrail(
  deps: Dependencies,
  actor: UserActor,
  applicationId: string,
): Promise<AnchoredVerification> {
  const { application } = await loadVisible(deps, actor, applicationId);
  if (!hasRole(actor, 'auditor', 'operator'))
    throw new ForbiddenError('Only auditors and operators verify audit trails.');
  const { events, result } = await verifyConsistently(deps, applicationId, application);
  return checkAgainstCheckpoint(deps, 'application', applicationId, events, result);
}

const VERIFY_ATTEMPTS = 5;

/**
 * Never cries wolf while the application is being written. The head is read before the events, and
 * each commit writes the head and its event in one transaction, so a concurrent commit can only
 * add events beyond the head that was read. More events than the head counts is therefore only
 * evidence of tampering when the head has not moved meanwhile; otherwise read both again. Under
 * sustained writes the last attempt checks the chain up to the head it read.
 */
async function verifyConsistently(
  deps: Dependencies,
  applicationId: string,
  firstHead: Application,
): Promise<{ events: AuditEvent[]; result: ChainVerification }> {
  let head = firstHead;
  for (let attempt = 1; ; attempt += 1) {
    const events = await deps.repository.auditEvents(applicationId);
    if (events.length <= head.version) return { events, result: verifyChain(events, head) };
    const reread = (await deps.repository.get(applicationId))?.application;
    if (!reread || reread.version === head.version) return { events, result: verifyChain(events, head) };
    if (attempt === VERIFY_ATTEMPTS) {
      const upToHead = events.slice(0, head.version);
      return { events: upToHead, result: verifyChain(upToHead, head) };
    }
    head = reread;
  }
}

const PENDING_STATUSES = ['SUBMITTED', 'UNDER_REVIEW', 'INFORMATION_REQUESTED', 'PENDING_SIGN_OFF'] as const;

/** Applications awaiting a decision and the longest wait so far, in working days of the legal clock. */
export async function backlog(
  deps: Dependencies,
): Promise<{ pending: number; oldestPendingWorkingDays: number }> {
  const now = deps.now();
  let pending = 0;
  let oldestPendingWorkingDays = 0;
  for (const status of PENDING_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await deps.repository.listAll({ status, limit: 100, cursor, submittedOnly: false });
      for (const application of page.items) {
        pending++;
        const elapsed = workingDaysElapsed(application.clock, now, deps.config);
        oldestPendingWorkingDays = Math.max(oldestPendingWorkingDays, elapsed);
      }
      cursor = page.cursor ?? undefined;
    } while (cursor);
  }
  return { pending, oldestPendingWorkingDays };
}
