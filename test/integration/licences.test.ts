import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamodb.ts';
import { DynamoLicenceRepository } from '#adapters/licences.ts';
import { tableNamesFromEnv } from '#adapters/table-definitions.ts';
import { verifyChain } from '#domain/audit.ts';
import { issueFor } from '#domain/licences/use-cases.ts';
import { indexWritesClient } from '../support/index-writes.ts';
import {
  approvalOf,
  approved,
  deps,
  licences,
  repository,
  ship,
  storedUnderReview,
} from '../support/licence-store.ts';

const tables = tableNamesFromEnv();

describe('licences on DynamoDB Local', () => {
  it('lists through indexes of keys (and status) only, reading each licence by key; a shipment writes no index', async () => {
    const { world, application, licenceNumber } = await approved();
    const { client, writes } = indexWritesClient(tables.licences);
    const own = { ...world, licences: new DynamoLicenceRepository(tables, client) };
    await ship(own, licenceNumber, 1, world.now().toISOString(), 1, 100);
    // New amounts and version on the licence, a usage record and its declaration marker.
    expect(writes).toEqual([[]]);

    const byHolder = await licences.listByHolder(application.orgId, { limit: 100 });
    // Read from the table, strongly consistent: the shipment's version, not the index's copy.
    expect(byHolder.items.find((licence) => licence.licenceNumber === licenceNumber)?.version).toBe(2);
    const active = await licences.listByHolder(application.orgId, { limit: 100, status: 'ACTIVE' });
    expect(active.items.map((licence) => licence.licenceNumber)).toContain(licenceNumber);
    expect(active.items.every((licence) => licence.status === 'ACTIVE')).toBe(true);
    const expired = await licences.listByHolder(application.orgId, { limit: 100, status: 'EXPIRED' });
    expect(expired.items.map((licence) => licence.licenceNumber)).not.toContain(licenceNumber);
    const found: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await licences.listAll({ status: 'ACTIVE', limit: 50, cursor });
      found.push(...page.items.map((licence) => licence.licenceNumber));
      cursor = page.cursor ?? undefined;
    } while (cursor && !found.includes(licenceNumber));
    expect(found).toContain(licenceNumber);
  });

  it('approval writes the application, the licence and both first audit events in one transaction', async () => {
    const { application, licenceNumber } = await approved();
    const licence = await licences.get(licenceNumber);
    expect(licence).toMatchObject({ status: 'ACTIVE', version: 1, applicationId: application.applicationId });
    expect(licence?.signed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const events = await licences.auditEvents(licenceNumber);
    expect(events).toMatchObject([{ seq: 1, action: 'issue', toStatus: 'ACTIVE' }]);
    expect(licence && verifyChain(events, licence, 'licence')).toMatchObject({ valid: true });
    const stored = await repository.get(application.applicationId);
    expect(stored?.application.status).toBe('APPROVED');
  });

  it('writes neither the approval nor the licence when the licence cannot be written', async () => {
    const { flow: first, licenceNumber } = await approved();
    const flow = await storedUnderReview();
    const world = deps(() => new Date(first.now.getTime() + 120_000));
    // The number is already taken: the licence Put fails its condition.
    const result = approvalOf(flow, world, 'clash', licenceNumber);
    const issued = await issueFor(world, result.application, 'clash');
    await expect(
      repository.commit(result.application, result.event, flow.application.version, issued),
    ).rejects.toThrow();
    expect((await repository.get(flow.application.applicationId))?.application.status).toBe('UNDER_REVIEW');
    expect((await licences.get(licenceNumber))?.applicationId).not.toBe(flow.application.applicationId);
  });

  it('writes no licence when the application lost a race', async () => {
    const flow = await storedUnderReview();
    const world = deps(() => new Date(flow.now.getTime() + 60_000));
    const result = approvalOf(flow, world, 'stale', `STALE-${ulid()}`);
    const writes = await issueFor(world, result.application, 'stale');
    const issued = writes[0];
    if (!issued) throw new Error('no licence issued');
    await expect(
      repository.commit(result.application, result.event, flow.application.version - 1, writes),
    ).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
    expect(await licences.get(issued.licence.licenceNumber)).toBeNull();
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: tables.auditEvents,
        Key: { applicationId: `licence#${issued.licence.licenceNumber}`, seq: 1 },
      }),
    );
    expect(Item).toBeUndefined();
  });

  it('retries lost races: 8 concurrent shipments are all recorded, each once, and the chain verifies', async () => {
    const { flow, licenceNumber } = await approved();
    const world = deps(() => new Date(flow.now.getTime() + 5 * 60_000));
    const shippedAt = new Date(flow.now.getTime() + 2 * 60_000).toISOString();
    await Promise.all(
      Array.from({ length: 8 }, (_, n) => ship(world, licenceNumber, n, shippedAt, 0.5, 1.25)),
    );
    const licence = await licences.get(licenceNumber);
    expect(licence?.goods[0]).toMatchObject({ usedGrams: 4_000, usedCents: 1_000 });
    expect(await licences.usages(licenceNumber)).toHaveLength(8);
    const events = await licences.auditEvents(licenceNumber);
    expect(licence && verifyChain(events, licence, 'licence')).toMatchObject({ valid: true, events: 9 });
  });
});
