import { checkPerformer, displayRole, mayPerform } from '../access.ts';
import { GENESIS_HASH, sealTransition } from '../audit.ts';
import type { DomainConfig } from '../config.ts';
import {
  AmendmentOpenError,
  InvalidTransitionError,
  NotFoundError,
  PreconditionFailedError,
  SeparationOfDutiesError,
  UsageRefusedError,
} from '../errors.ts';
import type { Actor, Application, UserActor } from '../schemas.ts';
import { carryOver } from './amendments.ts';
import { toCents, toGrams } from './amounts.ts';
import { checkValidity, drawDown, isExhausted, shippedItems } from './draw-down.ts';
import {
  isEnded,
  LICENCE_ACTIONS,
  LICENCE_TRANSITIONS,
  type LicenceAction,
  type LicenceStatus,
} from './lifecycle.ts';
import type {
  LicenceActionBody,
  LicenceAuditEvent,
  LicenceGoods,
  LicenceRecord,
  UsageRecord,
} from './schemas.ts';
import { canSeeLicence } from './visibility.ts';

/**
 * `applyLicenceAction`: the one function that changes licences, for the API, the approval, the
 * expiry timers and the tests. Precedence as for applications: visibility (404), role (403),
 * If-Match (412), a replayed usage (its first result), status (409), actor rules (403), then the
 * action's own rules (422). Returns the next licence with its sealed audit event.
 */
export interface LicenceContext {
  now: Date;
  requestId: string;
  config: DomainConfig;
  ifMatch?: number | undefined;
}

export interface LicenceInputs {
  /** The approved application (its `licence` holds number, validity, conditions and goods). */
  issue: { application: Application; verificationCode: string };
  /** The body, and what the licence already holds under its usageId and its declarationRef. */
  'record-usage': {
    body: LicenceActionBody<'record-usage'>;
    sameId: UsageRecord | null;
    sameDeclaration: UsageRecord | null;
  };
  suspend: LicenceActionBody<'suspend'>;
  reinstate: LicenceActionBody<'reinstate'>;
  revoke: LicenceActionBody<'revoke'>;
  surrender: LicenceActionBody<'surrender'>;
  expire: Record<string, never>;
  /** The variation application the caller created for this amendment. */
  amend: { applicationId: string };
  supersede: { by: string };
}

export interface LicenceResult {
  licence: LicenceRecord;
  /** Null when nothing changed (a replayed usage, an expiry of an ended licence or before its time). */
  event: LicenceAuditEvent | null;
  /** The usage record to store (a new one), or the first one again for a replay. */
  usage?: UsageRecord;
  replayed?: boolean;
  wakeAt?: string;
}

interface LicenceChange {
  next: LicenceRecord;
  changes: Record<string, unknown>;
  reasons?: string[];
  usage?: UsageRecord;
}
type Outcome = LicenceChange | { wakeAt: string } | null;

interface Step {
  actor: Actor;
  context: LicenceContext;
  at: string;
  sub: string;
  role: string;
}

interface Definition<A extends LicenceAction> {
  apply: (licence: LicenceRecord, input: ActionInput<A>, step: Step) => Outcome;
  actorRule?: (licence: LicenceRecord, actor: UserActor) => Error | null;
  offered?: (licence: LicenceRecord) => boolean;
  /** Checked before the status: a repeated request answers its first result, whatever happened since. */
  replay?: (licence: LicenceRecord, input: ActionInput<A>) => UsageRecord | null;
  /** A system action on an ended licence is a no-op, not a 409. */
  noOpWhenEnded?: boolean;
}
type ActionInput<A extends LicenceAction> = LicenceInputs[A];
type ExistingAction = Exclude<LicenceAction, 'issue'>;

const by = ({ at, sub, role }: Step) => ({ by: sub, byRole: role, at });
const ended = (
  licence: LicenceRecord,
  status: LicenceStatus,
  step: Step,
  reasons: string[] = [],
  note: string | null = null,
): LicenceRecord => ({ ...licence, status, suspension: null, ended: { status, reasons, note, ...by(step) } });

const DEFINITIONS: { [A in ExistingAction]: Definition<A> } = {
  'record-usage': {
    replay(_licence, { body, sameId }) {
      if (!sameId) return null;
      if (sameUsage(sameId, body)) return sameId;
      throw new UsageRefusedError(
        'USAGE_ID_REUSED',
        `Usage ${body.usageId} was already recorded with another body.`,
      );
    },
    apply(licence, { body, sameDeclaration }, step) {
      if (sameDeclaration) {
        throw new UsageRefusedError(
          'USAGE_ID_REUSED',
          `Declaration ${body.declarationRef} is already recorded on this licence as usage ${sameDeclaration.usageId}.`,
        );
      }
      checkValidity(licence, body.shippedAt, step.context.now);
      const items = shippedItems(body);
      const goods = drawDown(licence.goods, items, step.context.config.usageTolerancePercent);
      const usage: UsageRecord = {
        usageId: body.usageId,
        licenceNumber: licence.licenceNumber,
        shippedAt: body.shippedAt,
        declarationRef: body.declarationRef,
        items,
        recordedAt: step.at,
        recordedBy: step.sub,
        recordedByRole: step.role,
        requestId: step.context.requestId,
      };
      const status: LicenceStatus = isExhausted(goods) ? 'EXHAUSTED' : 'ACTIVE';
      const next: LicenceRecord = { ...licence, goods, usageCount: licence.usageCount + 1, status };
      return {
        next: status === 'EXHAUSTED' ? ended(next, status, step) : next,
        changes: {
          usage: {
            usageId: body.usageId,
            declarationRef: body.declarationRef,
            shippedAt: body.shippedAt,
            items: body.items,
          },
        },
        usage,
      };
    },
  },
  suspend: {
    apply: (licence, { reasons, note }, step) => ({
      next: { ...licence, status: 'SUSPENDED', suspension: { reasons, note: note ?? null, ...by(step) } },
      changes: { reasons, note: note ?? null },
      reasons,
    }),
  },
  reinstate: {
    actorRule: (licence, actor) =>
      licence.suspension?.by === actor.sub ? new SeparationOfDutiesError() : null,
    apply: (licence, { note }) => ({
      next: { ...licence, status: 'ACTIVE', suspension: null },
      changes: { note: note ?? null, suspension: licence.suspension },
    }),
  },
  revoke: {
    apply: (licence, { reasons, note }, step) => ({
      next: ended(licence, 'REVOKED', step, reasons, note ?? null),
      changes: { reasons, note: note ?? null },
      reasons,
    }),
  },
  surrender: {
    apply: (licence, { reason }, step) => ({
      next: ended(licence, 'SURRENDERED', step, [], reason),
      changes: { reason },
    }),
  },
  expire: {
    noOpWhenEnded: true,
    apply(licence, _input, step) {
      if (step.context.now.getTime() < Date.parse(licence.validTo)) return { wakeAt: licence.validTo };
      return { next: ended(licence, 'EXPIRED', step), changes: { validTo: licence.validTo } };
    },
  },
  amend: {
    offered: (licence) => licence.openAmendment === null,
    apply(licence, { applicationId }) {
      if (licence.openAmendment !== null) throw new AmendmentOpenError(licence.openAmendment);
      return { next: { ...licence, openAmendment: applicationId }, changes: { applicationId } };
    },
  },
  supersede: {
    apply: (licence, { by: newLicence }, step) => ({
      next: { ...ended(licence, 'SUPERSEDED', step), supersededBy: newLicence },
      changes: { supersededBy: newLicence },
    }),
  },
};

function sameUsage(stored: UsageRecord, body: LicenceActionBody<'record-usage'>): boolean {
  if (stored.shippedAt !== body.shippedAt && Date.parse(stored.shippedAt) !== Date.parse(body.shippedAt))
    return false;
  if (stored.declarationRef !== body.declarationRef) return false;
  const items = shippedItems(body);
  return (
    stored.items.length === items.length &&
    stored.items.every(
      (item, index) =>
        item.goodsIndex === items[index]?.goodsIndex &&
        item.grams === items[index]?.grams &&
        item.cents === items[index]?.cents,
    )
  );
}

const statusAllows = (action: LicenceAction, status: LicenceStatus): boolean =>
  (LICENCE_TRANSITIONS[action].from as readonly LicenceStatus[]).includes(status);

function actorRuleRefusal<A extends ExistingAction>(
  licence: LicenceRecord,
  definition: Definition<A>,
  actor: Actor,
) {
  return actor.kind === 'system' || !definition.actorRule ? null : definition.actorRule(licence, actor);
}

/** What the caller may do with this licence now: role-, status- and actor-rule-aware. */
export function allowedLicenceActions(licence: LicenceRecord, actor: Actor): LicenceAction[] {
  if (!canSeeLicence(actor, licence)) return [];
  return LICENCE_ACTIONS.filter((action): action is ExistingAction => {
    if (action === 'issue' || !statusAllows(action, licence.status)) return false;
    if (!mayPerform(LICENCE_TRANSITIONS[action].by, actor)) return false;
    const { offered, actorRule } = DEFINITIONS[action];
    if (offered && !offered(licence)) return false;
    return actor.kind === 'system' || !actorRule || actorRule(licence, actor) === null;
  });
}

export function applyLicenceAction<A extends ExistingAction>(
  licence: LicenceRecord | null,
  action: A,
  actor: Actor,
  input: LicenceInputs[A],
  context: LicenceContext,
): LicenceResult {
  if (!licence || !canSeeLicence(actor, licence)) throw new NotFoundError('Licence not found.');
  checkPerformer(action, LICENCE_TRANSITIONS[action].by, actor);
  if (context.ifMatch !== undefined && context.ifMatch !== licence.version) {
    throw new PreconditionFailedError(context.ifMatch, licence.version);
  }
  const definition: Definition<A> = DEFINITIONS[action];
  const replayed = definition.replay?.(licence, input);
  if (replayed) return { licence, event: null, usage: replayed, replayed: true };
  if (definition.noOpWhenEnded && isEnded(licence.status)) return { licence, event: null };
  if (!statusAllows(action, licence.status)) {
    throw new InvalidTransitionError(
      action,
      licence.status,
      allowedLicenceActions(licence, actor),
      'licence',
    );
  }
  const refusal = actorRuleRefusal(licence, definition, actor);
  if (refusal) throw refusal;
  const step = { actor, context, at: context.now.toISOString(), sub: actor.sub, role: displayRole(actor) };
  const outcome = definition.apply(licence, input, step);
  if (outcome === null) return { licence, event: null };
  if ('wakeAt' in outcome) return { licence, event: null, wakeAt: outcome.wakeAt };
  return seal(licence, outcome, action, actor, context);
}

/**
 * `issue`: the new licence of an approved application, with its first audit event. For an
 * amendment, `amended` is the licence it supersedes: its used amounts carry over.
 */
export function issueLicence(
  application: Application,
  actor: Actor,
  { verificationCode, amended }: { verificationCode: string; amended?: LicenceRecord | undefined },
  context: LicenceContext,
): LicenceResult & { event: LicenceAuditEvent } {
  checkPerformer('issue', LICENCE_TRANSITIONS.issue.by, actor);
  const issued = application.licence;
  if (application.status !== 'APPROVED' || !issued) {
    throw new InvalidTransitionError('issue', application.status, []);
  }
  const at = context.now.toISOString();
  const licensed: LicenceGoods[] = issued.goods.map(({ quantityKg, valueUsd, ...item }) => ({
    ...item,
    licensedGrams: toGrams(quantityKg ?? 0),
    licensedCents: toCents(valueUsd ?? 0),
    usedGrams: 0,
    usedCents: 0,
  }));
  const goods = amended ? carryOver(amended.goods, licensed) : licensed;
  const next: LicenceRecord = {
    licenceNumber: issued.licenceNumber,
    applicationId: application.applicationId,
    orgId: application.orgId,
    status: 'ACTIVE',
    version: 0,
    issuedAt: at,
    updatedAt: at,
    validFrom: issued.validFrom,
    validTo: issued.validTo,
    conditions: issued.conditions,
    exporter: application.exporter ?? {},
    consignee: application.consignee ?? {},
    endUser: application.endUser ?? {},
    goods,
    suspension: null,
    ended: null,
    supersededBy: null,
    amends: amended?.licenceNumber ?? null,
    openAmendment: null,
    usageCount: 0,
    verificationCode,
    signed: null,
    auditHeadHash: GENESIS_HASH,
  };
  const changes = {
    applicationId: application.applicationId,
    validFrom: issued.validFrom,
    validTo: issued.validTo,
    conditions: issued.conditions,
    goods: issued.goods,
    ...(amended
      ? {
          amends: amended.licenceNumber,
          carriedOver: goods.map(({ usedGrams, usedCents }) => ({ usedGrams, usedCents })),
        }
      : {}),
  };
  const result = seal(null, { next, changes }, 'issue', actor, context);
  if (!result.event) throw new Error('an issued licence has its first event');
  return { ...result, event: result.event };
}

function seal(
  previous: LicenceRecord | null,
  { next, changes, reasons = [], usage }: LicenceChange,
  action: LicenceAction,
  actor: Actor,
  context: LicenceContext,
): LicenceResult {
  const at = context.now.toISOString();
  const fromStatus = previous?.status ?? null;
  const transition = { action, actor, fromStatus, toStatus: next.status, changes, reasons };
  const event = sealTransition(next, { licenceNumber: next.licenceNumber }, transition, context);
  const licence: LicenceRecord = { ...next, version: event.seq, updatedAt: at, auditHeadHash: event.hash };
  return usage ? { licence, event, usage } : { licence, event };
}
