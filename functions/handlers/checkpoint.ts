import { requiredCheckpointStore } from '../adapters/checkpoint-store.ts';
import { clock } from '../adapters/clock.ts';
import { logger } from '../adapters/observability.ts';
import { DynamoPendingHeads } from '../adapters/pending-heads.ts';
import { lazyLicenceSigner } from '../adapters/signing.ts';
import { writeCheckpoint } from '../domain/anchoring.ts';

/**
 * Scheduled every 5 minutes (EventBridge on AWS, the shared clock locally): the audit heads changed
 * since the previous checkpoint become one signed checkpoint in the write-once store
 * (docs/audit-checkpoints.md). Runs never overlap on AWS (reserved concurrency 1), so two runs
 * cannot race for the same number; a lost race would fail the write-once put, not overwrite.
 */
const deps = {
  pending: new DynamoPendingHeads(),
  store: requiredCheckpointStore(),
  signer: lazyLicenceSigner(),
};

export interface CheckpointRun {
  /** The number of the checkpoint written, null when no chain changed. */
  checkpoint: number | null;
  heads: number;
}

export const handler = async (): Promise<CheckpointRun> => {
  const written = await writeCheckpoint(deps, clock.now());
  const run = { checkpoint: written?.number ?? null, heads: written?.heads.length ?? 0 };
  logger.info(written ? 'checkpoint written' : 'no chain changed since the last checkpoint', run);
  return run;
};
