import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { DynamoApplicationRepository, documentClient } from '#adapters/dynamodb.ts';
import { tableNamesFromEnv, WORKFLOW_OPEN_ATTRIBUTE } from '#adapters/table-definitions.ts';
import { WorkflowItems } from '#adapters/workflow-items.ts';
import { applyAction } from '#domain/applications/apply-action.ts';
import { DEFAULT_CONFIG } from '#domain/config.ts';
import type { Actor } from '#domain/schemas.ts';

/** The reconciler's walk through the sparse `openApplications` index, on DynamoDB Local. */
const repository = new DynamoApplicationRepository();
const items = new WorkflowItems();
const tables = tableNamesFromEnv();
const DAY_MS = 24 * 60 * 60 * 1000;

async function stored(status?: string, updatedAt?: string) {
  const org = `org-${ulid()}`;
  const actor: Actor = { kind: 'user', sub: 'alice', org, roles: ['applicant'] };
  const context = {
    now: new Date(),
    requestId: 'test',
    config: DEFAULT_CONFIG,
    applicationId: `app_${ulid()}`,
  };
  const result = applyAction(null, 'create', actor, {}, context);
  if (!result.event) throw new Error('create produced no event');
  await repository.commit(result.application, result.event, null);
  const id = result.application.applicationId;
  if (status && updatedAt) {
    await documentClient.send(
      new UpdateCommand({
        TableName: tables.applications,
        Key: { applicationId: id },
        UpdateExpression: 'SET #status = :status, #updatedAt = :updatedAt',
        ExpressionAttributeNames: { '#status': 'status', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':status': status, ':updatedAt': updatedAt },
      }),
    );
  }
  return id;
}

async function walked(ids: string[], finalSince: string): Promise<string[]> {
  const seen: string[] = [];
  for await (const { application } of items.toReconcile(finalSince)) {
    if (ids.includes(application.applicationId)) seen.push(application.applicationId);
  }
  return seen.sort();
}

const openKeyOf = async (id: string) =>
  (
    await documentClient.send(
      new GetCommand({ TableName: tables.applications, Key: { applicationId: id }, ConsistentRead: true }),
    )
  ).Item?.[WORKFLOW_OPEN_ATTRIBUTE];

describe('the open applications index', () => {
  it('gives the reconciler open and recently finished applications, and drops long-finished ones', async () => {
    const since = new Date(Date.now() - DAY_MS).toISOString();
    const open = await stored();
    const recentlyFinished = await stored('WITHDRAWN', new Date().toISOString());
    const longFinished = await stored('APPROVED', new Date(Date.now() - 3 * DAY_MS).toISOString());
    const ids = [open, recentlyFinished, longFinished];

    expect(await walked(ids, since)).toEqual([open, recentlyFinished].sort());
    // The long-finished one left the index: later runs do not read it at all.
    expect(await openKeyOf(longFinished)).toBeUndefined();
    expect(await openKeyOf(open)).toBe('open');
    expect(await walked(ids, since)).toEqual([open, recentlyFinished].sort());
  });

  it('marks open applications stored before the index existed, once', async () => {
    const id = `app_${ulid()}`;
    const legacy = await stored();
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: tables.applications,
        Key: { applicationId: legacy },
        ConsistentRead: true,
      }),
    );
    const { [WORKFLOW_OPEN_ATTRIBUTE]: _open, ...withoutKey } = Item ?? {};
    await documentClient.send(
      new PutCommand({ TableName: tables.applications, Item: { ...withoutKey, applicationId: id } }),
    );
    expect(await walked([id], new Date().toISOString())).toEqual([]);

    expect(await items.backfillOpen()).toBeGreaterThanOrEqual(1);
    expect(await walked([id], new Date().toISOString())).toEqual([id]);
    expect(await items.backfillOpen()).toBe(0);
  });
});
