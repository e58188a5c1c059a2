import { hasRole } from '../access.ts';
import { asSeenByApplicant, withoutValues } from '../redaction.ts';
import type { Actor } from '../schemas.ts';
import { toKg, toUsd } from './amounts.ts';
import { allowedLicenceActions } from './apply-licence-action.ts';
import type { LicenceAction } from './lifecycle.ts';
import type { LicenceAuditEvent, LicenceGoods, LicenceRecord, UsageRecord } from './schemas.ts';
import { seesValues, seesVerificationCode } from './visibility.ts';

/**
 * Licences as each role sees them (API.md "Licence"): kg and USD as decimals, converted from the
 * stored grams and cents; operators without values; applicants see authority users by role; the
 * verification code only in the holder's and the authority's view of one licence.
 */
export interface LicenceGoodsView {
  description?: string | undefined;
  element?: string | undefined;
  form?: string | undefined;
  controlCode?: string | undefined;
  quantityKg: number;
  usedQuantityKg: number;
  remainingQuantityKg: number;
  valueUsd?: number;
  usedValueUsd?: number;
  remainingValueUsd?: number;
}

export type LicenceView = Omit<
  LicenceRecord,
  'goods' | 'auditHeadHash' | 'verificationCode' | 'openAmendment' | 'usageCount'
> & {
  goods: LicenceGoodsView[];
  openAmendment: string | null;
  allowedActions: LicenceAction[];
  verificationCode?: string;
};

export function goodsView(item: LicenceGoods, withValues: boolean): LicenceGoodsView {
  const { licensedGrams, licensedCents, usedGrams, usedCents, ...described } = item;
  const quantities = {
    quantityKg: toKg(licensedGrams),
    usedQuantityKg: toKg(usedGrams),
    remainingQuantityKg: toKg(Math.max(0, licensedGrams - usedGrams)),
  };
  if (!withValues) return { ...described, ...quantities };
  return {
    ...described,
    ...quantities,
    valueUsd: toUsd(licensedCents),
    usedValueUsd: toUsd(usedCents),
    remainingValueUsd: toUsd(Math.max(0, licensedCents - usedCents)),
  };
}

/** `single`: the view of one licence (GET /licences/{number}), which may carry the verification code. */
export function licenceView(licence: LicenceRecord, actor: Actor, single: boolean): LicenceView {
  const { auditHeadHash, verificationCode, usageCount, goods, ...stored } = licence;
  const applicant = hasRole(actor, 'applicant');
  const view: LicenceView = {
    ...stored,
    goods: goods.map((item) => goodsView(item, seesValues(actor))),
    suspension: stored.suspension && {
      ...stored.suspension,
      by: applicant ? stored.suspension.byRole : stored.suspension.by,
    },
    ended: stored.ended && { ...stored.ended, by: applicant ? stored.ended.byRole : stored.ended.by },
    allowedActions: allowedLicenceActions(licence, actor),
  };
  return single && seesVerificationCode(actor, licence) ? { ...view, verificationCode } : view;
}

export function usageView(usage: UsageRecord, actor: Actor) {
  const { items, recordedBy, ...rest } = usage;
  const byApplicant = usage.recordedByRole === 'applicant';
  return {
    ...rest,
    recordedBy: hasRole(actor, 'applicant') && !byApplicant ? usage.recordedByRole : recordedBy,
    items: items.map(({ goodsIndex, grams, cents }) => ({
      goodsIndex,
      quantityKg: toKg(grams),
      ...(seesValues(actor) ? { valueUsd: toUsd(cents) } : {}),
    })),
  };
}

export function licenceAuditView(event: LicenceAuditEvent, actor: Actor) {
  if (!seesValues(actor)) return { ...event, changes: withoutValues(event.changes) };
  if (!hasRole(actor, 'applicant')) return event;
  return { ...event, ...asSeenByApplicant(event.actor, event.changes) };
}
