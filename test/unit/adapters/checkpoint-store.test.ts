import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3CheckpointStore } from '#adapters/checkpoint-store.ts';
import type { StoredCheckpoint } from '#domain/ports.ts';

/**
 * The S3 checkpoint store against a mocked client (there is no local S3): a map of objects that
 * refuses a put with `If-None-Match: *` on an existing key (412, as S3 does) and lists keys in
 * ascending order, as S3 does.
 */
const s3 = mockClient(S3Client);
let objects: Map<string, string>;
let puts: PutObjectCommandInput[];

const failure = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status } });

beforeEach(() => {
  s3.reset();
  objects = new Map();
  puts = [];
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    const key = String(input.Key);
    if (input.IfNoneMatch === '*' && objects.has(key)) throw failure('PreconditionFailed', 412);
    puts.push(input);
    objects.set(key, String(input.Body));
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake(({ Prefix = '', MaxKeys = 1000 }) => ({
    Contents: [...objects.keys()]
      .filter((key) => key.startsWith(Prefix))
      .sort()
      .slice(0, MaxKeys)
      .map((Key) => ({ Key })),
  }));
  s3.on(GetObjectCommand).callsFake(({ Key }) => {
    const body = objects.get(String(Key));
    if (body === undefined) throw failure('NoSuchKey', 404);
    // The part of the SDK's stream body the store reads.
    return { Body: { transformToString: async () => body } };
  });
});

const checkpoint = (number: number, ids: string[]): StoredCheckpoint => ({
  number,
  jws: `jws-${number}`,
  heads: ids.map((id) => ({ kind: 'application', id, seq: number, hash: 'a'.repeat(64) })),
});

describe('S3 checkpoint store (Object Lock bucket)', () => {
  it('puts every object write-once with a checksum and no retention of its own (the bucket default locks it)', async () => {
    const store = new S3CheckpointStore('audit-bucket', new S3Client({}));
    await store.put(checkpoint(1, ['app_1', 'app_2']));
    expect(puts.map((put) => put.Key)).toEqual([
      'checkpoints/000000000001.json',
      'covers/application/app_1/999999999998',
      'covers/application/app_2/999999999998',
      'newest/999999999998',
    ]);
    for (const put of puts) {
      expect(put).toMatchObject({ Bucket: 'audit-bucket', IfNoneMatch: '*', ChecksumAlgorithm: 'SHA256' });
      expect(put).not.toHaveProperty('ObjectLockMode');
      expect(put).not.toHaveProperty('ObjectLockRetainUntilDate');
    }
  });

  it('refuses to overwrite a stored number: the 412 reaches the writer and the object stays', async () => {
    const store = new S3CheckpointStore('audit-bucket', new S3Client({}));
    await store.put(checkpoint(1, ['app_1']));
    await expect(store.put({ ...checkpoint(1, ['app_9']), jws: 'forged' })).rejects.toMatchObject({
      name: 'PreconditionFailed',
    });
    expect((await store.latest())?.jws).toBe('jws-1');
    expect(await store.latestCovering('application', 'app_9')).toBeNull();
  });

  it('finds the newest checkpoint and the newest one covering a chain with one listing each', async () => {
    const store = new S3CheckpointStore('audit-bucket', new S3Client({}));
    expect(await store.latest()).toBeNull();
    expect(await store.latestCovering('application', 'app_1')).toBeNull();
    for (let number = 1; number <= 11; number++)
      await store.put(checkpoint(number, number % 2 === 1 ? ['app_1'] : ['app_2']));
    expect((await store.latest())?.number).toBe(11);
    expect((await store.latestCovering('application', 'app_2'))?.number).toBe(10);
    expect((await store.latestCovering('application', 'app_1'))?.number).toBe(11);
    expect((await store.latestCovering('licence', 'app_1'))?.number ?? null).toBeNull();
  });

  it('finds a checkpoint whose run stopped before its `newest` marker, so the next number is not reused', async () => {
    const store = new S3CheckpointStore('audit-bucket', new S3Client({}));
    await store.put(checkpoint(1, ['app_1']));
    objects.set('checkpoints/000000000002.json', JSON.stringify(checkpoint(2, ['app_2'])));
    expect((await store.latest())?.number).toBe(2);
  });

  it('passes on an S3 failure other than a missing object', async () => {
    s3.on(GetObjectCommand).rejects(failure('AccessDenied', 403));
    const store = new S3CheckpointStore('audit-bucket', new S3Client({}));
    objects.set('newest/999999999998', '');
    await expect(store.latest()).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
