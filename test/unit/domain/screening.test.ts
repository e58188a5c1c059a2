import { describe, expect, it } from 'vitest';
import {
  type DeniedPartyList,
  DeniedPartyListSchema,
  FUZZY_MATCH_THRESHOLD,
  hadRecentApprovalForEndUser,
  nameSimilarity,
  screenApplication,
} from '#domain/applications/screening.ts';
import type { Details } from '#domain/schemas.ts';
import {
  applicant,
  applicationIn,
  completeDetails,
  DAY_MS,
  draftApplication,
} from '../../support/applications.ts';

const deniedParties = (...parties: { name: string; country?: string }[]): DeniedPartyList => ({
  version: '2025-06-01.1',
  updatedAt: '2025-06-01T00:00:00Z',
  parties: parties.map((party) => ({
    ...party,
    listedAt: '2025-01-01',
    source: 'MOFCOM unreliable entity list',
  })),
});
const submitted = (details: Details) => applicationIn('SUBMITTED', { details }).application;
const withEndUser = (name: string, country = 'DE', type: 'COMMERCIAL' | 'MILITARY' = 'COMMERCIAL') =>
  completeDetails({ endUser: { name, country, address: 'Somewhere 1', type } });

describe('nameSimilarity', () => {
  it('is 1 for equal names, 0 for nothing in common, and in between otherwise', () => {
    expect(nameSimilarity('ACME', 'ACME')).toBe(1);
    expect(nameSimilarity('', '')).toBe(1);
    expect(nameSimilarity('ABCD', 'WXYZ')).toBe(0);
    expect(nameSimilarity('ACME MAGNETICS', 'ACME MAGNETIKS')).toBeCloseTo(1 - 1 / 14);
  });
});

describe('screenApplication', () => {
  it('clears an application with no listed party', () => {
    const result = screenApplication(
      submitted(completeDetails()),
      deniedParties({ name: 'Evil Corp' }),
      false,
    );
    expect(result.action).toBe('screening-cleared');
    expect(result.outcome).toMatchObject({ flags: [], recentApprovalForEndUser: false });
    expect(result.outcome.report).toMatchObject({
      listVersion: '2025-06-01.1',
      fuzzyThreshold: FUZZY_MATCH_THRESHOLD,
    });
  });

  it('matches a listed end user exactly after normalisation', () => {
    const application = submitted(withEndUser('Northern Defence Industries Co., Ltd.'));
    const result = screenApplication(
      application,
      deniedParties({ name: 'NORTHERN DEFENCE INDUSTRIES' }),
      false,
    );
    expect(result.action).toBe('screening-matched');
    expect(result.outcome.report).toMatchObject({
      parties: expect.arrayContaining([
        expect.objectContaining({
          role: 'endUser',
          match: expect.objectContaining({ exact: true, score: 1 }),
        }),
      ]),
    });
  });

  it('flags a close but not exact name as a potential match and still clears', () => {
    const application = submitted(withEndUser('Northern Defense Industries'));
    const result = screenApplication(
      application,
      deniedParties({ name: 'Northern Defence Industries' }),
      true,
    );
    expect(result.action).toBe('screening-cleared');
    expect(result.outcome.flags).toEqual(['POTENTIAL_DENIED_PARTY_MATCH']);
    expect(result.outcome.recentApprovalForEndUser).toBe(true);
  });

  it('treats the same name in another country as a potential match, not an exact one', () => {
    const application = submitted(withEndUser('Northern Defence Industries', 'DE'));
    const result = screenApplication(
      application,
      deniedParties({ name: 'Northern Defence Industries', country: 'RU' }),
      false,
    );
    expect(result.action).toBe('screening-cleared');
    expect(result.outcome.flags).toEqual(['POTENTIAL_DENIED_PARTY_MATCH']);
  });

  it('ignores names below the fuzzy threshold', () => {
    const application = submitted(withEndUser('Southern Bakery'));
    const result = screenApplication(
      application,
      deniedParties({ name: 'Northern Defence Industries' }),
      false,
    );
    expect(result).toMatchObject({ action: 'screening-cleared', outcome: { flags: [] } });
  });

  it('refuses a military end use or end user before looking at the list', () => {
    const militaryUse = completeDetails({ endUse: { description: 'Missile guidance', military: true } });
    expect(screenApplication(submitted(militaryUse), deniedParties(), false).action).toBe(
      'screening-refused',
    );
    const militaryUser = withEndUser('Northern Defence Industries', 'DE', 'MILITARY');
    const list = deniedParties({ name: 'Northern Defence Industries' });
    expect(screenApplication(submitted(militaryUser), list, false).action).toBe('screening-refused');
  });

  it('checks exporter, consignee and end user and reports each one', () => {
    const result = screenApplication(submitted(completeDetails()), deniedParties({ name: 'X' }), false);
    const parties = (result.outcome.report as { parties: { role: string }[] }).parties;
    expect(parties.map((party) => party.role)).toEqual(['exporter', 'consignee', 'endUser']);
  });

  it('skips a party without a name', () => {
    const application = { ...submitted(completeDetails()), consignee: { country: 'DE' } };
    const parties = (
      screenApplication(application, deniedParties(), false).outcome.report as { parties: unknown[] }
    ).parties;
    expect(parties).toHaveLength(2);
  });

  it('validates the denied-party list data file shape', () => {
    expect(() =>
      DeniedPartyListSchema.parse(deniedParties({ name: 'Evil Corp', country: 'XX' })),
    ).not.toThrow();
    expect(() => DeniedPartyListSchema.parse({ ...deniedParties(), extra: true })).toThrow();
  });
});

describe('hadRecentApprovalForEndUser', () => {
  const approvedFor = (details: Details, orgOwner = applicant()) =>
    applicationIn('APPROVED', { details, owner: orgOwner }).application;

  it('is true for an approval of the same org for the same end user within 12 months', () => {
    const earlier = approvedFor(withEndUser('Motoren-Werke GmbH'));
    const current = draftApplication({ details: withEndUser('MOTOREN WERKE') }).application;
    const decidedAt = Date.parse(earlier.decision?.decidedAt ?? '');
    expect(hadRecentApprovalForEndUser(current, [earlier], new Date(decidedAt + 300 * DAY_MS))).toBe(true);
  });

  it('is false after 12 months, for another country, another org or the application itself', () => {
    const earlier = approvedFor(withEndUser('Motoren Werke'));
    const decidedAt = Date.parse(earlier.decision?.decidedAt ?? '');
    const current = draftApplication({ details: withEndUser('Motoren Werke') }).application;
    expect(hadRecentApprovalForEndUser(current, [earlier], new Date(decidedAt + 400 * DAY_MS))).toBe(false);
    const elsewhere = draftApplication({ details: withEndUser('Motoren Werke', 'AT') }).application;
    expect(hadRecentApprovalForEndUser(elsewhere, [earlier], new Date(decidedAt + DAY_MS))).toBe(false);
    const otherOrg = draftApplication({
      details: withEndUser('Motoren Werke'),
      owner: applicant('bob', 'globex'),
    }).application;
    expect(hadRecentApprovalForEndUser(otherOrg, [earlier], new Date(decidedAt + DAY_MS))).toBe(false);
    expect(hadRecentApprovalForEndUser(earlier, [earlier], new Date(decidedAt + DAY_MS))).toBe(false);
  });

  it('is false without an end user name and country', () => {
    const earlier = approvedFor(withEndUser('Motoren Werke'));
    const current = draftApplication({ details: { endUser: { name: 'Motoren Werke' } } }).application;
    expect(hadRecentApprovalForEndUser(current, [earlier], new Date())).toBe(false);
  });
});
