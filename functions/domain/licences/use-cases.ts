import { hasRole } from '../access.ts';
import { type AnchoredVerification, checkAgainstCheckpoint } from '../anchoring.ts';
import { applyAction } from '../applications/apply-action.ts';
import { verifyChain } from '../audit.ts';
import { commitGuarded, type Dependencies, type RequestMeta, retryOnConflict } from '../dependencies.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import type { LicenceListQuery, LicenceWrite, Page } from '../ports.ts';
import type { Actor, Application, UserActor } from '../schemas.ts';
import { amendmentDraft, licenceToSupersede, withOpenAmendment } from './amendments.ts';
import {
  applyLicenceAction,
  issueLicence,
  type LicenceInputs,
  type LicenceResult,
} from './apply-licence-action.ts';
import type { LicenceAction } from './lifecycle.ts';
import type { LicenceActionBody, LicenceRecord, RequestableLicenceAction } from './schemas.ts';
import { codeMatches, LICENCE_JWS_TYPE, publicVerification, signedPayload } from './signed-document.ts';
import { licenceAuditView, licenceView, usageView } from './views.ts';
import { canSeeLicence } from './visibility.ts';

/** Licence use cases: load → applyLicenceAction → sign on a status change → version-guarded commit. */

/** Many shipments may hit one licence at once: retry lost races often, with jitter. */
const CONTENDED_ATTEMPTS = 60;
const CONTENDED_BACKOFF_MS = 5;

const APPROVAL: Actor = { kind: 'system', sub: 'system:approval' };

async function signed(deps: Dependencies, licence: LicenceRecord): Promise<LicenceRecord> {
  return { ...licence, signed: await deps.signer.sign(signedPayload(licence, deps.now()), LICENCE_JWS_TYPE) };
}

/**
 * The licence writes of an approval, committed with the application: the new licence, signed, with
 * its first audit event; for an amendment also the old licence SUPERSEDED (guarded by its version,
 * so a usage recorded meanwhile fails the whole transaction), its used amounts carried over.
 */
export async function issueFor(
  deps: Dependencies,
  application: Application,
  requestId: string,
  amended: LicenceRecord | null = null,
): Promise<LicenceWrite[]> {
  const context = { now: deps.now(), requestId, config: deps.config };
  const issued = issueLicence(
    application,
    APPROVAL,
    { verificationCode: deps.verificationCode(), amended: amended ?? undefined },
    context,
  );
  const writes: LicenceWrite[] = [
    { licence: await signed(deps, issued.licence), event: issued.event, expectedVersion: null },
  ];
  if (!amended) return writes;
  const by = issued.licence.licenceNumber;
  const superseded = applyLicenceAction(amended, 'supersede', APPROVAL, { by }, context);
  if (!superseded.event) throw new Error('superseding a licence records an event');
  const licence = await signed(deps, superseded.licence);
  return [...writes, { licence, event: superseded.event, expectedVersion: amended.version }];
}

/** The licence an amendment varies, read before its approval: 409 LICENCE_NOT_ACTIVE once it left ACTIVE. */
export async function licenceAmendedBy(deps: Dependencies, application: Application) {
  if (!application.amends) return null;
  return licenceToSupersede(await deps.licences.get(application.amends), application.amends);
}

/** The licence with `openAmendment` cleared when that amendment has reached a final status. */
async function current(deps: Dependencies, licence: LicenceRecord): Promise<LicenceRecord> {
  if (licence.openAmendment === null) return licence;
  const amendment = await deps.repository.get(licence.openAmendment);
  return withOpenAmendment(licence, amendment?.application.status ?? null);
}

async function loadVisible(deps: Dependencies, actor: Actor, licenceNumber: string): Promise<LicenceRecord> {
  const licence = await deps.licences.get(licenceNumber);
  if (!licence || !canSeeLicence(actor, licence)) throw new NotFoundError('Licence not found.');
  return licence;
}

export async function getLicence(deps: Dependencies, actor: UserActor, licenceNumber: string) {
  return licenceView(await current(deps, await loadVisible(deps, actor, licenceNumber)), actor, true);
}

export async function listLicences(deps: Dependencies, actor: UserActor, query: LicenceListQuery) {
  let page: Page<LicenceRecord>;
  if (hasRole(actor, 'reviewer', 'senior-reviewer', 'auditor', 'operator', 'customs')) {
    page = await deps.licences.listAll(query);
  } else if (hasRole(actor, 'applicant') && actor.org) {
    page = await deps.licences.listByHolder(actor.org, query);
  } else {
    throw new ForbiddenError();
  }
  const items = await Promise.all(page.items.map((licence) => current(deps, licence)));
  return { items: items.map((licence) => licenceView(licence, actor, false)), cursor: page.cursor };
}

/** Actions the API offers on a licence that answer the licence (amend answers the new application). */
export type ApiLicenceAction = Exclude<RequestableLicenceAction, 'amend'>;

type InputBuilders = {
  [A in ApiLicenceAction]: (
    deps: Dependencies,
    licenceNumber: string,
    body: LicenceActionBody<A>,
  ) => Promise<LicenceInputs[A]>;
};
const asIs = async <T>(_deps: Dependencies, _licenceNumber: string, body: T): Promise<T> => body;

/** The input the domain needs: the body, and for a usage what the licence already holds under its ids. */
const INPUTS: InputBuilders = {
  'record-usage': async (deps, licenceNumber, body) => {
    const [sameId, sameDeclaration] = await Promise.all([
      deps.licences.usage(licenceNumber, body.usageId),
      deps.licences.usageByDeclaration(licenceNumber, body.declarationRef),
    ]);
    return { body, sameId, sameDeclaration };
  },
  suspend: asIs,
  reinstate: asIs,
  revoke: asIs,
  surrender: asIs,
};

/**
 * One licence change, committed guarded by the version it was computed from and retried after a
 * lost race (so concurrent shipments never overdraw); with If-Match a lost race is 412 instead.
 */
async function change<A extends Exclude<LicenceAction, 'issue'>>(
  deps: Dependencies,
  actor: Actor,
  licenceNumber: string,
  action: A,
  input: () => Promise<LicenceInputs[A]>,
  meta: RequestMeta,
): Promise<LicenceResult> {
  return retryOnConflict(
    async () => {
      const current = await deps.licences.get(licenceNumber);
      const result = applyLicenceAction(current, action, actor, await input(), {
        now: deps.now(),
        requestId: meta.requestId,
        config: deps.config,
        ifMatch: meta.ifMatch,
      });
      const { event } = result;
      if (!event || !current) return result;
      const licence =
        event.fromStatus !== event.toStatus ? await signed(deps, result.licence) : result.licence;
      const usage = result.usage;
      await commitGuarded(
        () => deps.licences.commit(licence, event, current.version, usage),
        meta.ifMatch,
        current.version,
      );
      return { ...result, licence };
    },
    CONTENDED_ATTEMPTS,
    CONTENDED_BACKOFF_MS,
    () => deps.onRetry?.(),
  );
}

export async function performLicenceAction<A extends ApiLicenceAction>(
  deps: Dependencies,
  actor: UserActor,
  licenceNumber: string,
  action: A,
  body: LicenceActionBody<A>,
  meta: RequestMeta,
) {
  const result = await change(
    deps,
    actor,
    licenceNumber,
    action,
    () => INPUTS[action](deps, licenceNumber, body),
    meta,
  );
  return licenceView(result.licence, actor, true);
}

/**
 * `amend`: the holder asks to vary an ACTIVE licence. The new DRAFT application (prefilled from
 * the licence, the original application's documents referenced, `amends` set) and the licence's
 * `openAmendment` are committed in one transaction, with both audit events; a second amendment
 * while one is open is 409 AMENDMENT_OPEN. A lost race on the licence is retried.
 */
export async function amendLicence(
  deps: Dependencies,
  actor: UserActor,
  licenceNumber: string,
  meta: RequestMeta,
): Promise<Application> {
  return retryOnConflict(async () => {
    const stored = await deps.licences.get(licenceNumber);
    const licence = stored && (await current(deps, stored));
    const applicationId = deps.newId('app');
    const context = { now: deps.now(), requestId: meta.requestId, config: deps.config };
    const opened = applyLicenceAction(
      licence,
      'amend',
      actor,
      { applicationId },
      {
        ...context,
        ifMatch: meta.ifMatch,
      },
    );
    if (!licence || !opened.event) throw new Error('opening an amendment records an event');
    const original = await deps.repository.get(licence.applicationId);
    const { details, documents } = amendmentDraft(licence, original?.application ?? null);
    const { application, event } = applyAction(null, 'create', actor, details, {
      ...context,
      applicationId,
      amendment: { licenceNumber, documents },
    });
    if (!event) throw new Error('a created application records an event');
    const write = { licence: opened.licence, event: opened.event, expectedVersion: licence.version };
    await commitGuarded(
      () => deps.repository.commit(application, event, null, [write]),
      meta.ifMatch,
      licence.version,
    );
    return application;
  });
}

/** Who expires a licence: its timer, or the reconciler when the timer was lost (shown in the audit trail). */
export type LicenceExpirer = 'licence-expiry' | 'reconciler';

/** The expiry timer (and the reconciler's safety net): a no-op for an ended licence or before validTo. */
export async function expireLicence(
  deps: Dependencies,
  licenceNumber: string,
  requestId: string,
  by: LicenceExpirer = 'licence-expiry',
) {
  const actor: Actor = { kind: 'system', sub: `system:${by}` };
  const result = await change(deps, actor, licenceNumber, 'expire', async () => ({}), { requestId });
  return { status: result.licence.status, changed: result.event !== null, wakeAt: result.wakeAt };
}

export async function licenceUsage(deps: Dependencies, actor: UserActor, licenceNumber: string) {
  await loadVisible(deps, actor, licenceNumber);
  if (!hasRole(actor, 'applicant', 'reviewer', 'senior-reviewer', 'auditor', 'customs')) {
    throw new ForbiddenError('Operators do not see usage records.');
  }
  const usages = await deps.licences.usages(licenceNumber);
  return usages.map((usage) => usageView(usage, actor));
}

export async function licenceAuditTrail(deps: Dependencies, actor: UserActor, licenceNumber: string) {
  await loadVisible(deps, actor, licenceNumber);
  return (await deps.licences.auditEvents(licenceNumber)).map((event) => licenceAuditView(event, actor));
}

export async function verifyLicenceAuditTrail(
  deps: Dependencies,
  actor: UserActor,
  licenceNumber: string,
): Promise<AnchoredVerification> {
  await loadVisible(deps, actor, licenceNumber);
  if (!hasRole(actor, 'auditor', 'operator'))
    throw new ForbiddenError('Only auditors and operators verify audit trails.');
  // Events first, then the head: a write landing in between shows as a longer chain, never as a break.
  for (let attempt = 1; ; attempt++) {
    const events = await deps.licences.auditEvents(licenceNumber);
    const licence = await deps.licences.get(licenceNumber);
    if (!licence) throw new NotFoundError('Licence not found.');
    const result = verifyChain(events, licence, 'licence');
    if (result.valid || attempt >= 3 || events.length >= licence.version)
      return checkAgainstCheckpoint(deps, 'licence', licenceNumber, events, result);
  }
}

/** `GET /verify/{number}`: no authentication; a wrong code is a 404, exactly like an unknown number. */
export async function verifyLicence(deps: Dependencies, licenceNumber: string, code: string | undefined) {
  const licence = await deps.licences.get(licenceNumber);
  if (!licence || (code !== undefined && !codeMatches(licence, code)))
    throw new NotFoundError('Licence not found.');
  return publicVerification(licence, code, deps.now());
}
