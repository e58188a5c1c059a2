import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '#domain/errors.ts';
import { checkValidity } from '#domain/licences/draw-down.ts';
import type { LicenceGoods, LicenceRecord } from '#domain/licences/schemas.ts';
import { licenceView } from '#domain/licences/views.ts';
import type { GoodsItem } from '#domain/schemas.ts';
import { completeDetails, DAY_MS, operator, senior, thrownBy } from '../../../support/applications.ts';
import { customs, LicenceFlow, licenceIn } from '../../../support/licences.ts';

/** Restated from DESIGN.md: used up when the quantity (not for TECHNOLOGY) or the value is used up. */
const usedUp = (item: LicenceGoods) =>
  (item.form !== 'TECHNOLOGY' && item.usedGrams >= item.licensedGrams) ||
  item.usedCents >= item.licensedCents;

const goodsArbitrary = fc.array(
  fc.record({
    form: fc.constantFrom('MAGNET' as const, 'OXIDE' as const, 'TECHNOLOGY' as const),
    grams: fc.integer({ min: 1, max: 5_000_000 }),
    cents: fc.integer({ min: 1, max: 50_000_000 }),
  }),
  { minLength: 1, maxLength: 3 },
);
const shipmentsArbitrary = fc.array(
  fc.array(
    fc.record({
      goodsIndex: fc.integer({ min: 0, max: 2 }),
      grams: fc.integer({ min: 0, max: 3_000_000 }),
      cents: fc.integer({ min: 0, max: 30_000_000 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  { minLength: 1, maxLength: 8 },
);

function flowWith(
  goods: { form: GoodsItem['form']; grams: number; cents: number }[],
  tolerancePercent: number,
) {
  return new LicenceFlow({
    tolerancePercent,
    details: completeDetails({
      goods: goods.map(({ form, grams, cents }) => ({
        description: 'Rare earth item',
        element: 'TERBIUM',
        form,
        controlCode: '1C903',
        quantityKg: grams / 1000,
        valueUsd: cents / 100,
      })),
    }),
  });
}

const ceiling = (amount: number, tolerancePercent: number) =>
  Math.floor((amount * (100 + tolerancePercent)) / 100);

describe('draw-down properties', () => {
  it('never records more than licensed × (1 + tolerance) in quantity or value; EXHAUSTED exactly when every item is used up; a refused shipment changes nothing', () => {
    fc.assert(
      fc.property(
        goodsArbitrary,
        shipmentsArbitrary,
        fc.constantFrom(0, 5, 10),
        (goods, shipments, tolerance) => {
          const flow = flowWith(goods, tolerance);
          for (const [n, shipment] of shipments.entries()) {
            if (flow.licence.status !== 'ACTIVE') break;
            const items = [
              ...new Map(shipment.map((item) => [item.goodsIndex % goods.length, item])).entries(),
            ].map(([goodsIndex, item]) => ({
              goodsIndex,
              quantityKg: item.grams / 1000,
              valueUsd: item.cents / 100,
            }));
            const before: LicenceRecord = structuredClone(flow.licence);
            const eventsBefore = flow.events.length;
            try {
              flow.ship(flow.holder, items, `p-${n}`);
            } catch (error) {
              if (!(error instanceof DomainError) || error.code !== 'EXCEEDS_LICENCE') throw error;
              expect(flow.licence).toEqual(before);
              expect(flow.events).toHaveLength(eventsBefore);
            }
            for (const item of flow.licence.goods) {
              if (item.form !== 'TECHNOLOGY')
                expect(item.usedGrams).toBeLessThanOrEqual(ceiling(item.licensedGrams, tolerance));
              expect(item.usedCents).toBeLessThanOrEqual(ceiling(item.licensedCents, tolerance));
            }
            const after: LicenceRecord = flow.licence;
            expect(after.status === 'EXHAUSTED').toBe(flow.licence.goods.every(usedUp));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('adds decimal kg and USD exactly, as integer grams and cents', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            grams: fc.integer({ min: 1, max: 9_999 }),
            cents: fc.integer({ min: 1, max: 99_999 }),
          }),
          {
            minLength: 1,
            maxLength: 10,
          },
        ),
        (parts) => {
          const flow = licenceIn('ACTIVE');
          for (const [n, { grams, cents }] of parts.entries()) {
            flow.ship(
              customs(),
              [{ goodsIndex: 0, quantityKg: grams / 1000, valueUsd: cents / 100 }],
              `d-${n}`,
            );
          }
          const sumGrams = parts.reduce((sum, part) => sum + part.grams, 0);
          const sumCents = parts.reduce((sum, part) => sum + part.cents, 0);
          expect(flow.licence.goods[0]).toMatchObject({ usedGrams: sumGrams, usedCents: sumCents });
          expect(licenceView(flow.licence, customs(), false).goods[0]).toMatchObject({
            usedQuantityKg: sumGrams / 1000,
            usedValueUsd: sumCents / 100,
          });
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('draw-down rules', () => {
  it('stores 120.5 kg as 120500 g and shows 0.1 + 0.2 kg as exactly 0.3 kg', () => {
    const flow = licenceIn('ACTIVE');
    expect(flow.licence.goods[0]).toMatchObject({ licensedGrams: 120_500, licensedCents: 25_000_000 });
    flow.ship(flow.holder, [{ goodsIndex: 0, quantityKg: 0.1, valueUsd: 0.1 }]);
    flow.ship(customs(), [{ goodsIndex: 0, quantityKg: 0.2, valueUsd: 0.2 }]);
    expect(licenceView(flow.licence, flow.holder, true).goods[0]).toMatchObject({
      usedQuantityKg: 0.3,
      usedValueUsd: 0.3,
      remainingQuantityKg: 120.2,
    });
  });

  it('refuses more than remains with 422 EXCEEDS_LICENCE and the remaining amounts per item', () => {
    const flow = licenceIn('ACTIVE');
    flow.ship(flow.holder, [{ goodsIndex: 0, quantityKg: 100, valueUsd: 1000 }]);
    const error = thrownBy(() => flow.ship(flow.holder, [{ goodsIndex: 0, quantityKg: 20.6, valueUsd: 1 }]));
    expect(error).toMatchObject({
      status: 422,
      code: 'EXCEEDS_LICENCE',
      details: [{ goodsIndex: 0, remainingQuantityKg: 20.5, remainingValueUsd: 249_000 }],
    });
  });

  it('allows the tolerance on top of the licensed amount, and not a gram more', () => {
    const flow = licenceIn('ACTIVE', { tolerancePercent: 10 });
    expect(
      thrownBy(() => flow.ship(flow.holder, [{ goodsIndex: 0, quantityKg: 132.551, valueUsd: 1 }])).code,
    ).toBe('EXCEEDS_LICENCE');
    flow.ship(flow.holder, [{ goodsIndex: 0, quantityKg: 132.55, valueUsd: 1 }]);
    expect(flow.licence.status).toBe('EXHAUSTED');
  });

  it('limits TECHNOLOGY by value only', () => {
    const flow = licenceIn('ACTIVE', {
      details: completeDetails({
        goods: [
          {
            description: 'Process know-how',
            element: 'OTHER',
            form: 'TECHNOLOGY',
            controlCode: '1E902',
            valueUsd: 5000,
          },
        ],
      }),
    });
    flow.ship(customs(), [{ goodsIndex: 0, quantityKg: 999, valueUsd: 4000 }]);
    expect(flow.licence.status).toBe('ACTIVE');
    flow.ship(customs(), [{ goodsIndex: 0, quantityKg: 0, valueUsd: 1000 }]);
    expect(flow.licence.status).toBe('EXHAUSTED');
  });

  it('is EXHAUSTED only when every item is used up, by quantity or by value', () => {
    const goods = completeDetails().goods ?? [];
    const flow = licenceIn('ACTIVE', {
      details: completeDetails({ goods: [...goods, { ...goods[0], quantityKg: 10, valueUsd: 100 }] }),
    });
    flow.ship(flow.holder, [{ goodsIndex: 1, quantityKg: 1, valueUsd: 100 }]);
    expect(flow.licence.status).toBe('ACTIVE');
    flow.ship(flow.holder, [{ goodsIndex: 0, quantityKg: 120.5, valueUsd: 1 }]);
    expect(flow.licence).toMatchObject({ status: 'EXHAUSTED', ended: { status: 'EXHAUSTED', by: 'alice' } });
  });

  it('refuses shipments outside the validity (422 OUTSIDE_VALIDITY), also after validTo before the timer fires', () => {
    const flow = licenceIn('ACTIVE');
    const ship = (shippedAt: string) =>
      thrownBy(() =>
        flow.apply(
          'record-usage',
          customs(),
          flow.usageInput({
            usageId: `v-${shippedAt}`,
            shippedAt,
            declarationRef: `D-${shippedAt}`,
            items: [{ goodsIndex: 0, quantityKg: 1, valueUsd: 1 }],
          }),
        ),
      ).code;
    expect(ship(new Date(flow.now.getTime() + DAY_MS).toISOString())).toBe('OUTSIDE_VALIDITY');
    const issuedSecond = Math.floor(Date.parse(flow.licence.validFrom) / 1000) * 1000;
    expect(ship(new Date(issuedSecond - 1).toISOString())).toBe('OUTSIDE_VALIDITY');
    flow.advance(Date.parse(flow.licence.validTo) - flow.now.getTime());
    expect(flow.licence.status).toBe('ACTIVE');
    expect(ship(new Date(Date.parse(flow.licence.validTo) - DAY_MS).toISOString())).toBe('OUTSIDE_VALIDITY');
  });

  it('accepts a shipment dated to the whole second the licence was issued in, not the second before', () => {
    const flow = licenceIn('ACTIVE');
    const issuedAt = new Date(Date.parse(flow.licence.validFrom) + 300);
    const licence = { ...flow.licence, validFrom: issuedAt.toISOString() };
    const second = Math.floor(issuedAt.getTime() / 1000) * 1000;
    const now = new Date(issuedAt.getTime() + 500);
    expect(() =>
      checkValidity(licence, new Date(second).toISOString().replace(/\.\d{3}Z$/, 'Z'), now),
    ).not.toThrow();
    expect(() => checkValidity(licence, new Date(second - 1).toISOString(), now)).toThrow(
      /outside the validity/,
    );
  });

  it("does not extend an amendment's licence to its second: the licence it replaced covered that", () => {
    const flow = licenceIn('ACTIVE');
    const issuedAt = new Date(Date.parse(flow.licence.validFrom) + 300);
    const amendment = { ...flow.licence, validFrom: issuedAt.toISOString(), amends: 'L-2026-000001' };
    const second = Math.floor(issuedAt.getTime() / 1000) * 1000;
    const now = new Date(issuedAt.getTime() + 500);
    expect(() => checkValidity(amendment, new Date(second).toISOString(), now)).toThrow(
      /outside the validity/,
    );
    expect(() => checkValidity(amendment, issuedAt.toISOString(), now)).not.toThrow();
  });

  it('refuses usage on a suspended licence with 409 INVALID_TRANSITION', () => {
    const flow = licenceIn('SUSPENDED');
    expect(
      thrownBy(() => flow.ship(customs(), [{ goodsIndex: 0, quantityKg: 1, valueUsd: 1 }])),
    ).toMatchObject({
      status: 409,
      code: 'INVALID_TRANSITION',
    });
  });
});

describe('usage ids and declarations', () => {
  const body = (usageId: string, declarationRef: string, quantityKg = 1) => ({
    usageId,
    shippedAt: '2025-06-02T12:00:00.000Z',
    declarationRef,
    items: [{ goodsIndex: 0, quantityKg, valueUsd: 100 }],
  });

  it('answers the same usageId with the same body with its first record and changes nothing, even after the licence changed', () => {
    const flow = licenceIn('ACTIVE');
    flow.advance(DAY_MS);
    const first = flow.apply('record-usage', customs(), flow.usageInput(body('u-1', 'DEC-1')));
    flow.apply('suspend', senior('sam'), { reasons: ['SANCTIONS'] });
    const version = flow.licence.version;
    const again = flow.apply('record-usage', flow.holder, flow.usageInput(body('u-1', 'DEC-1')));
    expect(again).toMatchObject({ event: null, replayed: true, usage: first.usage });
    expect(flow.licence.version).toBe(version);
    expect(flow.licence.goods[0]?.usedGrams).toBe(1000);
  });

  it('refuses the same usageId with another body (422 USAGE_ID_REUSED)', () => {
    const flow = licenceIn('ACTIVE');
    flow.advance(DAY_MS);
    flow.apply('record-usage', customs(), flow.usageInput(body('u-1', 'DEC-1')));
    expect(
      thrownBy(() => flow.apply('record-usage', customs(), flow.usageInput(body('u-1', 'DEC-1', 2)))),
    ).toMatchObject({
      status: 422,
      code: 'USAGE_ID_REUSED',
    });
  });

  it('counts a customs declaration once, whoever reports it (422 USAGE_ID_REUSED under a new id)', () => {
    const flow = licenceIn('ACTIVE');
    flow.advance(DAY_MS);
    flow.apply('record-usage', flow.holder, flow.usageInput(body('holder-1', 'DEC-7')));
    expect(
      thrownBy(() => flow.apply('record-usage', customs(), flow.usageInput(body('customs-1', 'DEC-7')))),
    ).toMatchObject({
      code: 'USAGE_ID_REUSED',
    });
    expect(flow.licence.usageCount).toBe(1);
  });
});

describe('licence views', () => {
  it('hides values from operators and the verification code from lists, customs and operators', () => {
    const flow = licenceIn('ACTIVE');
    expect(licenceView(flow.licence, operator(), true).goods[0]).not.toHaveProperty('valueUsd');
    expect(licenceView(flow.licence, operator(), true)).not.toHaveProperty('verificationCode');
    expect(licenceView(flow.licence, customs(), true)).not.toHaveProperty('verificationCode');
    expect(licenceView(flow.licence, customs(), true).goods[0]).toHaveProperty('valueUsd', 250_000);
    expect(licenceView(flow.licence, flow.holder, false)).not.toHaveProperty('verificationCode');
    expect(licenceView(flow.licence, flow.holder, true)).toHaveProperty('verificationCode');
    expect(licenceView(flow.licence, senior(), true)).toHaveProperty('verificationCode');
    expect(licenceView(flow.licence, flow.holder, true)).not.toHaveProperty('auditHeadHash');
  });

  it('shows the holder who suspended by role only', () => {
    const flow = licenceIn('SUSPENDED');
    expect(licenceView(flow.licence, flow.holder, true).suspension).toMatchObject({ by: 'senior-reviewer' });
    expect(licenceView(flow.licence, senior('sue'), true).suspension).toMatchObject({ by: 'sam' });
  });
});
