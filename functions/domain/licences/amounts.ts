/**
 * Licence amounts: kg and USD as decimals outside, integer grams and cents inside, so sums and
 * "used up" are exact. Inputs have at most 3 (kg) and 2 (USD) decimals (the schemas check), so
 * rounding the scaled value only removes binary floating-point noise (120.5 kg → 120500 g).
 */
export const toGrams = (kg: number): number => Math.round(kg * 1000);
export const toCents = (usd: number): number => Math.round(usd * 100);
/** Integer division by a power of ten prints as the exact decimal (120500 g → 120.5). */
export const toKg = (grams: number): number => grams / 1000;
export const toUsd = (cents: number): number => cents / 100;

/** `amount × (1 + percent/100)`, rounded down to a whole unit, in exact integer arithmetic. */
export function withTolerance(amount: number, tolerancePercent: number): number {
  const basisPoints = BigInt(Math.round(tolerancePercent * 100));
  return Number((BigInt(amount) * (10_000n + basisPoints)) / 10_000n);
}
