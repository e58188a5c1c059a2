import { describe, expect, it } from 'vitest';
import { ELEMENTS, FORMS } from '#domain/schemas.ts';
import calendar from '../../data/calendar.json' with { type: 'json' };
import catalogue from '../../data/controlled-items.json' with { type: 'json' };

describe('regime data', () => {
  it('offers exactly the catalogue elements and forms in the API schema', () => {
    expect(catalogue.elements.map((entry) => entry.element)).toEqual([...ELEMENTS]);
    expect(catalogue.forms).toEqual([...FORMS]);
  });

  it('lists calendar dates as valid, sorted, non-overlapping local dates', () => {
    for (const list of [calendar.holidays, calendar.extraWorkingDays]) {
      for (const day of list) expect(new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10)).toBe(day);
      expect([...list].sort()).toEqual(list);
    }
    expect(calendar.holidays.filter((day) => calendar.extraWorkingDays.includes(day))).toEqual([]);
  });

  it('marks extra working days only on weekends', () => {
    for (const day of calendar.extraWorkingDays)
      expect([0, 6]).toContain(new Date(`${day}T00:00:00Z`).getUTCDay());
  });
});
