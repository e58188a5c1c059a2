import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { JAVA_REQUIRED_MESSAGE, startDynamoDbLocal } from '#local/dynamodb-local.ts';
import { freePort } from '#local/ports.ts';

const clientFor = (endpoint: string) =>
  new DynamoDBClient({ endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

async function listTables(endpoint: string): Promise<string[]> {
  const client = clientFor(endpoint);
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
}

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync('true');
  if (child.pid === undefined) throw new Error('could not spawn `true`');
  return child.pid;
}

/** The java pid the pidfile records. */
async function javaPidIn(pidFile: string): Promise<number> {
  return (JSON.parse(await readFile(pidFile, 'utf8')) as { pid: number }).pid;
}

function processExists(pid: number): boolean {
  const state = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return state !== '' && !state.startsWith('Z');
}

describe('dynamodb-local global setup', () => {
  it('gives workers the endpoint through the environment and inject, with the four tables', async () => {
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(inject('dynamodbEndpoint'));
    // No endpoint option: the SDK must pick AWS_ENDPOINT_URL_DYNAMODB up by itself.
    const client = new DynamoDBClient({});
    try {
      const { TableNames } = await client.send(new ListTablesCommand({}));
      expect(TableNames).toEqual(
        expect.arrayContaining(['Applications', 'AuditEvents', 'Counters', 'Idempotency']),
      );
    } finally {
      client.destroy();
    }
  });
});

describe('startDynamoDbLocal', () => {
  let workDir: string;

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'dynamodb-local-test-'));
  });

  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('keeps tables in dataDir across restarts and ignores pidfiles of other processes', async () => {
    const dataDir = join(workDir, 'data');
    const pidFile = join(workDir, 'dynamodb.pid');
    // A live process that is not DynamoDB Local (this one) must be left alone.
    await writeFile(pidFile, `${process.pid}\n`);

    const first = await startDynamoDbLocal({ port: await freePort(), dataDir, pidFile });
    const javaPid = await javaPidIn(pidFile);
    expect(processExists(javaPid)).toBe(true);
    const client = clientFor(first.endpoint);
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'Persisted',
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        }),
      );
    } finally {
      client.destroy();
    }
    await first.stop();
    await expect(stat(pidFile)).rejects.toThrow(/ENOENT/);
    expect(processExists(javaPid)).toBe(false);

    await writeFile(pidFile, `${deadPid()}\n`);
    const second = await startDynamoDbLocal({ port: await freePort(), dataDir, pidFile });
    try {
      expect(await listTables(second.endpoint)).toEqual(['Persisted']);
    } finally {
      await second.stop();
    }
  });

  it('stops the java orphaned by a killed parent before starting on the same port', async () => {
    const port = await freePort();
    const pidFile = join(workDir, 'dynamodb.pid');
    const moduleUrl = new URL(`file://${resolve('local/dynamodb-local.ts')}`).href;
    const parentScript = `
      const { startDynamoDbLocal } = await import(${JSON.stringify(moduleUrl)});
      await startDynamoDbLocal({ port: ${port}, pidFile: ${JSON.stringify(pidFile)} });
      process.stdout.write('ready\\n');
      setInterval(() => {}, 60_000);
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', parentScript], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await once(parent.stdout, 'data');
    const orphanPid = await javaPidIn(pidFile);
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    expect(processExists(orphanPid)).toBe(true);

    const restarted = await startDynamoDbLocal({ port, pidFile });
    try {
      expect(processExists(orphanPid)).toBe(false);
      expect(await javaPidIn(pidFile)).not.toBe(orphanPid);
      expect(await listTables(restarted.endpoint)).toEqual([]);
    } finally {
      await restarted.stop();
    }
  });

  it('fails with one clear sentence when java is not installed', async () => {
    const path = process.env.PATH;
    process.env.PATH = workDir;
    try {
      await expect(startDynamoDbLocal({ port: await freePort() })).rejects.toThrow(JAVA_REQUIRED_MESSAGE);
    } finally {
      process.env.PATH = path;
    }
  });
});
