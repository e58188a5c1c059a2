import { UsageRefusedError, ValidationError } from '../errors.ts';
import { toCents, toGrams, toKg, toUsd, withTolerance } from './amounts.ts';
import type { LicenceActionBody, LicenceGoods, LicenceRecord } from './schemas.ts';

/**
 * Draw-down (DESIGN.md): a shipment is accepted when, for every item it names, used + shipped ≤
 * licensed × (1 + tolerance%) in quantity and in value; TECHNOLOGY is limited by value only. An
 * item is used up when its quantity or its value is; the licence is EXHAUSTED when every item is.
 */
export interface ShippedItem {
  goodsIndex: number;
  grams: number;
  cents: number;
}

export const shippedItems = (body: LicenceActionBody<'record-usage'>): ShippedItem[] =>
  body.items.map(({ goodsIndex, quantityKg, valueUsd }) => ({
    goodsIndex,
    grams: toGrams(quantityKg),
    cents: toCents(valueUsd),
  }));

const limitedByQuantity = (item: LicenceGoods): boolean => item.form !== 'TECHNOLOGY';

/** Used up: the licensed quantity (not for technology) or the licensed value is reached. */
export function isUsedUp(item: LicenceGoods): boolean {
  const quantityUsedUp =
    limitedByQuantity(item) && item.licensedGrams > 0 && item.usedGrams >= item.licensedGrams;
  const valueUsedUp = item.licensedCents > 0 && item.usedCents >= item.licensedCents;
  return quantityUsedUp || valueUsedUp;
}

export const isExhausted = (goods: readonly LicenceGoods[]): boolean => goods.every(isUsedUp);

/** What may still be shipped of an item, tolerance included (null: technology has no quantity limit). */
export function remaining(item: LicenceGoods, tolerancePercent: number) {
  const grams = Math.max(0, withTolerance(item.licensedGrams, tolerancePercent) - item.usedGrams);
  const cents = Math.max(0, withTolerance(item.licensedCents, tolerancePercent) - item.usedCents);
  return {
    remainingQuantityKg: limitedByQuantity(item) ? toKg(grams) : null,
    remainingValueUsd: toUsd(cents),
  };
}

/** The goods after the shipment, or 422 EXCEEDS_LICENCE with what remains of every named item. */
export function drawDown(
  goods: readonly LicenceGoods[],
  items: readonly ShippedItem[],
  tolerancePercent: number,
): LicenceGoods[] {
  const next = [...goods];
  let exceeded = false;
  for (const [position, shipped] of items.entries()) {
    const item = goods[shipped.goodsIndex];
    if (!item) {
      throw new ValidationError([
        { path: `items.${position}.goodsIndex`, message: `the licence has ${goods.length} goods items` },
      ]);
    }
    const usedGrams = item.usedGrams + shipped.grams;
    const usedCents = item.usedCents + shipped.cents;
    const quantityOk =
      !limitedByQuantity(item) || usedGrams <= withTolerance(item.licensedGrams, tolerancePercent);
    const valueOk = usedCents <= withTolerance(item.licensedCents, tolerancePercent);
    if (!quantityOk || !valueOk) exceeded = true;
    next[shipped.goodsIndex] = { ...item, usedGrams, usedCents };
  }
  if (exceeded) {
    throw new UsageRefusedError(
      'EXCEEDS_LICENCE',
      'The shipment exceeds what remains on the licence.',
      items.map(({ goodsIndex }) => {
        const item = goods[goodsIndex];
        return { goodsIndex, ...(item ? remaining(item, tolerancePercent) : {}) };
      }),
    );
  }
  return next;
}

/** The start of the whole second `iso` falls in. */
const secondOf = (iso: string) => Math.floor(Date.parse(iso) / 1000) * 1000;

/**
 * 422 OUTSIDE_VALIDITY: shipped in the future, outside validFrom–validTo, or the licence has run out.
 * A licence covers the whole second it was issued in: customs declarations are dated to the second,
 * and a shipment recorded "now" just after the issue must not fall before a validFrom with milliseconds.
 * Not an amendment's licence: in that second the licence it replaced was still in force, and a
 * declaration already drawn on that one (whose amounts this one carries) would count twice.
 */
export function checkValidity(licence: LicenceRecord, shippedAt: string, now: Date): void {
  const validTo = Date.parse(licence.validTo);
  if (now.getTime() >= validTo)
    throw new UsageRefusedError('OUTSIDE_VALIDITY', `The licence expired at ${licence.validTo}.`);
  const shipped = Date.parse(shippedAt);
  if (shipped > now.getTime()) throw new UsageRefusedError('OUTSIDE_VALIDITY', 'shippedAt is in the future.');
  const validFrom = licence.amends === null ? secondOf(licence.validFrom) : Date.parse(licence.validFrom);
  if (shipped < validFrom || shipped >= validTo) {
    throw new UsageRefusedError(
      'OUTSIDE_VALIDITY',
      `shippedAt is outside the validity ${licence.validFrom} – ${licence.validTo}.`,
    );
  }
}
