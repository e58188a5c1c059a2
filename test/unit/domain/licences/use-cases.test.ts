import { compactVerify, createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Dependencies } from '#domain/dependencies.ts';
import { LICENCE_JWS_TYPE, signedPayload } from '#domain/licences/signed-document.ts';
import {
  getLicence,
  licenceUsage,
  listLicences,
  performLicenceAction,
  verifyLicence,
} from '#domain/licences/use-cases.ts';
import { applicant, operator, senior } from '../../../support/applications.ts';
import { licenceParts } from '../../../support/licence-parts.ts';
import { customs, licenceIn, VERIFICATION_CODE } from '../../../support/licences.ts';

/** These use cases never touch applications. */
const unusedApplications: Dependencies['repository'] = new Proxy({} as Dependencies['repository'], {
  get: () => () => Promise.reject(new Error('applications are not used here')),
});

async function stored() {
  const flow = licenceIn('ACTIVE');
  const parts = licenceParts();
  const { licences } = parts;
  const licence = {
    ...flow.licence,
    signed: await parts.signer.sign(signedPayload(flow.licence, flow.now), LICENCE_JWS_TYPE),
  };
  const [event] = flow.events;
  if (!event) throw new Error('no issue event');
  await licences.commit(licence, event, null);
  const deps: Dependencies = {
    repository: unusedApplications,
    blobs: { put: async () => undefined, get: async () => null },
    config: flow.config,
    now: () => new Date(flow.now.getTime() + 60_000),
    newId: (prefix) => `${prefix}_1`,
    ...parts,
  };
  return { flow, deps, number: licence.licenceNumber };
}

describe('licence use cases', () => {
  it('/verify without a code shows status and validity only; with the code the parties, goods without values and a JWS that verifies', async () => {
    const { deps, number } = await stored();
    const open = await verifyLicence(deps, number, undefined);
    expect(Object.keys(open).sort()).toEqual([
      'checkedAt',
      'licenceNumber',
      'status',
      'validFrom',
      'validTo',
    ]);
    const full = await verifyLicence(deps, number, VERIFICATION_CODE);
    expect(full).toMatchObject({
      consignee: { name: 'Motoren Werke GmbH', country: 'DE' },
      goods: [{ quantityKg: 120.5 }],
    });
    expect(JSON.stringify(full)).not.toMatch(/valueUsd|address/);
    const jwks = createLocalJWKSet(await deps.signer.jwks());
    const { protectedHeader } = await compactVerify(String('signed' in full ? full.signed : ''), jwks);
    expect(protectedHeader.typ).toBe('licence+jws');
    await expect(verifyLicence(deps, number, 'B'.repeat(22))).rejects.toMatchObject({ status: 404 });
    await expect(verifyLicence(deps, 'EXL-0000-000000', undefined)).rejects.toMatchObject({ status: 404 });
  });

  it('re-signs on a status change: the suspended licence is signed as SUSPENDED', async () => {
    const { deps, number } = await stored();
    const view = await performLicenceAction(
      deps,
      senior('sam'),
      number,
      'suspend',
      { reasons: ['SANCTIONS'] },
      { requestId: 'r' },
    );
    const { payload } = await compactVerify(String(view.signed), createLocalJWKSet(await deps.signer.jwks()));
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ status: 'SUSPENDED' });
  });

  it('answers another org 404, operators without usage (403), and lists without the verification code', async () => {
    const { deps, number } = await stored();
    await expect(getLicence(deps, applicant('bob', 'globex'), number)).rejects.toMatchObject({ status: 404 });
    await expect(licenceUsage(deps, operator(), number)).rejects.toMatchObject({ status: 403 });
    expect(await getLicence(deps, applicant(), number)).toHaveProperty('verificationCode', VERIFICATION_CODE);
    const list = await listLicences(deps, customs(), { limit: 20 });
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).not.toHaveProperty('verificationCode');
    expect((await listLicences(deps, applicant('bob', 'globex'), { limit: 20 })).items).toEqual([]);
  });
});
