import { describe, expect, it } from 'vitest';
import { applyAction } from '#domain/applications/apply-action.ts';
import type { Status } from '#domain/applications/lifecycle.ts';
import { assignLane } from '#domain/applications/rules.ts';
import {
  amendmentDraft,
  carryOver,
  licenceToSupersede,
  withOpenAmendment,
} from '#domain/licences/amendments.ts';
import { issueLicence } from '#domain/licences/apply-licence-action.ts';
import type { LicenceGoods } from '#domain/licences/schemas.ts';
import type { Application } from '#domain/schemas.ts';
import {
  applicant,
  applicationIn,
  completeDetails,
  screeningOutcome,
  system,
  thrownBy,
} from '../../../support/applications.ts';
import { licenceIn, VERIFICATION_CODE } from '../../../support/licences.ts';

const goods = (
  element: LicenceGoods['element'],
  licensed: number,
  used: number,
  form: LicenceGoods['form'] = 'MAGNET',
): LicenceGoods => ({
  element,
  form,
  controlCode: '1C902.b',
  licensedGrams: licensed,
  licensedCents: licensed,
  usedGrams: used,
  usedCents: used,
});

/** The approved original (with its three documents), its ACTIVE licence, and the amendment alice opens. */
function amendment() {
  const original = applicationIn('APPROVED');
  const context = { now: original.now, requestId: 'amend', config: original.config };
  const { licence } = issueLicence(
    original.application,
    system('approval'),
    { verificationCode: VERIFICATION_CODE },
    context,
  );
  const { details, documents } = amendmentDraft(licence, original.application);
  const created = applyAction(null, 'create', applicant(), details, {
    ...context,
    applicationId: 'app_variation',
    amendment: { licenceNumber: licence.licenceNumber, documents },
  });
  return { original, licence, created, context };
}

describe('amendments (variation of a licence)', () => {
  it('starts a DRAFT prefilled from the licence, amending it, with references to the original documents', () => {
    const { original, licence, created } = amendment();
    const { application, event } = created;
    expect(application).toMatchObject({
      status: 'DRAFT',
      amends: licence.licenceNumber,
      exporter: completeDetails().exporter,
      consignee: completeDetails().consignee,
      endUser: completeDetails().endUser,
      endUse: completeDetails().endUse,
      goods: completeDetails().goods,
    });
    expect(original.application.documents).toHaveLength(3);
    expect(application.documents).toEqual(
      original.application.documents.map((document) => ({
        ...document,
        sourceApplicationId: original.application.applicationId,
      })),
    );
    expect(event?.changes).toMatchObject({ amends: licence.licenceNumber });
  });

  it('counts the referenced documents for submit: no upload is needed', () => {
    const { created, context } = amendment();
    const details = applyAction(created.application, 'complete-details', applicant(), {}, context);
    const submitted = applyAction(
      details.application,
      'submit',
      applicant(),
      { declaration: { accurate: true, signedBy: 'Alice' } },
      context,
    );
    expect(submitted.application.status).toBe('SUBMITTED');
  });

  it('keeps a reference to the first upload when an amendment is amended again', () => {
    const { licence, created } = amendment();
    const again = amendmentDraft({ ...licence, applicationId: 'app_variation' }, created.application);
    expect(again.documents.map((document) => document.sourceApplicationId)).toEqual(
      created.application.documents.map((document) => document.sourceApplicationId),
    );
  });

  it('lands in EXPEDITED with the reason "variation of licence N", unless the ENHANCED rule applies', () => {
    const { created } = amendment();
    const variation: Application = created.application;
    expect(assignLane(variation, [], false)).toEqual({
      name: 'EXPEDITED',
      reason: `variation of licence ${variation.amends}`,
    });
    const flagged = assignLane(
      variation,
      [{ code: 'POTENTIAL_DENIED_PARTY_MATCH', source: 'screening', at: variation.createdAt }],
      false,
    );
    expect(flagged.name).toBe('ENHANCED');
    const viaThirdCountry = { ...variation, consignee: { ...variation.consignee, country: 'NL' } };
    expect(assignLane(viaThirdCountry, [], true).name).toBe('ENHANCED');
    expect(assignLane({ ...variation, amends: null }, [], false).name).toBe('STANDARD');
  });

  it('is screened into the EXPEDITED lane through the real lifecycle', () => {
    const { created, context } = amendment();
    const submittable = applyAction(created.application, 'complete-details', applicant(), {}, context);
    const submitted = applyAction(
      submittable.application,
      'submit',
      applicant(),
      { declaration: { accurate: true, signedBy: 'Alice' } },
      context,
    );
    const cleared = applyAction(
      submitted.application,
      'screening-cleared',
      system('screen'),
      screeningOutcome(),
      context,
    );
    expect(cleared.application.lane).toEqual({
      name: 'EXPEDITED',
      reason: `variation of licence ${created.application.amends}`,
    });
  });

  it.each<[Status | null, boolean]>([
    ['DRAFT', true],
    ['SUBMITTED', true],
    ['PENDING_SIGN_OFF', true],
    ['APPEALED', true],
    ['WITHDRAWN', false],
    ['DENIED', false],
    ['ABANDONED', false],
    [null, false],
  ])('counts an amendment in %s as open: %s', (status, open) => {
    const licence = { ...licenceIn('ACTIVE').licence, openAmendment: 'app_variation' };
    expect(withOpenAmendment(licence, status).openAmendment).toBe(open ? 'app_variation' : null);
  });

  it.each(['SUSPENDED', 'REVOKED', 'SURRENDERED', 'EXHAUSTED', 'EXPIRED', 'SUPERSEDED'] as const)(
    'refuses to supersede a licence that is %s (409 LICENCE_NOT_ACTIVE)',
    (status) => {
      const flow = licenceIn(status);
      const error = thrownBy(() => licenceToSupersede(flow.licence, flow.licence.licenceNumber));
      expect(error).toMatchObject({ status: 409, code: 'LICENCE_NOT_ACTIVE', details: [{ status }] });
    },
  );

  it('refuses to supersede a licence that is gone, and passes an ACTIVE one through', () => {
    expect(thrownBy(() => licenceToSupersede(null, 'EXL-2099-000009')).code).toBe('LICENCE_NOT_ACTIVE');
    const { licence } = licenceIn('ACTIVE');
    expect(licenceToSupersede(licence, licence.licenceNumber)).toBe(licence);
  });

  it('carries used amounts over per (element, form, controlCode), not by position', () => {
    const previous = [goods('TERBIUM', 100, 30), goods('DYSPROSIUM', 100, 40)];
    const next = [goods('DYSPROSIUM', 200, 0), goods('SCANDIUM', 50, 0), goods('TERBIUM', 100, 0)];
    expect(carryOver(previous, next).map((item) => [item.usedGrams, item.usedCents])).toEqual([
      [40, 40],
      [0, 0],
      [30, 30],
    ]);
  });

  it('carries nothing for goods the amendment drops, and tells forms apart', () => {
    const previous = [goods('TERBIUM', 100, 30, 'OXIDE')];
    expect(carryOver(previous, [goods('TERBIUM', 100, 0, 'METAL')])[0]).toMatchObject({ usedGrams: 0 });
  });

  it('fills several items of one key in order, the last taking the rest so nothing used is lost', () => {
    const previous = [goods('TERBIUM', 100, 70), goods('TERBIUM', 100, 60)];
    const next = [goods('TERBIUM', 50, 0), goods('TERBIUM', 50, 0)];
    const carried = carryOver(previous, next);
    expect(carried.map((item) => item.usedGrams)).toEqual([50, 80]);
    expect(carried.reduce((sum, item) => sum + item.usedGrams, 0)).toBe(130);
  });

  it('issues the amendment’s licence with `amends` and the used amounts of the licence it supersedes', () => {
    const old = licenceIn('ACTIVE');
    old.ship(old.holder, [{ goodsIndex: 0, quantityKg: 20, valueUsd: 40_000 }]);
    const approved = applicationIn('APPROVED');
    const { licence, event } = issueLicence(
      approved.application,
      system('approval'),
      { verificationCode: VERIFICATION_CODE, amended: old.licence },
      { now: approved.now, requestId: 'issue', config: approved.config },
    );
    expect(licence).toMatchObject({ status: 'ACTIVE', amends: old.licence.licenceNumber });
    expect(licence.goods[0]).toMatchObject({ usedGrams: 20_000, usedCents: 4_000_000 });
    expect(event.changes).toMatchObject({
      amends: old.licence.licenceNumber,
      carriedOver: [{ usedGrams: 20_000, usedCents: 4_000_000 }],
    });
  });
});
