import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { DynamoApplicationRepository, documentClient } from '#adapters/dynamodb.ts';
import { tableNamesFromEnv } from '#adapters/table-definitions.ts';
import { WorkflowItems } from '#adapters/workflow-items.ts';
import { type ActionInputs, applyAction } from '#domain/applications/apply-action.ts';
import { DEFAULT_CONFIG } from '#domain/config.ts';
import { ValidationError, VersionConflictError } from '#domain/errors.ts';
import type { Actor, Application } from '#domain/schemas.ts';
import { indexWritesClient } from '../support/index-writes.ts';

const repository = new DynamoApplicationRepository();
const tables = tableNamesFromEnv();

const applicant = (org: string): Actor => ({ kind: 'user', sub: 'alice', org, roles: ['applicant'] });
const context = (overrides = {}) => ({
  now: new Date(),
  requestId: 'test',
  config: DEFAULT_CONFIG,
  ...overrides,
});

async function created(org = `org-${ulid()}`) {
  const result = applyAction(null, 'create', applicant(org), {}, context({ applicationId: `app_${ulid()}` }));
  if (!result.event) throw new Error('create produced no event');
  await repository.commit(result.application, result.event, null);
  return result.application;
}

type OwnerAction = 'update' | 'withdraw';

/** Applies `action` by the owning applicant; fails the test when it produces no audit event. */
function applied<A extends OwnerAction>(application: Application, action: A, input: ActionInputs[A]) {
  const result = applyAction(application, action, applicant(application.orgId), input, context());
  if (!result.event) throw new Error(`${action} produced no event`);
  return { application: result.application, event: result.event };
}

/** Applies `action` and commits it against the version it was applied to. */
async function committed<A extends OwnerAction>(application: Application, action: A, input: ActionInputs[A]) {
  const result = applied(application, action, input);
  await repository.commit(result.application, result.event, application.version);
  return result.application;
}

describe('DynamoApplicationRepository', () => {
  it('writes an index only when a key or an attribute it projects changes', async () => {
    const { client, writes } = indexWritesClient(tables.applications);
    const own = new DynamoApplicationRepository(tables, client);
    const org = `org-${ulid()}`;
    const result = applyAction(
      null,
      'create',
      applicant(org),
      {},
      context({ applicationId: `app_${ulid()}` }),
    );
    if (!result.event) throw new Error('create produced no event');
    await own.commit(result.application, result.event, null);
    const draft = result.application;
    const workflow = new WorkflowItems(tables, client);
    const stored = await workflow.storePendingTask(draft.applicationId, 'DRAFT', {
      token: 'token-1',
      state: 'Draft',
      generation: 1,
    });
    expect(stored).toEqual({ stored: true });
    const edit = applied(draft, 'update', { endUse: { military: false } });
    await own.commit(edit.application, edit.event, draft.version, [], draft);
    const withdraw = applied(edit.application, 'withdraw', { reason: 'x' });
    await own.commit(withdraw.application, withdraw.event, edit.application.version, [], edit.application);
    expect(writes).toEqual([
      ['anchorPending', 'crossOrgListing', 'openApplications', 'orgListing', 'statusListing'],
      // The task token and an edit of the details: nothing any index holds.
      [],
      [],
      // A change of status: the status listings, not the cross-org listing (it projects no status).
      ['orgListing', 'statusListing'],
    ]);
  });

  it('commits the application and its audit event together and reads both back', async () => {
    const application = await created();
    const stored = await repository.get(application.applicationId);
    expect(stored?.application).toEqual(application);
    expect(stored?.workflow).toEqual({ generation: 1, pendingTask: null });
    const events = await repository.auditEvents(application.applicationId);
    expect(events).toHaveLength(1);
    expect(events[0]?.hash).toBe(application.auditHeadHash);
  });

  it('refuses a stale version with VERSION_CONFLICT and writes neither item', async () => {
    const application = await created();
    await committed(application, 'update', { endUse: { military: false } });
    const stale = applied(application, 'update', { endUse: { military: true } });
    await expect(
      repository.commit(stale.application, stale.event, application.version),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect((await repository.get(application.applicationId))?.application.endUse).toEqual({
      military: false,
    });
    expect(await repository.auditEvents(application.applicationId)).toHaveLength(2);
  });

  it('keeps a stored task token across changes that keep the status and drops it when the status moves', async () => {
    const application = await created();
    const pendingTask = { token: 'token-1', state: 'Draft', generation: 1 };
    await documentClient.send(
      new UpdateCommand({
        TableName: tables.applications,
        Key: { applicationId: application.applicationId },
        UpdateExpression: 'SET pendingTask = :task',
        ExpressionAttributeValues: { ':task': pendingTask },
      }),
    );
    const updated = await committed(application, 'update', { endUse: { military: false } });
    expect((await repository.get(application.applicationId))?.workflow.pendingTask).toEqual(pendingTask);

    await committed(updated, 'withdraw', { reason: 'x' });
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tables.applications, Key: { applicationId: application.applicationId } }),
    );
    expect(Item?.pendingTask).toBeUndefined();
    expect(Item?.status).toBe('WITHDRAWN');
  });

  it('with the version it was computed from, writes only what changed (and still removes a deleted detail)', async () => {
    const application = await created();
    const withUse = await committed(application, 'update', { endUse: { military: false } });
    // A marker on an attribute the next change leaves alone: rewritten, it would be gone.
    const UNTOUCHED = '2000-01-01T00:00:00.000Z';
    await documentClient.send(
      new UpdateCommand({
        TableName: tables.applications,
        Key: { applicationId: application.applicationId },
        UpdateExpression: 'SET createdAt = :marker',
        ExpressionAttributeValues: { ':marker': UNTOUCHED },
      }),
    );
    const changed = applied(withUse, 'update', { endUse: null, exporter: { name: 'Ganzhou Oxides Ltd' } });
    await repository.commit(changed.application, changed.event, withUse.version, [], withUse);
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tables.applications, Key: { applicationId: application.applicationId } }),
    );
    expect(Item).toMatchObject({
      createdAt: UNTOUCHED,
      version: changed.application.version,
      exporter: { name: 'Ganzhou Oxides Ltd' },
      auditHeadHash: changed.application.auditHeadHash,
    });
    expect(Item?.endUse).toBeUndefined();
  });

  it('removes a detail that a merge patch deleted', async () => {
    const application = await created();
    const withUse = await committed(application, 'update', { endUse: { military: false } });
    await committed(withUse, 'update', { endUse: null });
    expect((await repository.get(application.applicationId))?.application.endUse).toBeUndefined();
  });

  it('pages through the org index newest first and filters by status', async () => {
    const org = `org-${ulid()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await created(org)).applicationId);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repository.listByOrg(org, { limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.applicationId));
      cursor = page.cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await repository.listByOrg(org, { limit: 10, status: 'SUBMITTED' })).items).toEqual([]);
    expect((await repository.listByOrg(org, { limit: 10, status: 'DRAFT' })).items).toHaveLength(5);
  });

  it('lists across orgs by status, hiding never-submitted applications from reviewers', async () => {
    const application = await created();
    const all = await repository.listAll({ limit: 100, status: 'DRAFT', submittedOnly: false });
    expect(all.items.map((item) => item.applicationId)).toContain(application.applicationId);
    const reviewers = await repository.listAll({ limit: 100, status: 'DRAFT', submittedOnly: true });
    expect(reviewers.items.map((item) => item.applicationId)).not.toContain(application.applicationId);
  });

  it('rejects a cursor it did not issue', async () => {
    await expect(repository.listByOrg('acme', { limit: 2, cursor: 'garbage!' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('hands out licence sequence numbers atomically without duplicates', async () => {
    const counter = `test#${ulid()}`;
    const values = await Promise.all(Array.from({ length: 20 }, () => repository.nextSequence(counter)));
    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
  });
});
