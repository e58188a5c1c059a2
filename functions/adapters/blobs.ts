import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BlobStore } from '../domain/ports.ts';
import { lazyS3 } from './s3.ts';
import { writesAllowed } from './write-barrier.ts';

/**
 * Document content: S3 on AWS (KMS-encrypted bucket), a folder under LOCAL_DATA_DIR locally. The
 * S3 SDK loads on the first document request, not at a cold start (most requests touch no document).
 */
export class S3BlobStore implements BlobStore {
  private readonly sdk: ReturnType<typeof lazyS3>;

  constructor(
    private readonly bucket: string,
    client?: S3Client,
  ) {
    this.sdk = lazyS3(client);
  }

  async put(key: string, content: Uint8Array, contentType: string): Promise<void> {
    await writesAllowed();
    const { sdk, client } = await this.sdk();
    await client.send(
      new sdk.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: content, ContentType: contentType }),
    );
  }

  async get(key: string): Promise<Uint8Array | null> {
    const { sdk, client } = await this.sdk();
    try {
      const { Body } = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Body ? await Body.transformToByteArray() : null;
    } catch (error) {
      if (error instanceof Error && error.name === 'NoSuchKey') return null;
      throw error;
    }
  }
}

const SAFE_KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

export class FileBlobStore implements BlobStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    if (!SAFE_KEY.test(key)) throw new RangeError(`unsafe blob key "${key}"`);
    return join(this.root, key);
  }

  async put(key: string, content: Uint8Array): Promise<void> {
    await writesAllowed();
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}

/**
 * `BLOB_STORE=s3` with `DOCUMENTS_BUCKET` on AWS; locally files under `LOCAL_DATA_DIR/documents`.
 * A deployed function given no document store (only the api has one) refuses to use one, rather
 * than keep documents in files that vanish with its sandbox.
 */
export function blobStoreFromEnv(env: NodeJS.ProcessEnv = process.env): BlobStore {
  if (env.BLOB_STORE === 's3') {
    if (!env.DOCUMENTS_BUCKET) throw new Error('DOCUMENTS_BUCKET must be set when BLOB_STORE=s3');
    return new S3BlobStore(env.DOCUMENTS_BUCKET);
  }
  if (env.AWS_LAMBDA_FUNCTION_NAME) return noDocumentStore(env.AWS_LAMBDA_FUNCTION_NAME);
  return new FileBlobStore(join(env.LOCAL_DATA_DIR || '.local', 'documents'));
}

function noDocumentStore(functionName: string): BlobStore {
  const refuse = async (): Promise<never> => {
    throw new Error(`${functionName} has no document store (BLOB_STORE=s3 and DOCUMENTS_BUCKET unset)`);
  };
  return { put: refuse, get: refuse };
}
