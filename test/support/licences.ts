/**
 * Licence fixtures, built like application fixtures: an application approved through the real
 * lifecycle, the licence issued from it with `issueLicence`, and every later state reached through
 * `applyLicenceAction`. Time advances one minute per action.
 */
import {
  applyLicenceAction,
  issueLicence,
  type LicenceContext,
  type LicenceInputs,
  type LicenceResult,
} from '#domain/licences/apply-licence-action.ts';
import type { LicenceAction, LicenceStatus } from '#domain/licences/lifecycle.ts';
import type {
  LicenceActionBody,
  LicenceAuditEvent,
  LicenceRecord,
  UsageRecord,
} from '#domain/licences/schemas.ts';
import type { Actor, Details, UserActor } from '#domain/schemas.ts';
import { applicationIn, completeDetails, MINUTE_MS, senior, system, testConfig } from './applications.ts';

export const customs = (sub = 'cora'): UserActor => ({ kind: 'user', sub, org: null, roles: ['customs'] });
export const VERIFICATION_CODE = 'AAAAAAAAAAAAAAAAAAAAAA';

export interface LicenceFlowOptions {
  details?: Details;
  tolerancePercent?: number;
}

type ExistingAction = Exclude<LicenceAction, 'issue'>;

export class LicenceFlow {
  licence: LicenceRecord;
  readonly events: LicenceAuditEvent[] = [];
  readonly usages = new Map<string, UsageRecord>();
  now: Date;
  readonly config;
  private requests = 0;

  constructor(options: LicenceFlowOptions = {}) {
    this.config = testConfig({ usageTolerancePercent: options.tolerancePercent ?? 0 });
    const approved = applicationIn('APPROVED', {
      config: this.config,
      details: options.details ?? completeDetails(),
    });
    this.now = approved.now;
    const issued = issueLicence(
      approved.application,
      system('approval'),
      { verificationCode: VERIFICATION_CODE },
      this.context(),
    );
    this.licence = issued.licence;
    this.events.push(issued.event);
  }

  context(extra: Partial<LicenceContext> = {}): LicenceContext {
    this.requests += 1;
    return { now: this.now, requestId: `lreq-${this.requests}`, config: this.config, ...extra };
  }

  advance(ms: number): this {
    this.now = new Date(this.now.getTime() + ms);
    return this;
  }

  get holder(): UserActor {
    return { kind: 'user', sub: 'alice', org: this.licence.orgId, roles: ['applicant'] };
  }

  apply<A extends ExistingAction>(action: A, actor: Actor, input: LicenceInputs[A]): LicenceResult {
    this.advance(MINUTE_MS);
    const result = applyLicenceAction(this.licence, action, actor, input, this.context());
    this.licence = result.licence;
    if (result.event) this.events.push(result.event);
    if (result.usage && !result.replayed) this.usages.set(result.usage.usageId, result.usage);
    return result;
  }

  /** The record-usage input as the use case builds it: the body and what the licence already holds. */
  usageInput(body: LicenceActionBody<'record-usage'>): LicenceInputs['record-usage'] {
    const sameDeclaration =
      [...this.usages.values()].find((usage) => usage.declarationRef === body.declarationRef) ?? null;
    return { body, sameId: this.usages.get(body.usageId) ?? null, sameDeclaration };
  }

  ship(
    actor: Actor,
    items: LicenceActionBody<'record-usage'>['items'],
    usageId = `u-${this.usages.size + 1}`,
  ) {
    const body = { usageId, shippedAt: this.now.toISOString(), declarationRef: `DEC-${usageId}`, items };
    return this.apply('record-usage', actor, this.usageInput(body));
  }
}

/** A licence in `status`, reached from its issue: suspended and revoked by senior reviewer sam. */
export function licenceIn(status: LicenceStatus, options: LicenceFlowOptions = {}): LicenceFlow {
  const flow = new LicenceFlow(options);
  switch (status) {
    case 'ACTIVE':
      break;
    case 'SUSPENDED':
      flow.apply('suspend', senior('sam'), { reasons: ['BREACH_OF_CONDITIONS'], note: 'Audit finding.' });
      break;
    case 'REVOKED':
      flow.apply('revoke', senior('sam'), { reasons: ['RISK_OF_DIVERSION'] });
      break;
    case 'SURRENDERED':
      flow.apply('surrender', flow.holder, { reason: 'Contract cancelled.' });
      break;
    case 'EXHAUSTED':
      flow.ship(
        flow.holder,
        flow.licence.goods.map((item, goodsIndex) => ({
          goodsIndex,
          quantityKg: item.licensedGrams / 1000,
          valueUsd: item.licensedCents / 100,
        })),
      );
      break;
    case 'EXPIRED':
      flow.advance(Date.parse(flow.licence.validTo) - flow.now.getTime());
      flow.apply('expire', system('licence-expiry'), {});
      break;
    case 'SUPERSEDED':
      flow.apply('supersede', system('approval'), { by: 'EXL-2099-000001' });
      break;
  }
  if (flow.licence.status !== status)
    throw new Error(`fixture reached ${flow.licence.status}, not ${status}`);
  return flow;
}
