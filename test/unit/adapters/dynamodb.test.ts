import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoApplicationRepository } from '#adapters/dynamodb.ts';
import { tableNamesFromEnv } from '#adapters/table-definitions.ts';
import { applyAction } from '#domain/applications/apply-action.ts';
import { DEFAULT_CONFIG } from '#domain/config.ts';
import { VersionConflictError } from '#domain/errors.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const mock = mockClient(documentClient);
const repository = new DynamoApplicationRepository(
  {
    applications: 'A',
    auditEvents: 'E',
    idempotency: 'I',
    counters: 'C',
    stats: 'S',
    licences: 'L',
    events: 'V',
  },
  documentClient,
);
const actor = { kind: 'user' as const, sub: 'alice', org: 'acme', roles: ['applicant' as const] };
const created = applyAction(
  null,
  'create',
  actor,
  {},
  {
    now: new Date('2026-11-23T10:00:00Z'),
    requestId: 'r',
    config: DEFAULT_CONFIG,
    applicationId: 'app_1',
  },
);
const updated = applyAction(
  created.application,
  'update',
  actor,
  { endUse: { military: false } },
  {
    now: new Date('2026-11-23T11:00:00Z'),
    requestId: 'r',
    config: DEFAULT_CONFIG,
  },
);

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('DynamoApplicationRepository error paths', () => {
  beforeEach(() => mock.reset());

  it.each([
    ['a failed condition (the version moved on)', 'ConditionalCheckFailed'],
    ['a transaction conflict (a concurrent transaction held the application)', 'TransactionConflict'],
  ])('turns a transaction cancelled by %s into VERSION_CONFLICT after a re-read', async (_, code) => {
    mock.on(TransactWriteCommand).rejects(cancelled([code, 'None']));
    mock
      .on(GetCommand)
      .resolves({ Item: { ...updated.application, version: 5, itemType: 'application', generation: 1 } });
    const error = await repository
      .commit(updated.application, updated.event as never, 1)
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect((error as VersionConflictError).currentVersion).toBe(5);
    expect(mock.commandCalls(GetCommand)).toHaveLength(1);
  });

  it('passes on a transaction cancelled for another reason (an item too large) unchanged', async () => {
    mock.on(TransactWriteCommand).rejects(cancelled(['ValidationError', 'None']));
    await expect(repository.commit(updated.application, updated.event as never, 1)).rejects.toBeInstanceOf(
      TransactionCanceledException,
    );
    expect(mock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('passes throttling through so the caller answers 500 and nothing is half-written', async () => {
    mock
      .on(TransactWriteCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(repository.commit(updated.application, updated.event as never, 1)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });

  it('writes the application update conditioned on the version and the audit event on attribute_not_exists', async () => {
    mock.on(TransactWriteCommand).resolves({});
    await repository.commit(updated.application, updated.event as never, 1);
    const [call] = mock.commandCalls(TransactWriteCommand);
    const items = call?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Update?.ConditionExpression).toBe('#version = :expected');
    expect(items[0]?.Update?.ExpressionAttributeValues?.[':expected']).toBe(1);
    expect(items[0]?.Update?.UpdateExpression).not.toContain('pendingTask');
    expect(items[1]?.Put?.ConditionExpression).toBe('attribute_not_exists(seq)');
    expect(items[1]?.Put?.Item?.seq).toBe(2);
  });
});

describe('tableNamesFromEnv', () => {
  it('uses the local default names when not running in Lambda', () => {
    expect(tableNamesFromEnv({}).auditEvents).toBe('AuditEvents');
  });

  it('refuses to fall back to a default name inside a deployed Lambda', () => {
    const names = tableNamesFromEnv({ AWS_LAMBDA_FUNCTION_NAME: 'api', APPLICATIONS_TABLE: 'prod-apps' });
    expect(names.applications).toBe('prod-apps');
    expect(() => names.auditEvents).toThrow('AUDIT_TABLE is not set for this function');
  });
});
