import { describe, expect, it } from 'vitest';
import { performAction } from '#domain/applications/use-cases.ts';
import type { Dependencies } from '#domain/dependencies.ts';
import { amendLicence, performLicenceAction } from '#domain/licences/use-cases.ts';
import { applicant, reviewer, screeningOutcome, system } from '../support/applications.ts';
import { approved, licences, repository, ship } from '../support/licence-store.ts';

/** Amendments on DynamoDB Local: the variation application and both licences, each change one transaction. */
const alice = applicant();

/** Alice's amendment of a fresh licence, taken to UNDER_REVIEW and claimed by rita. */
async function amendmentUnderReview() {
  const { world, licenceNumber, application: original } = await approved();
  const amendment = await amendLicence(world, alice, licenceNumber, { requestId: 'amend' });
  const id = amendment.applicationId;
  const step = (requestId: string) => ({ requestId });
  await performAction(world, alice, id, 'complete-details', {}, step('details'));
  const submit = { declaration: { accurate: true as const, signedBy: 'Alice' } };
  await performAction(world, alice, id, 'submit', submit, step('submit'));
  await performAction(world, system('screen'), id, 'screening-cleared', screeningOutcome(), step('screen'));
  await performAction(world, reviewer('rita'), id, 'claim', {}, step('claim'));
  return { world, licenceNumber, original, id };
}

const APPROVE = { validityMonths: 12, conditions: [] };

describe('amendments on DynamoDB Local', () => {
  it('amend stores the DRAFT and the open amendment on the licence together; a second amend is 409 AMENDMENT_OPEN', async () => {
    const { world, licenceNumber, application: original } = await approved();
    const amendment = await amendLicence(world, alice, licenceNumber, { requestId: 'amend' });
    const stored = await repository.get(amendment.applicationId);
    expect(stored?.application).toMatchObject({ status: 'DRAFT', amends: licenceNumber, version: 1 });
    expect(stored?.application.documents.map((document) => document.sourceApplicationId)).toEqual(
      original.documents.map(() => original.applicationId),
    );
    expect(await licences.get(licenceNumber)).toMatchObject({
      status: 'ACTIVE',
      version: 2,
      openAmendment: amendment.applicationId,
    });
    expect((await licences.auditEvents(licenceNumber)).map((event) => event.action)).toEqual([
      'issue',
      'amend',
    ]);
    await expect(amendLicence(world, alice, licenceNumber, { requestId: 'again' })).rejects.toMatchObject({
      code: 'AMENDMENT_OPEN',
    });
  });

  it('refuses amend to anyone but the holder: 404 for another org, 403 for the authority', async () => {
    const { world, licenceNumber } = await approved();
    await expect(
      amendLicence(world, applicant('bob', 'other'), licenceNumber, { requestId: 'x' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      amendLicence(world, reviewer('rita'), licenceNumber, { requestId: 'y' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('a withdrawn amendment leaves the licence as it was and no longer blocks the next one', async () => {
    const { world, licenceNumber } = await approved();
    const first = await amendLicence(world, alice, licenceNumber, { requestId: 'amend' });
    const before = await licences.get(licenceNumber);
    await performAction(
      world,
      alice,
      first.applicationId,
      'withdraw',
      { reason: 'Not needed.' },
      { requestId: 'w' },
    );
    expect(await licences.get(licenceNumber)).toEqual(before);
    const second = await amendLicence(world, alice, licenceNumber, { requestId: 'amend-2' });
    expect((await licences.get(licenceNumber))?.openAmendment).toBe(second.applicationId);
  });

  it('approval issues the new licence and supersedes the old one in one transaction, used amounts carried', async () => {
    const { world, licenceNumber, id } = await amendmentUnderReview();
    const shippedAt = world.now().toISOString();
    await ship(world, licenceNumber, 1, shippedAt, 20, 40_000);
    const { application } = await performAction(world, reviewer('rita'), id, 'approve', APPROVE, {
      requestId: 'approve',
    });
    const newNumber = application.licence?.licenceNumber ?? '';
    expect(application).toMatchObject({ status: 'APPROVED', amends: licenceNumber });
    expect(await licences.get(licenceNumber)).toMatchObject({
      status: 'SUPERSEDED',
      supersededBy: newNumber,
    });
    const issued = await licences.get(newNumber);
    expect(issued).toMatchObject({ status: 'ACTIVE', amends: licenceNumber });
    expect(issued?.goods[0]).toMatchObject({ usedGrams: 20_000, usedCents: 4_000_000 });
  });

  it('a usage landing on the old licence during the approval fails the whole transaction: neither licence changes', async () => {
    const { world, licenceNumber, id } = await amendmentUnderReview();
    const shippedAt = world.now().toISOString();
    let newNumber = '';
    let raced = false;
    const racing: Dependencies = {
      ...world,
      signer: {
        jwks: () => world.signer.jwks(),
        async sign(payload, typ) {
          if (!raced && payload.licenceNumber !== licenceNumber) {
            raced = true;
            newNumber = String(payload.licenceNumber);
            await ship(world, licenceNumber, 7, shippedAt, 1, 10);
          }
          return world.signer.sign(payload, typ);
        },
      },
    };
    await expect(
      performAction(racing, reviewer('rita'), id, 'approve', APPROVE, { requestId: 'approve' }),
    ).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
    expect(raced).toBe(true);
    expect(await licences.get(newNumber)).toBeNull();
    const old = await licences.get(licenceNumber);
    expect(old).toMatchObject({ status: 'ACTIVE', supersededBy: null, version: 3 });
    expect(old?.goods[0]).toMatchObject({ usedGrams: 1_000, usedCents: 1_000 });
    expect((await repository.get(id))?.application).toMatchObject({ status: 'UNDER_REVIEW', licence: null });
  });

  it('approving an amendment whose licence has left ACTIVE is 409 LICENCE_NOT_ACTIVE and changes nothing', async () => {
    const { world, licenceNumber, id } = await amendmentUnderReview();
    await performLicenceAction(
      world,
      alice,
      licenceNumber,
      'surrender',
      { reason: 'Done.' },
      { requestId: 's' },
    );
    await expect(
      performAction(world, reviewer('rita'), id, 'approve', APPROVE, { requestId: 'approve' }),
    ).rejects.toMatchObject({ status: 409, code: 'LICENCE_NOT_ACTIVE' });
    expect((await repository.get(id))?.application.status).toBe('UNDER_REVIEW');
    expect((await licences.get(licenceNumber))?.status).toBe('SURRENDERED');
  });
});
