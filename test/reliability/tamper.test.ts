import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCheckpointStore } from '#adapters/checkpoint-store.ts';
import { documentClient } from '#adapters/dynamodb.ts';
import { LocalLicenceSigner } from '#adapters/signing.ts';
import { tableNamesFromEnv } from '#adapters/table-definitions.ts';
import { writeCheckpoint } from '#domain/anchoring.ts';
import { hashEvent } from '#domain/audit.ts';
import type { AnchoredHead } from '#domain/checkpoints.ts';
import type { AuditEvent } from '#domain/schemas.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { ledger } from './ledger.ts';
import { applicationIn, counted, type People, people } from './support.ts';

/**
 * Tamper evidence against the stored tables: someone with write access to DynamoDB changes,
 * deletes, inserts or reorders audit events; `GET …/audit/verify` must say `valid: false` with the
 * first broken seq, computed here by hand for each case.
 */
const tables = tableNamesFromEnv();
const figures = ledger('tamper');
let api: TestApi;
let p: People;

beforeAll(async () => {
  api = await startTestApi();
  p = await people(api, `tamper-${Date.now()}`);
  p.audrey = counted(p.audrey, figures);
});
afterAll(async () => {
  figures.flush();
  await api.stop();
});

async function stored(id: string): Promise<AuditEvent[]> {
  const { Items } = await documentClient.send(
    new QueryCommand({
      TableName: tables.auditEvents,
      KeyConditionExpression: 'applicationId = :id',
      ExpressionAttributeValues: { ':id': id },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []) as AuditEvent[];
}
const put = (event: AuditEvent) =>
  documentClient.send(new PutCommand({ TableName: tables.auditEvents, Item: event }));
const remove = (id: string, seq: number) =>
  documentClient.send(new DeleteCommand({ TableName: tables.auditEvents, Key: { applicationId: id, seq } }));
/** A forged event that links and hashes correctly, as anyone who can read the chain can compute. */
const forged = (previous: AuditEvent, seq: number): AuditEvent => {
  const { hash: _, ...unsealed } = {
    ...previous,
    seq,
    prevHash: previous.hash,
    requestId: 'forged',
    changes: { forged: true },
  };
  return { ...unsealed, hash: hashEvent(unsealed) };
};
const at = (events: AuditEvent[], seq: number): AuditEvent => {
  const event = events[seq - 1];
  if (!event) throw new Error(`no event ${seq}`);
  return event;
};

const CASES: [string, (id: string, events: AuditEvent[]) => Promise<unknown>, (n: number) => number][] = [
  ['a changed event (3)', (_id, events) => put({ ...at(events, 3), requestId: 'rewritten' }), () => 3],
  [
    'a changed field deep inside an event (2)',
    (_id, events) => put({ ...at(events, 2), changes: { status: 'APPROVED' } }),
    () => 2,
  ],
  ['the last event deleted', (id, events) => remove(id, events.length), (n) => n],
  ['a middle event (4) deleted', (id) => remove(id, 4), () => 4],
  [
    'an event inserted at 3, later ones shifted',
    async (_id, events) => {
      for (const event of [...events.slice(2)].reverse()) await put({ ...event, seq: event.seq + 1 });
      await put(forged(at(events, 2), 3));
    },
    () => 4,
  ],
  [
    'an event appended behind the head',
    (_id, events) => put(forged(at(events, events.length), events.length + 1)),
    (n) => n + 1,
  ],
  [
    'events 3 and 4 swapped',
    async (_id, events) => {
      await put({ ...at(events, 4), seq: 3 });
      await put({ ...at(events, 3), seq: 4 });
    },
    () => 3,
  ],
  [
    'the head hash changed on the application',
    (id) =>
      documentClient.send(
        new UpdateCommand({
          TableName: tables.applications,
          Key: { applicationId: id },
          UpdateExpression: 'SET auditHeadHash = :h',
          ExpressionAttributeValues: { ':h': 'f'.repeat(64) },
        }),
      ),
    (n) => n,
  ],
];

describe('tamper evidence in the stored audit chain', () => {
  it.each(CASES)('detects %s with the first broken seq', async (_name, tamper, brokenAt) => {
    const id = await applicationIn(p, 'UNDER_REVIEW');
    const before = await p.audrey.get(`/applications/${id}/audit/verify`);
    expect(figures.check(before.body.valid === true)).toBe(true);
    const events = (await stored(id)).sort((a, b) => a.seq - b.seq);
    expect(events.length).toBeGreaterThanOrEqual(6);
    await tamper(id, events);
    figures.add('faultsInjected');
    const after = await p.audrey.get(`/applications/${id}/audit/verify`);
    expect(after.status).toBe(200);
    expect(
      figures.check(after.body.valid === false && after.body.brokenAt === brokenAt(events.length)),
      JSON.stringify(after.body),
    ).toBe(true);
  });
});

/** Writes a checkpoint over the stored heads of these applications (read straight from the table). */
async function checkpointOf(ids: string[]): Promise<void> {
  const dataDir = process.env.LOCAL_DATA_DIR ?? '.local';
  const heads: AnchoredHead[] = [];
  for (const id of ids) {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tables.applications, Key: { applicationId: id }, ConsistentRead: true }),
    );
    heads.push({ kind: 'application', id, seq: Number(Item?.version), hash: String(Item?.auditHeadHash) });
  }
  const written = await writeCheckpoint(
    {
      pending: { pending: async () => heads, clear: async () => {} },
      store: new LocalCheckpointStore(dataDir),
      signer: new LocalLicenceSigner(dataDir),
    },
    new Date(),
  );
  expect(written?.heads.length).toBe(ids.length);
}

describe('tamper evidence behind a signed checkpoint (the insider case)', () => {
  it('detects the last two events deleted and version/auditHeadHash set back once a checkpoint covered them', async () => {
    const id = await applicationIn(p, 'UNDER_REVIEW');
    const events = (await stored(id)).sort((a, b) => a.seq - b.seq);
    const n = events.length;
    await checkpointOf([id]);
    const anchored = await p.audrey.get(`/applications/${id}/audit/verify`);
    expect(anchored.body).toMatchObject({ valid: true, events: n, anchoredSeq: n });
    expect(anchored.body.inclusionProof.treeSize).toBe(1);

    await remove(id, n);
    await remove(id, n - 1);
    await documentClient.send(
      new UpdateCommand({
        TableName: tables.applications,
        Key: { applicationId: id },
        UpdateExpression: 'SET version = :v, auditHeadHash = :h',
        ExpressionAttributeValues: { ':v': n - 2, ':h': at(events, n - 2).hash },
      }),
    );
    figures.add('faultsInjected');
    const after = await p.audrey.get(`/applications/${id}/audit/verify`);
    expect(after.status).toBe(200);
    expect(
      figures.check(after.body.valid === false && after.body.brokenAt === n - 1),
      JSON.stringify(after.body),
    ).toBe(true);
    expect(after.body.anchoredSeq).toBe(n);
  });

  it('detects the head rewritten (last event re-hashed, head hash set to match) behind the checkpoint', async () => {
    const id = await applicationIn(p, 'UNDER_REVIEW');
    const events = (await stored(id)).sort((a, b) => a.seq - b.seq);
    const n = events.length;
    await checkpointOf([id]);
    const rewritten = forged(at(events, n - 1), n);
    await put(rewritten);
    await documentClient.send(
      new UpdateCommand({
        TableName: tables.applications,
        Key: { applicationId: id },
        UpdateExpression: 'SET auditHeadHash = :h',
        ExpressionAttributeValues: { ':h': rewritten.hash },
      }),
    );
    figures.add('faultsInjected');
    const after = await p.audrey.get(`/applications/${id}/audit/verify`);
    expect(
      figures.check(after.body.valid === false && after.body.brokenAt === n),
      JSON.stringify(after.body),
    ).toBe(true);
  });
});
