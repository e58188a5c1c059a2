import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamodb.ts';
import { DynamoEventFeed, EVENTS_KEPT_DAYS } from '#adapters/events-table.ts';
import type { DomainEvent } from '#domain/events.ts';
import { createOwnTables } from '../support/api.ts';

/** The Events table behind GET /events on AWS, in DynamoDB Local: recorded once, read in order across months. */
const licenceEvent = (seq: number, recordedAt: string): DomainEvent => ({
  schemaVersion: 1,
  id: `licence#EL-2025-000001:${seq}`,
  seq,
  occurredAt: recordedAt,
  recordedAt,
  orgId: 'acme',
  aggregate: 'licence',
  type: seq === 1 ? 'issue' : 'record-usage',
  licenceNumber: 'EL-2025-000001',
  applicationId: 'app_1',
  fromStatus: seq === 1 ? null : 'ACTIVE',
  toStatus: 'ACTIVE',
  supersededBy: null,
  amends: null,
  openAmendment: null,
});

const NOW = new Date('2025-08-15T12:00:00.000Z');
async function freshFeed(now = NOW): Promise<DynamoEventFeed> {
  return new DynamoEventFeed(() => now, await createOwnTables('ev'), documentClient);
}

describe('DynamoEventFeed', () => {
  it('records an event id once: a redelivery gets the first recording back', async () => {
    const feed = await freshFeed();
    const first = licenceEvent(1, '2025-08-01T10:00:00.000Z');
    expect(await feed.record(first)).toEqual(first);
    const redelivered = { ...first, recordedAt: '2025-08-01T10:00:09.000Z' };
    expect(await feed.record(redelivered)).toEqual(first);
    expect((await feed.list({ limit: 10 })).items).toEqual([first]);
  });

  it('reads in recordedAt order across month partitions, with since (inclusive) and cursors', async () => {
    const feed = await freshFeed();
    const times = [
      '2025-06-30T23:59:59.000Z',
      '2025-07-01T00:00:00.000Z',
      '2025-07-15T08:00:00.000Z',
      '2025-07-15T08:00:00.001Z',
      '2025-08-02T09:00:00.000Z',
    ];
    const events = times.map((at, index) => licenceEvent(index + 1, at));
    // Recorded out of order (concurrent consumers): the feed still reads by recordedAt.
    for (const event of [...events].reverse()) await feed.record(event);

    const seqs = (page: { items: DomainEvent[] }) => page.items.map((event) => event.seq);
    const all = await feed.list({ limit: 100 });
    expect(seqs(all)).toEqual([1, 2, 3, 4, 5]);
    expect(all.cursor).toBeNull();

    const pages: number[][] = [];
    let cursor: string | undefined;
    do {
      const page = await feed.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(seqs(page));
      cursor = page.cursor ?? undefined;
    } while (cursor);
    expect(pages.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(pages[0]).toEqual([1, 2]);

    expect(seqs(await feed.list({ limit: 100, since: '2025-07-15T08:00:00.001Z' }))).toEqual([4, 5]);
    expect(seqs(await feed.list({ limit: 100, since: '2025-07-01T02:00:00+02:00' }))).toEqual([2, 3, 4, 5]);
  });

  it(`keeps ${EVENTS_KEPT_DAYS} days: older events are not read and carry their TTL`, async () => {
    const tables = await createOwnTables('ev');
    const feed = new DynamoEventFeed(() => NOW, tables, documentClient);
    const old = licenceEvent(1, '2025-04-01T00:00:00.000Z');
    const kept = licenceEvent(2, '2025-07-01T00:00:00.000Z');
    await feed.record(old);
    await feed.record(kept);
    expect((await feed.list({ limit: 10 })).items).toEqual([kept]);
    expect((await feed.list({ limit: 10, since: '2025-01-01T00:00:00Z' })).items).toEqual([kept]);
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tables.events, Key: { eventId: kept.id } }),
    );
    expect(Item?.expiresAt).toBe(Date.parse(kept.recordedAt) / 1000 + EVENTS_KEPT_DAYS * 86_400);
  });

  it('refuses a cursor it did not issue', async () => {
    const feed = await freshFeed();
    await expect(feed.list({ limit: 2, cursor: 'eyJwb3NpdGlvbiI6M30' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
