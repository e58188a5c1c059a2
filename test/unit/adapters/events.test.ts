import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher, EventsNotAcceptedError } from '#adapters/event-bus.ts';
import { FileEventLog, MemoryEventLog } from '#adapters/events.ts';
import type { DomainEvent } from '#domain/events.ts';

const event = (n: number, recordedAt = `2025-06-03T10:00:0${n}.000Z`): DomainEvent => ({
  schemaVersion: 1,
  id: `app_1:${n}`,
  seq: n,
  occurredAt: recordedAt,
  recordedAt,
  orgId: 'acme',
  aggregate: 'application',
  type: n === 1 ? 'create' : 'update',
  applicationId: 'app_1',
  fromStatus: n === 1 ? null : 'DRAFT',
  toStatus: 'DRAFT',
  lane: null,
  licenceNumber: null,
  amends: null,
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'events-log-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each([
  ['memory', () => new MemoryEventLog()],
  ['events.ndjson', () => new FileEventLog(join(dir, String(Math.random())))],
])('the local event log (%s)', (_, newLog) => {
  it('records each event id once, in the order published', async () => {
    const log = newLog();
    for (const n of [1, 2, 2, 3, 1]) await log.publish(event(n));
    const page = await log.list({ limit: 10 });
    expect(page).toEqual({ items: [event(1), event(2), event(3)], cursor: null });
  });

  it('lists in recordedAt order when a consumer appends an event stamped earlier than the one before', async () => {
    const log = newLog();
    const other = { ...event(1, '2025-06-03T10:00:02.000Z'), id: 'app_2:1', applicationId: 'app_2' };
    for (const published of [event(1), event(3), other, event(4)]) await log.publish(published);
    const page = await log.list({ limit: 10 });
    expect(page.items.map((e) => e.id)).toEqual(['app_1:1', 'app_2:1', 'app_1:3', 'app_1:4']);
  });

  it('pages on from where the last page ended when an earlier-stamped event arrives in between: none twice', async () => {
    const log = newLog();
    for (const n of [1, 3, 4]) await log.publish(event(n));
    const first = await log.list({ limit: 2 });
    expect(first.items.map((e) => e.id)).toEqual(['app_1:1', 'app_1:3']);
    await log.publish({ ...event(1, '2025-06-03T10:00:02.000Z'), id: 'app_2:1', applicationId: 'app_2' });
    const second = await log.list({ limit: 2, cursor: first.cursor ?? '' });
    expect(second).toEqual({ items: [event(4)], cursor: null });
    // Read again from the start (or with `since`), the late event is there, in recordedAt order.
    expect((await log.list({ limit: 10 })).items.map((e) => e.id)).toEqual([
      'app_1:1',
      'app_2:1',
      'app_1:3',
      'app_1:4',
    ]);
  });

  it('pages with a cursor and filters by recordedAt with since (inclusive)', async () => {
    const log = newLog();
    for (const n of [1, 2, 3, 4, 5]) await log.publish(event(n));
    const first = await log.list({ limit: 2 });
    expect(first.items.map((e) => e.seq)).toEqual([1, 2]);
    const second = await log.list({ limit: 2, cursor: first.cursor ?? '' });
    expect(second.items.map((e) => e.seq)).toEqual([3, 4]);
    const third = await log.list({ limit: 2, cursor: second.cursor ?? '' });
    expect(third).toEqual({ items: [event(5)], cursor: null });
    const since = await log.list({ limit: 10, since: '2025-06-03T12:00:03+02:00' });
    expect(since.items.map((e) => e.seq)).toEqual([3, 4, 5]);
  });

  it('refuses a cursor it did not issue', async () => {
    await expect(newLog().list({ limit: 2, cursor: 'eyJwb3NpdGlvbiI6LTF9' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});

describe('events.ndjson', () => {
  it('is one JSON event a line; a torn last line (a crash mid-write) is left out', async () => {
    const dataDir = join(dir, 'torn');
    const log = new FileEventLog(dataDir);
    await log.publish(event(1));
    await log.publish(event(2));
    const lines = (await readFile(log.file, 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([event(1), event(2)]);
    await appendFile(log.file, '{"schemaVersion":1,"id":"app_1:3"');
    expect((await new FileEventLog(dataDir).list({ limit: 10 })).items).toEqual([event(1), event(2)]);
  });
});

describe('EventBridge publisher', () => {
  const eventBridge = mockClient(EventBridgeClient);
  beforeEach(() => eventBridge.reset());

  it('puts the event on the bus: source per aggregate, detail-type the action, detail the event', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    await new EventBridgePublisher('domain-bus').publish(event(2));
    const [call] = eventBridge.commandCalls(PutEventsCommand);
    expect(call?.args[0].input.Entries).toEqual([
      {
        EventBusName: 'domain-bus',
        Source: 'licence-workflow.applications',
        DetailType: 'update',
        Detail: JSON.stringify(event(2)),
        Time: new Date(event(2).occurredAt),
        Resources: [],
      },
    ]);
  });

  it('fails when PutEvents answers a failed entry (FailedEntryCount), so the record is retried', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    const publishing = new EventBridgePublisher('domain-bus').publish(event(1));
    await expect(publishing).rejects.toBeInstanceOf(EventsNotAcceptedError);
    await expect(new EventBridgePublisher('domain-bus').publish(event(1))).rejects.toThrow(
      /app_1:1: ThrottlingException Rate exceeded/,
    );
  });
});
