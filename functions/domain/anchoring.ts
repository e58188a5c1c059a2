import { compactVerify, createLocalJWKSet } from 'jose';
import type { ChainLink, ChainVerification } from './audit.ts';
import {
  type AnchoredKind,
  anchorIn,
  buildCheckpoint,
  CHECKPOINT_TYP,
  type CheckpointPayload,
  leafHash,
  verifyAgainstAnchor,
} from './checkpoints.ts';

import type { CheckpointStore, LicenceSigner, PendingHeads, StoredCheckpoint } from './ports.ts';

export interface CheckpointWriterDeps {
  pending: PendingHeads;
  store: CheckpointStore;
  signer: LicenceSigner;
}

/**
 * One run of the checkpoint writer: the heads changed since the previous checkpoint become one
 * Merkle root linked to that checkpoint, signed by the authority and written once; only then are
 * the pending marks cleared (a crash between the two re-anchors the same heads next time, which
 * is harmless). Null when nothing changed.
 */
export async function writeCheckpoint(
  deps: CheckpointWriterDeps,
  now: Date,
): Promise<StoredCheckpoint | null> {
  const heads = await deps.pending.pending();
  const previous = await deps.store.latest();
  const built = buildCheckpoint(heads, previous, now);
  if (!built) return null;
  const jws = await deps.signer.sign({ ...built.payload }, CHECKPOINT_TYP);
  const checkpoint: StoredCheckpoint = { number: built.payload.number, jws, heads: built.heads };
  await deps.store.put(checkpoint);
  await deps.pending.clear(built.heads);
  return checkpoint;
}

/** What `verify` answers about the checkpoint that covers a chain (RFC 9162 inclusion proof). */
export interface AnchorView {
  anchoredAt: string;
  anchoredSeq: number;
  checkpoint: number;
  inclusionProof: {
    leafIndex: number;
    treeSize: number;
    root: string;
    leafHash: string;
    proof: string[];
    jws: string;
  };
}

export type AnchoredVerification = ChainVerification & Partial<AnchorView>;

async function signedPayload(jws: string, signer: LicenceSigner): Promise<CheckpointPayload | null> {
  try {
    const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(await signer.jwks()));
    if (protectedHeader.typ !== CHECKPOINT_TYP) return null;
    return JSON.parse(new TextDecoder().decode(payload)) as CheckpointPayload;
  } catch {
    return null;
  }
}

/**
 * Checks a chain (already verified on its own against its head) against the newest checkpoint
 * covering it. The head stored beside the events proves nothing against an insider who rewrites
 * both; the signed, write-once checkpoint does: events older than it must still reach the
 * anchored seq with the anchored hash. Without a store or a covering checkpoint the chain result
 * stands unchanged.
 */
export async function checkAgainstCheckpoint(
  deps: { checkpoints?: CheckpointStore | undefined; signer: LicenceSigner },
  kind: AnchoredKind,
  id: string,
  events: readonly ChainLink[],
  chain: ChainVerification,
): Promise<AnchoredVerification> {
  const stored = await deps.checkpoints?.latestCovering(kind, id);
  if (!stored) return chain;
  const payload = await signedPayload(stored.jws, deps.signer);
  const anchor = payload ? anchorIn(payload, stored.jws, stored.heads, kind, id) : null;
  if (!payload || !anchor) {
    return {
      valid: false,
      brokenAt: 1,
      reason: `checkpoint ${stored.number} does not verify (signature or tree)`,
    };
  }
  const view: AnchorView = {
    anchoredAt: anchor.anchoredAt,
    anchoredSeq: anchor.anchoredSeq,
    checkpoint: anchor.checkpoint,
    inclusionProof: {
      leafIndex: anchor.leafIndex,
      treeSize: anchor.treeSize,
      root: anchor.root,
      leafHash: leafHash({ kind, id, seq: anchor.anchoredSeq, hash: anchor.anchoredHash }),
      proof: anchor.proof,
      jws: anchor.jws,
    },
  };
  const anchored = verifyAgainstAnchor(events, anchor, kind, id);
  if (!anchored.valid) {
    const first = !chain.valid && chain.brokenAt <= anchored.brokenAt ? chain : anchored;
    return { valid: false, brokenAt: first.brokenAt, reason: first.reason, ...view };
  }
  return { ...chain, ...view };
}
