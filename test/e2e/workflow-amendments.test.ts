import { describe, expect, it } from 'vitest';
import { readyToSubmit } from '../support/api.ts';
import { approvedByRita, useWorkflowStack } from '../support/stack.ts';

/**
 * Amendments through HTTP on the full local stack: a licence is issued, the holder varies it, the
 * variation runs the normal lifecycle through the real workflow, and its approval supersedes the
 * old licence with the used amounts carried over.
 */
const e2e = useWorkflowStack('wfAmendments');
async function activeLicence(): Promise<string> {
  const done = await approvedByRita(e2e.people, await readyToSubmit(e2e.people.alice));
  const licence = done.application.licence as { licenceNumber: string };
  return licence.licenceNumber;
}

describe('workflow: amendments', () => {
  it('approve → amend → submit → approve: the old licence SUPERSEDED, the new one ACTIVE with the used amounts', async () => {
    const { alice } = e2e.people;
    const number = await activeLicence();
    const old = await alice.get(`/licences/${number}`);
    const usage = await alice.post(`/licences/${number}/actions/record-usage`, {
      usageId: 'ship-1',
      shippedAt: old.body.validFrom,
      declarationRef: 'DECL-1',
      items: [{ goodsIndex: 0, quantityKg: 10, valueUsd: 1000 }],
    });
    expect(usage.status).toBe(200);

    const amended = await alice.post(`/licences/${number}/actions/amend`, {});
    expect(amended.status).toBe(201);
    expect(amended.body).toMatchObject({ status: 'DRAFT', amends: number });
    expect(amended.body.documents).toHaveLength(3);
    const id: string = amended.body.applicationId;
    const again = await alice.post(`/licences/${number}/actions/amend`, {});
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'AMENDMENT_OPEN' } } });
    const open = await alice.get(`/licences/${number}`);
    expect(open.body).toMatchObject({ status: 'ACTIVE', openAmendment: id });
    expect(open.body.allowedActions).not.toContain('amend');

    expect(
      (await alice.patch(`/applications/${id}`, { goods: [{ ...amended.body.goods[0], quantityKg: 200 }] }))
        .status,
    ).toBe(200);
    expect((await alice.post(`/applications/${id}/actions/complete-details`)).status).toBe(200);
    const done = await approvedByRita(e2e.people, id);
    expect(done.application).toMatchObject({
      amends: number,
      lane: { name: 'EXPEDITED', reason: `variation of licence ${number}` },
    });
    const newNumber = (done.application.licence as { licenceNumber: string }).licenceNumber;
    expect((await alice.get(`/licences/${number}`)).body).toMatchObject({
      status: 'SUPERSEDED',
      supersededBy: newNumber,
    });
    const issued = await alice.get(`/licences/${newNumber}`);
    expect(issued.body).toMatchObject({ status: 'ACTIVE', amends: number });
    expect(issued.body.goods[0]).toMatchObject({ quantityKg: 200, usedQuantityKg: 10, usedValueUsd: 1000 });
  });

  it('a withdrawn amendment leaves the licence ACTIVE as it was, and the holder may amend again', async () => {
    const { alice } = e2e.people;
    const number = await activeLicence();
    const amended = await alice.post(`/licences/${number}/actions/amend`, {});
    expect(amended.status).toBe(201);
    const before = await alice.get(`/licences/${number}`);
    const withdrawn = await alice.post(`/applications/${amended.body.applicationId}/actions/withdraw`, {
      reason: 'Not needed after all.',
    });
    expect(withdrawn.body.status).toBe('WITHDRAWN');
    const after = await alice.get(`/licences/${number}`);
    expect(after.body).toMatchObject({ status: 'ACTIVE', version: before.body.version, openAmendment: null });
    expect(after.body.allowedActions).toContain('amend');
    expect((await alice.post(`/licences/${number}/actions/amend`, {})).status).toBe(201);
  });
});
