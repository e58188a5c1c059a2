import { timingSafeEqual } from 'node:crypto';
import { toKg } from './amounts.ts';
import type { LicenceRecord } from './schemas.ts';

/**
 * What the authority signs and what `/verify` shows. Both carry no commercial values: the signed
 * payload is the licence's canonical JSON without values, re-signed on every status change.
 */
export { LICENCE_JWS_TYPE } from '../codes.ts';

const party = ({ name, country }: { name?: string | undefined; country?: string | undefined }) => ({
  name,
  country,
});

export function signedPayload(licence: LicenceRecord, at: Date): Record<string, unknown> {
  return {
    licenceNumber: licence.licenceNumber,
    status: licence.status,
    holderOrg: licence.orgId,
    exporter: party(licence.exporter),
    consignee: party(licence.consignee),
    endUser: party(licence.endUser),
    goods: licence.goods.map(({ description, element, form, controlCode, licensedGrams }) => ({
      description,
      element,
      form,
      controlCode,
      quantityKg: toKg(licensedGrams),
    })),
    validFrom: licence.validFrom,
    validTo: licence.validTo,
    conditions: licence.conditions,
    iat: Math.floor(at.getTime() / 1000),
  };
}

/** Compared in constant time, so the code cannot be guessed byte by byte. */
export function codeMatches(licence: LicenceRecord, code: string): boolean {
  const expected = Buffer.from(licence.verificationCode);
  const given = Buffer.from(code);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** `/verify`: status and validity for anyone; parties, goods without values and the signed document with the code. */
export function publicVerification(licence: LicenceRecord, code: string | undefined, now: Date) {
  const base = {
    licenceNumber: licence.licenceNumber,
    status: licence.status,
    validFrom: licence.validFrom,
    validTo: licence.validTo,
    checkedAt: now.toISOString(),
  };
  if (code === undefined) return base;
  return {
    ...base,
    exporter: party(licence.exporter),
    consignee: party(licence.consignee),
    endUser: party(licence.endUser),
    goods: licence.goods.map((item) => ({
      element: item.element,
      form: item.form,
      controlCode: item.controlCode,
      quantityKg: toKg(item.licensedGrams),
      remainingQuantityKg:
        item.form === 'TECHNOLOGY' ? null : toKg(Math.max(0, item.licensedGrams - item.usedGrams)),
    })),
    signed: licence.signed,
  };
}
