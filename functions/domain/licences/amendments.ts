import { isFinal, type Status } from '../applications/lifecycle.ts';
import { LicenceNotActiveError } from '../errors.ts';
import { type Application, type Details, DetailsSchema, type DocumentRecord } from '../schemas.ts';
import { toKg, toUsd } from './amounts.ts';
import type { LicenceGoods, LicenceRecord } from './schemas.ts';

/**
 * Amendments (DESIGN.md "Amendments (variation)"): the draft a holder starts from, when an
 * amendment counts as open, and what an approved amendment carries over from the licence it
 * supersedes.
 */

/** The new draft's details, prefilled from the licence (end use from the original application), and its documents. */
export function amendmentDraft(
  licence: LicenceRecord,
  original: Application | null,
): { details: Details; documents: DocumentRecord[] } {
  const goods = licence.goods.map(({ licensedGrams, licensedCents, usedGrams, usedCents, ...item }) => ({
    ...item,
    ...(licensedGrams > 0 ? { quantityKg: toKg(licensedGrams) } : {}),
    valueUsd: toUsd(licensedCents),
  }));
  const details = DetailsSchema.parse({
    exporter: licence.exporter,
    goods,
    consignee: licence.consignee,
    endUser: licence.endUser,
    ...(original?.endUse ? { endUse: original.endUse } : {}),
  });
  // References, not copies: the content stays with the application it was uploaded to.
  const documents = (original?.documents ?? []).map((document) => ({
    ...document,
    sourceApplicationId: document.sourceApplicationId ?? licence.applicationId,
  }));
  return { details, documents };
}

/**
 * The licence with `openAmendment` as it stands: an amendment stays open until its application
 * reaches a final status (a withdrawn, abandoned or denied one no longer blocks the next; an
 * appeal of a denied one reopens it). `status` is the amendment's status, null when it is gone.
 */
export function withOpenAmendment(licence: LicenceRecord, status: Status | null): LicenceRecord {
  if (licence.openAmendment === null || (status !== null && !isFinal(status))) return licence;
  return { ...licence, openAmendment: null };
}

/** The licence an amendment varies, which must still be ACTIVE when the amendment is approved. */
export function licenceToSupersede(licence: LicenceRecord | null, licenceNumber: string): LicenceRecord {
  if (!licence) throw new LicenceNotActiveError(licenceNumber, 'missing');
  if (licence.status !== 'ACTIVE') throw new LicenceNotActiveError(licenceNumber, licence.status);
  return licence;
}

const goodsKey = ({ element, form, controlCode }: LicenceGoods) =>
  JSON.stringify([element ?? null, form ?? null, controlCode ?? null]);

/**
 * Used amounts carried over per (element, form, controlCode): the amounts used under the old
 * licence for a key fill the new licence's items of that key in order, each up to its licensed
 * amount, and the last item of the key takes whatever is left (so nothing used is ever lost).
 * Keys the new licence no longer has carry nothing.
 */
export function carryOver(previous: readonly LicenceGoods[], next: readonly LicenceGoods[]): LicenceGoods[] {
  const pool = new Map<string, { grams: number; cents: number }>();
  for (const item of previous) {
    const used = pool.get(goodsKey(item)) ?? { grams: 0, cents: 0 };
    pool.set(goodsKey(item), { grams: used.grams + item.usedGrams, cents: used.cents + item.usedCents });
  }
  const lastIndexOf = new Map(next.map((item, index) => [goodsKey(item), index]));
  return next.map((item, index) => {
    const key = goodsKey(item);
    const left = pool.get(key);
    if (!left) return item;
    const last = lastIndexOf.get(key) === index;
    const grams = last ? left.grams : Math.min(left.grams, item.licensedGrams);
    const cents = last ? left.cents : Math.min(left.cents, item.licensedCents);
    pool.set(key, { grams: left.grams - grams, cents: left.cents - cents });
    return { ...item, usedGrams: item.usedGrams + grams, usedCents: item.usedCents + cents };
  });
}
