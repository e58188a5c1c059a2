import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { LocalCheckpointStore } from '#adapters/checkpoint-store.ts';
import { clock } from '#adapters/clock.ts';
import { documentClient } from '#adapters/dynamodb.ts';
import { licenceAuditKey } from '#adapters/licences.ts';
import { ANCHOR_PENDING_ATTRIBUTE, tableNamesFromEnv } from '#adapters/table-definitions.ts';
import { hashEvent } from '#domain/audit.ts';
import type { StoredCheckpoint } from '#domain/ports.ts';
import { CHECKPOINT_EVERY_MS } from '#local/stack.ts';
import { readyToSubmit } from '../support/api.ts';
import { approvedByRita, eventually, useWorkflowStack } from '../support/stack.ts';

/**
 * Audit checkpoints through the local stack's timer: changes mark their heads, 5 minutes of the
 * shared clock later the checkpoint writer (the same handler the scheduled Lambda runs) stores a
 * signed checkpoint over exactly the changed heads under LOCAL_DATA_DIR/checkpoints and clears the
 * marks; `verify` then answers the anchor, and tampering behind it is caught at the first broken seq.
 */
const e2e = useWorkflowStack('wfCheckpoints');

const checkpointDir = () => join(process.env.LOCAL_DATA_DIR ?? '', 'checkpoints');
const stored = async (): Promise<StoredCheckpoint[]> => {
  const names = (await readdir(checkpointDir()).catch(() => [])).sort();
  return Promise.all(
    names.map(async (name) => JSON.parse(await readFile(join(checkpointDir(), name), 'utf8'))),
  );
};

/** Moves the shared clock 5 minutes on and waits for the checkpoint written after `count` existed. */
async function nextCheckpoint(count: number): Promise<StoredCheckpoint> {
  clock.advanceBy(CHECKPOINT_EVERY_MS);
  return eventually(async () => (await stored())[count], { what: `checkpoint ${count + 1}` });
}

const tables = () => tableNamesFromEnv();
const applicationItem = async (id: string) =>
  (
    await documentClient.send(
      new GetCommand({ TableName: tables().applications, Key: { applicationId: id }, ConsistentRead: true }),
    )
  ).Item ?? {};
const licenceItem = async (number: string) =>
  (
    await documentClient.send(
      new GetCommand({
        TableName: tables().licences,
        Key: { licenceNumber: number, sk: 'LICENCE' },
        ConsistentRead: true,
      }),
    )
  ).Item ?? {};
const auditEvent = async (key: string, seq: number) =>
  (
    await documentClient.send(
      new GetCommand({
        TableName: tables().auditEvents,
        Key: { applicationId: key, seq },
        ConsistentRead: true,
      }),
    )
  ).Item ?? {};

describe('audit checkpoints on the local stack’s timer', () => {
  it('anchors the changed heads every 5 minutes; verify answers the anchor and catches truncation and a rewritten head', async () => {
    const { alice, audrey } = e2e.people;
    const done = await approvedByRita(e2e.people, await readyToSubmit(alice));
    const id = String(done.application.applicationId);
    const number = (done.application.licence as { licenceNumber: string }).licenceNumber;
    const usage = await alice.post(`/licences/${number}/actions/record-usage`, {
      usageId: 'ship-1',
      shippedAt: (await alice.get(`/licences/${number}`)).body.validFrom,
      declarationRef: 'DECL-1',
      items: [{ goodsIndex: 0, quantityKg: 10, valueUsd: 1000 }],
    });
    expect(usage.status).toBe(200);
    const appVersion = Number((await applicationItem(id)).version);
    const licenceVersion = Number((await licenceItem(number)).version);
    expect((await applicationItem(id))[ANCHOR_PENDING_ATTRIBUTE]).toBe('pending');
    expect((await stored()).length).toBe(0);

    // Nothing is written before the clock reaches the next run.
    const first = await nextCheckpoint(0);
    expect(first.number).toBe(1);
    expect(first.heads).toEqual(
      expect.arrayContaining([
        { kind: 'application', id, seq: appVersion, hash: (await applicationItem(id)).auditHeadHash },
        { kind: 'licence', id: number, seq: licenceVersion, hash: (await licenceItem(number)).auditHeadHash },
      ]),
    );
    await eventually(
      async () => ((await applicationItem(id))[ANCHOR_PENDING_ATTRIBUTE] === undefined ? true : undefined),
      { what: 'the application’s mark cleared' },
    );
    expect((await licenceItem(number))[ANCHOR_PENDING_ATTRIBUTE]).toBeUndefined();

    const verified = await audrey.get(`/applications/${id}/audit/verify`);
    expect(verified.body).toMatchObject({
      valid: true,
      events: appVersion,
      anchoredSeq: appVersion,
      checkpoint: 1,
    });
    expect(Date.parse(verified.body.anchoredAt)).toBeGreaterThan(0);
    expect(verified.body.inclusionProof).toMatchObject({
      treeSize: first.heads.length,
      jws: expect.any(String),
    });
    const licenceVerified = await audrey.get(`/licences/${number}/audit/verify`);
    expect(licenceVerified.body).toMatchObject({ valid: true, anchoredSeq: licenceVersion, checkpoint: 1 });

    // Only the licence changes now: the next checkpoint covers it alone and links to the first.
    const suspend = await e2e.people.sam.post(`/licences/${number}/actions/suspend`, {
      reasons: ['RISK_OF_DIVERSION'],
    });
    expect(suspend.status).toBe(200);
    const second = await nextCheckpoint(1);
    expect(second.heads).toEqual([
      {
        kind: 'licence',
        id: number,
        seq: licenceVersion + 1,
        hash: (await licenceItem(number)).auditHeadHash,
      },
    ]);
    expect((await new LocalCheckpointStore(process.env.LOCAL_DATA_DIR ?? '').latest())?.number).toBe(2);

    // The insider case: the last two application events deleted, version and head set back.
    const previous = await auditEvent(id, appVersion - 2);
    for (const seq of [appVersion, appVersion - 1])
      await documentClient.send(
        new DeleteCommand({ TableName: tables().auditEvents, Key: { applicationId: id, seq } }),
      );
    await documentClient.send(
      new UpdateCommand({
        TableName: tables().applications,
        Key: { applicationId: id },
        UpdateExpression: 'SET version = :v, auditHeadHash = :h',
        ExpressionAttributeValues: { ':v': appVersion - 2, ':h': previous.hash },
      }),
    );
    const truncated = await audrey.get(`/applications/${id}/audit/verify`);
    expect(truncated.status).toBe(200);
    expect(truncated.body).toMatchObject({ valid: false, brokenAt: appVersion - 1, anchoredSeq: appVersion });

    // The licence's head rewritten (re-hashed, head hash set to match) behind checkpoint 2.
    const {
      applicationId: _,
      hash: __,
      ...last
    } = await auditEvent(licenceAuditKey(number), licenceVersion + 1);
    const rewritten = { ...last, requestId: 'rewritten' };
    const rewrittenHash = hashEvent(rewritten);
    await documentClient.send(
      new PutCommand({
        TableName: tables().auditEvents,
        Item: { ...rewritten, applicationId: licenceAuditKey(number), hash: rewrittenHash },
      }),
    );
    await documentClient.send(
      new UpdateCommand({
        TableName: tables().licences,
        Key: { licenceNumber: number, sk: 'LICENCE' },
        UpdateExpression: 'SET auditHeadHash = :h',
        ExpressionAttributeValues: { ':h': rewrittenHash },
      }),
    );
    const rewrittenVerify = await audrey.get(`/licences/${number}/audit/verify`);
    expect(rewrittenVerify.body).toMatchObject({
      valid: false,
      brokenAt: licenceVersion + 1,
      anchoredSeq: licenceVersion + 1,
      checkpoint: 2,
    });
  });
});
