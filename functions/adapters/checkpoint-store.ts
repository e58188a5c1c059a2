import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AnchoredKind } from '../domain/checkpoints.ts';
import type { CheckpointStore, StoredCheckpoint } from '../domain/ports.ts';
import { lazyS3 } from './s3.ts';

const fileName = (number: number): string => `${String(number).padStart(12, '0')}.json`;

/**
 * Checkpoints as one JSON file each under `<LOCAL_DATA_DIR>/checkpoints/`, written with `wx` so a
 * number is never overwritten (the local stand-in for S3 Object Lock).
 */
export class LocalCheckpointStore implements CheckpointStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = resolve(dataDir, 'checkpoints');
  }

  private async numbers(): Promise<number[]> {
    try {
      const names = await readdir(this.dir);
      return names
        .filter((name) => /^\d{12}\.json$/.test(name))
        .map((name) => Number(name.slice(0, 12)))
        .sort((a, b) => b - a);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private async read(number: number): Promise<StoredCheckpoint> {
    return JSON.parse(await readFile(join(this.dir, fileName(number)), 'utf8')) as StoredCheckpoint;
  }

  async latest(): Promise<StoredCheckpoint | null> {
    const [newest] = await this.numbers();
    return newest === undefined ? null : this.read(newest);
  }

  async put(checkpoint: StoredCheckpoint): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, fileName(checkpoint.number)), JSON.stringify(checkpoint), { flag: 'wx' });
  }

  async latestCovering(kind: AnchoredKind, id: string): Promise<StoredCheckpoint | null> {
    for (const number of await this.numbers()) {
      const checkpoint = await this.read(number);
      if (checkpoint.heads.some((head) => head.kind === kind && head.id === id)) return checkpoint;
    }
    return null;
  }
}

/** Above every checkpoint number: keys of `number` inverted sort newest first in S3 listings. */
const NUMBER_CEILING = 999_999_999_999;
const inverted = (number: number): string => String(NUMBER_CEILING - number).padStart(12, '0');
const fromInverted = (key: string): number => NUMBER_CEILING - Number(key.slice(-12));
const coverPrefix = (kind: AnchoredKind, id: string): string => `covers/${kind}/${encodeURIComponent(id)}/`;

const errorName = (error: unknown): string | undefined => (error instanceof Error ? error.name : undefined);

/**
 * Checkpoints in the S3 bucket with Object Lock (the bucket's default retention locks every
 * object version; this writer sets no retention of its own, and may not: no s3:PutObjectRetention).
 *
 * - `checkpoints/<number>.json`: the checkpoint, put with `If-None-Match: *` (write-once even
 *   before the lock: a second writer of the same number gets 412, never overwrites);
 * - `covers/<kind>/<id>/<inverted number>`: an empty marker per chain, so the newest checkpoint
 *   covering a chain is the first key of one listing;
 * - `newest/<inverted number>`: written last, the newest checkpoint is the first key of one
 *   listing; a run that stopped before it is found by looking one number further.
 */
export class S3CheckpointStore implements CheckpointStore {
  private readonly sdk: ReturnType<typeof lazyS3>;

  constructor(
    private readonly bucket: string,
    client?: S3Client,
  ) {
    this.sdk = lazyS3(client);
  }

  /** The number of the first key under `prefix` (inverted: the newest), null when there is none. */
  private async firstNumber(prefix: string): Promise<number | null> {
    const { sdk, client } = await this.sdk();
    const { Contents = [] } = await client.send(
      new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1 }),
    );
    const key = Contents[0]?.Key;
    return key === undefined ? null : fromInverted(key);
  }

  private async read(number: number): Promise<StoredCheckpoint | null> {
    const { sdk, client } = await this.sdk();
    try {
      const { Body } = await client.send(
        new sdk.GetObjectCommand({ Bucket: this.bucket, Key: `checkpoints/${fileName(number)}` }),
      );
      return Body ? (JSON.parse(await Body.transformToString()) as StoredCheckpoint) : null;
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') return null;
      throw error;
    }
  }

  async latest(): Promise<StoredCheckpoint | null> {
    let newest = (await this.firstNumber('newest/')) ?? 0;
    let checkpoint = newest === 0 ? null : await this.read(newest);
    // A run that stored its checkpoint but stopped before its `newest/` marker.
    for (let next = await this.read(newest + 1); next; next = await this.read(newest + 1)) {
      newest += 1;
      checkpoint = next;
    }
    return checkpoint;
  }

  private async putObject(key: string, body: string): Promise<void> {
    const { sdk, client } = await this.sdk();
    await client.send(
      new sdk.PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        IfNoneMatch: '*',
        // Object Lock requires an integrity checksum on every put.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  async put(checkpoint: StoredCheckpoint): Promise<void> {
    await this.putObject(`checkpoints/${fileName(checkpoint.number)}`, JSON.stringify(checkpoint));
    const marker = inverted(checkpoint.number);
    await Promise.all(
      checkpoint.heads.map((head) => this.putObject(`${coverPrefix(head.kind, head.id)}${marker}`, '')),
    );
    await this.putObject(`newest/${marker}`, '');
  }

  async latestCovering(kind: AnchoredKind, id: string): Promise<StoredCheckpoint | null> {
    const number = await this.firstNumber(coverPrefix(kind, id));
    return number === null ? null : this.read(number);
  }
}

/**
 * The Object Lock bucket when `CHECKPOINT_BUCKET` is set (on AWS), the folder under LOCAL_DATA_DIR
 * locally; a deployed function without the bucket has none (its `verify` checks heads only).
 */
export function checkpointStoreFromEnv(env: NodeJS.ProcessEnv = process.env): CheckpointStore | undefined {
  if (env.CHECKPOINT_BUCKET) return new S3CheckpointStore(env.CHECKPOINT_BUCKET);
  if (env.AWS_LAMBDA_FUNCTION_NAME) return undefined;
  return new LocalCheckpointStore(env.LOCAL_DATA_DIR || '.local');
}

/** The checkpoint writer cannot run without a store. */
export function requiredCheckpointStore(env: NodeJS.ProcessEnv = process.env): CheckpointStore {
  const store = checkpointStoreFromEnv(env);
  if (!store) throw new Error('CHECKPOINT_BUCKET is not set for this function');
  return store;
}
