import type { DomainConfig } from './config.ts';
import { PreconditionFailedError, VersionConflictError } from './errors.ts';
import type {
  ApplicationRepository,
  BlobStore,
  CheckpointStore,
  LicenceRepository,
  LicenceSigner,
} from './ports.ts';

/**
 * What every use case gets (ports, configuration, time and ids) and the version-guarded commit
 * every aggregate shares: a change is computed from one version and committed only if the stored
 * item is still at that version.
 */
export interface Dependencies {
  repository: ApplicationRepository;
  blobs: BlobStore;
  config: DomainConfig;
  now: () => Date;
  newId: (prefix: 'app' | 'doc') => string;
  licences: LicenceRepository;
  signer: LicenceSigner;
  /** A fresh licence verification code: 128 random bits, base64url (22 characters). */
  verificationCode: () => string;
  /** Signed audit checkpoints `verify` checks chains against; none configured: chains only. */
  checkpoints?: CheckpointStore | undefined;
  /** Called on every retry after a lost race (metrics, tests). */
  onRetry?: () => void;
}

export interface RequestMeta {
  requestId: string;
  ifMatch?: number | undefined;
}

/** Commits a change computed from `fromVersion`; a lost race is 412 when the caller sent If-Match. */
export async function commitGuarded(
  commit: () => Promise<void>,
  ifMatch: number | undefined,
  fromVersion: number,
): Promise<void> {
  try {
    await commit();
  } catch (error) {
    if (error instanceof VersionConflictError && ifMatch !== undefined) {
      throw new PreconditionFailedError(ifMatch, error.currentVersion ?? fromVersion + 1);
    }
    throw error;
  }
}

/**
 * Runs a whole read → decide → commit again after a lost race (VersionConflictError), up to
 * `attempts` times; with `backoffMs`, waits a random time up to `backoffMs × 2^attempt` (at most
 * a quarter second) in between
 * (contended items: many writers on one licence).
 */
export async function retryOnConflict<T>(
  run: () => Promise<T>,
  attempts = 5,
  backoffMs = 0,
  onRetry?: () => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= attempts) throw error;
      onRetry?.();
      if (backoffMs > 0)
        await new Promise((resolve) =>
          setTimeout(resolve, Math.random() * Math.min(250, backoffMs * 2 ** attempt)),
        );
    }
  }
}
