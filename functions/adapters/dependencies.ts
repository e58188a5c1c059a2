import { ulid } from 'ulid';
import type { Dependencies } from '../domain/dependencies.ts';
import { blobStoreFromEnv } from './blobs.ts';
import { clock } from './clock.ts';
import { config } from './config.ts';
import { DynamoApplicationRepository } from './dynamodb.ts';

/** The use cases' ports wired to the real adapters, once per Lambda module. */
export function createDependencies(): Dependencies {
  return {
    repository: new DynamoApplicationRepository(),
    blobs: blobStoreFromEnv(),
    config,
    now: () => clock.now(),
    newId: (prefix) => `${prefix}_${ulid()}`,
  };
}
