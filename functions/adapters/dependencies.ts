import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import type { QueueDependencies } from '../domain/applications/queue-use-cases.ts';
import type { Dependencies } from '../domain/dependencies.ts';
import { blobStoreFromEnv } from './blobs.ts';
import { checkpointStoreFromEnv } from './checkpoint-store.ts';
import { clock } from './clock.ts';
import { config } from './config.ts';
import { DynamoApplicationRepository } from './dynamodb.ts';
import { DynamoLicenceRepository } from './licences.ts';
import { lazyLicenceSigner } from './signing.ts';

/** One signer per module (its keys are loaded once), chosen when it first signs. */
const licenceSigner = lazyLicenceSigner();

/** The use cases' ports wired to the real adapters, once per Lambda module. */
export function createDependencies(): QueueDependencies {
  const repository = new DynamoApplicationRepository();
  return {
    repository,
    queue: repository,
    blobs: blobStoreFromEnv(),
    config,
    now: () => clock.now(),
    newId: (prefix) => `${prefix}_${ulid()}`,
    licences: new DynamoLicenceRepository(),
    signer: licenceSigner,
    verificationCode: () => randomBytes(16).toString('base64url'),
  };
}

/**
 * The same ports plus the signed audit checkpoints that verifying an audit chain checks it against
 * (GET …/audit/verify): only the functions that verify load the checkpoint store and read its bucket.
 */
export const withCheckpoints = <D extends Dependencies>(deps: D): D => ({
  ...deps,
  checkpoints: checkpointStoreFromEnv(),
});
