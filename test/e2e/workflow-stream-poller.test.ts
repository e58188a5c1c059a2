import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTablesIfMissing } from '#local/create-tables.ts';
import { freePort } from '#local/ports.ts';
import { holdStreamPollers, type StreamPoller, startStreamPoller } from '#local/stream-poller.ts';
import { eventually } from '../support/stack.ts';

/** The local stream event source against DynamoDB Local's real stream. */
const TABLE = 'wfPollerApplications';
const names = {
  applications: TABLE,
  auditEvents: 'wfPollerAudit',
  idempotency: 'wfPollerIdem',
  counters: 'wfPollerCounters',
  stats: 'wfPollerStats',
  licences: 'wfPollerLicences',
  events: 'wfPollerEvents',
};
process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = inject('dynamodbEndpoint');
const client = new DynamoDBClient({});
const documents = DynamoDBDocumentClient.from(client);

let dataDir: string;
let poller: StreamPoller | undefined;
let delivered: DynamoDBRecord[];
let failOnce: Set<string>;

beforeAll(async () => {
  await createTablesIfMissing(client, names);
  dataDir = await mkdtemp(join(tmpdir(), 'stream-poller-'));
});
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  client.destroy();
});

/** Records the events; fails each record whose id is in `failOnce` the first time it sees it. */
async function relay(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const id = record.dynamodb?.Keys?.applicationId?.S ?? '';
    if (batchItemFailures.length > 0 || failOnce.delete(id)) {
      batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
    } else delivered.push(record);
  }
  return { batchItemFailures };
}

const start = async (checkpoint: string) => {
  poller = await startStreamPoller({
    tableName: TABLE,
    relay,
    checkpointFile: join(dataDir, checkpoint),
    intervalMs: 20,
  });
};
const put = (id: string) =>
  documents.send(new PutCommand({ TableName: TABLE, Item: { applicationId: id, status: 'DRAFT' } }));
const ids = () => delivered.map((record) => `${record.eventName}:${record.dynamodb?.Keys?.applicationId?.S}`);

describe('local stream poller', () => {
  it('delivers Lambda-shaped records, retries a failed record and those after it, and resumes after a restart', async () => {
    delivered = [];
    failOnce = new Set(['p-2']);
    await start('resume.json');
    await put('p-1');
    await put('p-2');
    await documents.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { applicationId: 'p-1' },
        UpdateExpression: 'SET #status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': 'END_USER_DOCS' },
      }),
    );
    await eventually(async () => (delivered.length >= 3 ? true : undefined));
    expect(ids()).toEqual(['INSERT:p-1', 'INSERT:p-2', 'MODIFY:p-1']);
    const modify = delivered[2];
    expect(modify).toMatchObject({
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      eventSourceARN: expect.stringMatching(
        /^arn:aws:dynamodb:ddblocal:000000000000:table\/wfPollerApplications\/stream\//,
      ),
      dynamodb: {
        OldImage: { status: { S: 'DRAFT' } },
        NewImage: { status: { S: 'END_USER_DOCS' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(typeof modify?.dynamodb?.ApproximateCreationDateTime).toBe('number');

    await poller?.stop();
    await put('p-3');
    delivered = [];
    await start('resume.json');
    await eventually(async () => (delivered.length >= 1 ? true : undefined));
    expect(ids()).toEqual(['INSERT:p-3']);
  });

  it('reads the stream from its start when it has no checkpoint', async () => {
    delivered = [];
    failOnce = new Set();
    await start('fresh.json');
    expect(ids()).toEqual(['INSERT:p-1', 'INSERT:p-2', 'MODIFY:p-1', 'INSERT:p-3']);
  });

  it('delivers nothing while held, then everything the stream got meanwhile once released', async () => {
    await start('held.json');
    delivered = [];
    failOnce = new Set();
    const release = holdStreamPollers();
    try {
      await put('h-1');
      await put('h-2');
      await delay(300); // fifteen polling intervals
      expect(ids()).toEqual([]);
    } finally {
      release();
    }
    await eventually(async () => (delivered.length >= 2 ? true : undefined));
    expect(ids()).toEqual(['INSERT:h-1', 'INSERT:h-2']);
  });

  it('backs off while DynamoDB cannot be reached, and delivers again once it can', async () => {
    delivered = [];
    failOnce = new Set();
    // A real client whose endpoint can be turned to a closed port (connection refused) and back.
    const reachable = new URL(inject('dynamodbEndpoint'));
    const closed = new URL(`http://127.0.0.1:${await freePort()}`);
    let target = reachable;
    const streams = new DynamoDBStreamsClient({
      maxAttempts: 1,
      endpoint: async () => ({
        protocol: target.protocol,
        hostname: target.hostname,
        port: Number(target.port),
        path: '/',
      }),
    });
    let polls = 0;
    streams.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'DescribeStreamCommand') polls += 1;
        return next(args);
      },
      { step: 'initialize' },
    );
    poller = await startStreamPoller({
      tableName: TABLE,
      relay,
      checkpointFile: join(dataDir, 'backoff.json'),
      intervalMs: 20,
      streams,
    });

    target = closed;
    polls = 0;
    await delay(2_000);
    const pollsWhileDown = polls;
    target = reachable;
    await put('p-4');

    // At a 20 ms interval, 2 s of retrying without a pause would be some 100 polls.
    expect(pollsWhileDown).toBeGreaterThanOrEqual(3);
    expect(pollsWhileDown).toBeLessThanOrEqual(12);
    await eventually(async () => (ids().includes('INSERT:p-4') ? true : undefined));
    await poller.stop();
    poller = undefined;
    streams.destroy();
  });
});
