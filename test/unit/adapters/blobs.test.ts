import { describe, expect, it } from 'vitest';
import { blobStoreFromEnv, FileBlobStore, S3BlobStore } from '#adapters/blobs.ts';

describe('the document store the environment names', () => {
  it('is S3 with BLOB_STORE=s3 and a bucket, and refuses BLOB_STORE=s3 without one', () => {
    expect(blobStoreFromEnv({ BLOB_STORE: 's3', DOCUMENTS_BUCKET: 'docs' })).toBeInstanceOf(S3BlobStore);
    expect(() => blobStoreFromEnv({ BLOB_STORE: 's3' })).toThrow(/DOCUMENTS_BUCKET must be set/);
  });

  it('is files under the data directory locally', () => {
    expect(blobStoreFromEnv({ LOCAL_DATA_DIR: '/tmp/x' })).toBeInstanceOf(FileBlobStore);
  });

  it('refuses every use in a deployed function given none, instead of writing files there', async () => {
    const store = blobStoreFromEnv({ AWS_LAMBDA_FUNCTION_NAME: 'licence-audit-api' });
    expect(store).not.toBeInstanceOf(FileBlobStore);
    await expect(store.get('app_1/CONTRACT')).rejects.toThrow(/licence-audit-api has no document store/);
    await expect(store.put('app_1/CONTRACT', new Uint8Array(1), 'application/pdf')).rejects.toThrow(
      /no document store/,
    );
  });
});
