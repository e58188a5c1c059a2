import { describe, expect, it } from 'vitest';
import { clock } from '#adapters/clock.ts';
import { localExpirySchedules } from '#adapters/local-expiry-schedules.ts';
import { readyToSubmit, SUBMIT_BODY } from '../support/api.ts';
import { completion, eventually, statusReached, useWorkflowStack, waitingIn } from '../support/stack.ts';

/**
 * A licence's life on the full local stack, through HTTP and the real workflow: issued by the
 * approval, drawn down by customs, suspended and reinstated, and expired at its validTo on the
 * shared clock — by its schedule (made by the Licences stream consumer), or, when the schedule was
 * lost, by the reconciler over the sparse expiry index.
 */
const e2e = useWorkflowStack('wfLicenceExpiry');
const APPROVE = { validityMonths: 12, conditions: [] };
const MINUTE_MS = 60_000;

async function activeLicence(): Promise<string> {
  const { alice, rita, otto, audrey } = e2e.people;
  const id = await readyToSubmit(alice);
  expect((await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY)).status).toBe(200);
  await statusReached(audrey, id, 'UNDER_REVIEW');
  await waitingIn(otto, id, 'UnderReview');
  expect((await rita.post(`/applications/${id}/actions/claim`)).status).toBe(200);
  expect((await rita.post(`/applications/${id}/actions/approve`, APPROVE)).body.status).toBe('APPROVED');
  const done = await completion(e2e.people, id, 'APPROVED');
  return (done.application.licence as { licenceNumber: string }).licenceNumber;
}

/** The local scheduler's schedule of this licence, once the stream consumer has made it. */
const scheduleOf = (licenceNumber: string) =>
  eventually(
    async () => localExpirySchedules.pending().find((entry) => entry.licenceNumber === licenceNumber),
    {
      what: `the expiry schedule of ${licenceNumber}`,
    },
  );

const pastValidTo = (validTo: string) =>
  clock.advanceBy(Date.parse(validTo) - clock.now().getTime() + MINUTE_MS);

describe('workflow: licence expiry', () => {
  it('issue → customs usage → suspend → reinstate by another senior → EXPIRED by its schedule at validTo', async () => {
    const { alice, sam, sue, audrey } = e2e.people;
    const cora = await e2e.stack.as('cora', 'authority', ['customs']);
    const number = await activeLicence();
    const issued = await alice.get(`/licences/${number}`);
    expect(issued.body).toMatchObject({ status: 'ACTIVE' });
    expect(await scheduleOf(number)).toEqual({ licenceNumber: number, at: issued.body.validTo });

    const shipment = {
      usageId: 'ship-1',
      shippedAt: clock.now().toISOString(),
      declarationRef: 'CUS-DECL-1',
      items: [{ goodsIndex: 0, quantityKg: 12.5, valueUsd: 1250 }],
    };
    const used = await cora.post(`/licences/${number}/actions/record-usage`, shipment);
    expect(used.status).toBe(200);
    expect(used.body.goods[0]).toMatchObject({ usedQuantityKg: 12.5, usedValueUsd: 1250 });

    const suspended = await sam.post(`/licences/${number}/actions/suspend`, {
      reasons: ['BREACH_OF_CONDITIONS'],
      note: 'Audit finding.',
    });
    expect(suspended.body.status).toBe('SUSPENDED');
    const refused = await cora.post(`/licences/${number}/actions/record-usage`, {
      ...shipment,
      usageId: 'ship-2',
      declarationRef: 'CUS-DECL-2',
    });
    expect(refused.status).toBe(409);
    expect((await sam.post(`/licences/${number}/actions/reinstate`, {})).status).toBe(403);
    expect((await sue.post(`/licences/${number}/actions/reinstate`, {})).body.status).toBe('ACTIVE');
    // Suspension and reinstatement keep the licence's one schedule where it was.
    expect(localExpirySchedules.pending().filter((entry) => entry.licenceNumber === number)).toEqual([
      { licenceNumber: number, at: issued.body.validTo },
    ]);

    pastValidTo(issued.body.validTo);
    const expired = await eventually(async () => {
      const licence = await alice.get(`/licences/${number}`);
      return licence.body.status === 'EXPIRED' ? licence.body : undefined;
    });
    expect(expired.allowedActions).toEqual([]);
    const audit = await audrey.get(`/licences/${number}/audit`);
    expect(audit.body.items.map((event: { action: string }) => event.action)).toEqual([
      'issue',
      'record-usage',
      'suspend',
      'reinstate',
      'expire',
    ]);
    expect(audit.body.items.at(-1)).toMatchObject({
      actor: { sub: 'system:licence-expiry' },
      toStatus: 'EXPIRED',
    });
    expect((await audrey.get(`/licences/${number}/audit/verify`)).body).toMatchObject({ valid: true });
    expect(localExpirySchedules.pending().some((entry) => entry.licenceNumber === number)).toBe(false);
  });

  it('a lost schedule: usage past validTo refused while still ACTIVE, then the reconciler expires it', async () => {
    const { alice, audrey } = e2e.people;
    const cora = await e2e.stack.as('cora', 'authority', ['customs']);
    const number = await activeLicence();
    const issued = await alice.get(`/licences/${number}`);
    await scheduleOf(number);
    await localExpirySchedules.cancel(number);

    pastValidTo(issued.body.validTo);
    const late = await cora.post(`/licences/${number}/actions/record-usage`, {
      usageId: 'late-1',
      shippedAt: issued.body.validFrom,
      declarationRef: 'CUS-LATE-1',
      items: [{ goodsIndex: 0, quantityKg: 1, valueUsd: 100 }],
    });
    expect(late).toMatchObject({ status: 422, body: { error: { code: 'OUTSIDE_VALIDITY' } } });
    expect((await alice.get(`/licences/${number}`)).body.status).toBe('ACTIVE');

    const reconciler = await import('#handlers/reconciler.ts');
    const expired = await eventually(async () => {
      await reconciler.handler();
      const licence = await alice.get(`/licences/${number}`);
      return licence.body.status === 'EXPIRED' ? licence.body : undefined;
    });
    expect(expired.allowedActions).toEqual([]);
    const audit = await audrey.get(`/licences/${number}/audit`);
    expect(audit.body.items.at(-1)).toMatchObject({
      action: 'expire',
      actor: { sub: 'system:reconciler' },
      fromStatus: 'ACTIVE',
      toStatus: 'EXPIRED',
    });
    expect((await audrey.get(`/licences/${number}/audit/verify`)).body).toMatchObject({ valid: true });
    // Expired licences leave the sparse index: the next run finds nothing of it.
    expect((await reconciler.handler()).licencesExpired).not.toContain(number);
  });
});
