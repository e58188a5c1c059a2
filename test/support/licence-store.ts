/** Licences on DynamoDB Local: real repositories, a local signer, applications stored under review. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { DynamoApplicationRepository } from '#adapters/dynamodb.ts';
import { DynamoLicenceRepository } from '#adapters/licences.ts';
import { LocalLicenceSigner } from '#adapters/signing.ts';
import { applyAction } from '#domain/applications/apply-action.ts';
import { performAction } from '#domain/applications/use-cases.ts';
import type { Dependencies } from '#domain/dependencies.ts';
import { performLicenceAction } from '#domain/licences/use-cases.ts';
import type { ApplicationFlow } from './applications.ts';
import { applicationIn, reviewer } from './applications.ts';
import { customs } from './licences.ts';

export const repository = new DynamoApplicationRepository();
export const licences = new DynamoLicenceRepository();
const signer = new LocalLicenceSigner(mkdtempSync(join(tmpdir(), 'licences-it-')));

export function deps(now: () => Date, onRetry?: () => void): Dependencies {
  return {
    repository,
    blobs: { put: async () => undefined, get: async () => null },
    config: { ...applicationIn('DRAFT').config, licenceNumberPrefix: `T${ulid().slice(-6)}` },
    now,
    newId: (prefix) => `${prefix}_${ulid()}`,
    licences,
    signer,
    verificationCode: () =>
      ulid()
        .slice(0, 22)
        .replace(/[^A-Za-z0-9]/g, 'a'),
    onRetry,
  };
}

/** An application claimed by rita in UNDER_REVIEW, stored at its current version. */
export async function storedUnderReview() {
  const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita'), applicationId: `app_${ulid()}` });
  const last = flow.events.at(-1);
  if (!last) throw new Error('no events');
  await repository.commit(flow.application, last, null);
  return flow;
}

export async function approved() {
  const flow = await storedUnderReview();
  const world = deps(() => new Date(flow.now.getTime() + 60_000));
  const { application } = await performAction(
    world,
    reviewer('rita'),
    flow.application.applicationId,
    'approve',
    {
      validityMonths: 12,
      conditions: ['No re-export'],
    },
    { requestId: 'approve' },
  );
  const licenceNumber = application.licence?.licenceNumber;
  if (!licenceNumber) throw new Error('no licence issued');
  return { flow, world, application, licenceNumber };
}

/** rita's approval of `flow`'s application as the domain computes it, with the licence number given. */
export function approvalOf(
  flow: ApplicationFlow,
  world: Dependencies,
  requestId: string,
  licenceNumber: string,
) {
  const context = { now: world.now(), requestId, config: world.config, licenceNumber };
  const result = applyAction(
    flow.application,
    'approve',
    reviewer('rita'),
    { validityMonths: 6, conditions: [] },
    context,
  );
  if (!result.event) throw new Error('no event');
  return { application: result.application, event: result.event };
}

/** Shipment `n` reported by customs: one item of `quantityKg` and `valueUsd`. */
export function ship(
  world: Dependencies,
  licenceNumber: string,
  n: number,
  shippedAt: string,
  quantityKg: number,
  valueUsd: number,
) {
  const body = {
    usageId: `s-${n}`,
    shippedAt,
    declarationRef: `D-${n}`,
    items: [{ goodsIndex: 0, quantityKg, valueUsd }],
  };
  return performLicenceAction(world, customs(), licenceNumber, 'record-usage', body, { requestId: `s-${n}` });
}
