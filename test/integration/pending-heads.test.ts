import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoApplicationRepository, documentClient } from '#adapters/dynamodb.ts';
import { DynamoPendingHeads } from '#adapters/pending-heads.ts';
import { ANCHOR_PENDING_ATTRIBUTE, type TableNames } from '#adapters/table-definitions.ts';
import { applyAction } from '#domain/applications/apply-action.ts';
import { DEFAULT_CONFIG } from '#domain/config.ts';
import type { Actor, Application, AuditEvent } from '#domain/schemas.ts';
import { createOwnTables } from '../support/api.ts';

/**
 * The checkpoint writer's source of changed heads: the sparse `anchorPending` index on DynamoDB
 * Local, marked by the repository's own writes, cleared only at the anchored head.
 */
let tables: TableNames;
let repository: DynamoApplicationRepository;

beforeAll(async () => {
  tables = await createOwnTables('pending');
  repository = new DynamoApplicationRepository(tables);
});

const actor: Actor = { kind: 'user', sub: 'alice', org: 'acme', roles: ['applicant'] };
const context = (applicationId: string) => ({
  now: new Date(),
  requestId: 'test',
  config: DEFAULT_CONFIG,
  applicationId,
});

/** A draft created through the domain and the repository (its first audit event marks it). */
async function created(): Promise<{ application: Application; event: AuditEvent }> {
  const id = `app_${ulid()}`;
  const result = applyAction(null, 'create', actor, {}, context(id));
  if (!result.event) throw new Error('create produced no event');
  await repository.commit(result.application, result.event, null);
  return { application: result.application, event: result.event };
}

/** One more change (a PATCH of the details) committed by the repository. */
async function updated(application: Application): Promise<{ application: Application; event: AuditEvent }> {
  const result = applyAction(
    application,
    'update',
    actor,
    { endUse: { military: false } },
    context(application.applicationId),
  );
  if (!result.event) throw new Error('update produced no event');
  await repository.commit(result.application, result.event, application.version);
  return { application: result.application, event: result.event };
}

const mark = async (id: string) =>
  (
    await documentClient.send(
      new GetCommand({ TableName: tables.applications, Key: { applicationId: id }, ConsistentRead: true }),
    )
  ).Item?.[ANCHOR_PENDING_ATTRIBUTE];

describe('pending heads from the sparse anchorPending index', () => {
  it('finds every chain changed since its mark was cleared, with its current head', async () => {
    const pending = new DynamoPendingHeads(tables);
    const a = await created();
    const b = await updated((await created()).application);
    const heads = await pending.pending();
    expect(heads).toEqual(
      expect.arrayContaining([
        { kind: 'application', id: a.application.applicationId, seq: 1, hash: a.event.hash },
        { kind: 'application', id: b.application.applicationId, seq: 2, hash: b.event.hash },
      ]),
    );
    await pending.clear(heads);
    expect(await mark(a.application.applicationId)).toBeUndefined();
    expect(await pending.pending()).toEqual([]);

    // A change after the clear marks the chain again.
    const c = await updated(a.application);
    expect(await mark(a.application.applicationId)).toBe('pending');
    expect(await pending.pending()).toEqual([
      { kind: 'application', id: a.application.applicationId, seq: 2, hash: c.event.hash },
    ]);
    await pending.clear(await pending.pending());
  });

  it('keeps a mark whose chain moved on between the read and the clear', async () => {
    const pending = new DynamoPendingHeads(tables);
    const { application } = await created();
    const read = await pending.pending();
    const moved = await updated(application);
    await pending.clear(read);
    expect(await mark(application.applicationId)).toBe('pending');
    expect(await pending.pending()).toEqual([
      { kind: 'application', id: application.applicationId, seq: 2, hash: moved.event.hash },
    ]);
    await pending.clear(await pending.pending());
  });

  it('reads at most its limit of heads per run; the rest stay for the next one', async () => {
    const limited = new DynamoPendingHeads(tables, documentClient, 2);
    for (let i = 0; i < 3; i++) await created();
    const first = await limited.pending();
    expect(first).toHaveLength(2);
    await limited.clear(first);
    const rest = await limited.pending();
    expect(rest).toHaveLength(1);
    await limited.clear(rest);
  });

  it('leaves out an item marked without a head (nothing to anchor)', async () => {
    const pending = new DynamoPendingHeads(tables);
    const { application } = await created();
    await documentClient.send(
      new UpdateCommand({
        TableName: tables.applications,
        Key: { applicationId: application.applicationId },
        UpdateExpression: 'REMOVE auditHeadHash',
      }),
    );
    expect(await pending.pending()).toEqual([]);
  });
});
