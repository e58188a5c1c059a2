import type { S3Client } from '@aws-sdk/client-s3';

export type S3Sdk = typeof import('@aws-sdk/client-s3');
let sdkModule: Promise<S3Sdk> | undefined;

/**
 * The S3 SDK and one client, loaded on the first call rather than at a cold start (most
 * invocations touch no bucket). A client passed in (tests) is used as it is.
 */
export function lazyS3(client?: S3Client): () => Promise<{ sdk: S3Sdk; client: S3Client }> {
  let current = client;
  return async () => {
    sdkModule ??= import('@aws-sdk/client-s3');
    const sdk = await sdkModule;
    current ??= new sdk.S3Client({});
    return { sdk, client: current };
  };
}
