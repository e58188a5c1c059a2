import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { type ChainLink, GENESIS_HASH } from './audit.ts';

/**
 * Signed Merkle checkpoints that anchor the audit chains outside the tables. Every few minutes the
 * heads (seq, hash) of the chains changed since the previous checkpoint become the leaves of one
 * RFC 6962 / RFC 9162 Merkle tree; the checkpoint payload carries its root, its size, its number
 * and the hash of the previous checkpoint (so checkpoints form a chain of their own), and the
 * authority signs it (compact JWS). An insider who rewrites the tables cannot rewrite a signed,
 * write-once checkpoint: a chain whose events no longer reach the anchored head is reported
 * broken at the first seq the checkpoint proves wrong.
 *
 * Pure: hashing only, no I/O; the store, the signer and the head source are ports.
 */

export type AnchoredKind = 'application' | 'licence';

/** One leaf: the head of one chain when the checkpoint was made. */
export interface AnchoredHead {
  kind: AnchoredKind;
  id: string;
  seq: number;
  hash: string;
}

/** What the authority signs (JWS `typ` = CHECKPOINT_TYP). */
export interface CheckpointPayload {
  number: number;
  createdAt: string;
  /** sha256 (hex) of the previous checkpoint's compact JWS; 64 zeros for the first. */
  previous: string;
  treeSize: number;
  /** RFC 6962 Merkle tree hash (hex) over the leaves in `heads` order. */
  root: string;
}

export const CHECKPOINT_TYP = 'audit-checkpoint+jws';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** The leaf's bytes: the RFC 8785 canonical JSON of the head. */
export function leafData(head: AnchoredHead): Uint8Array {
  const json = canonicalize({ kind: head.kind, id: head.id, seq: head.seq, hash: head.hash });
  if (json === undefined) throw new TypeError('head cannot be canonicalised');
  return new TextEncoder().encode(json);
}

/** RFC 6962 §2.1: leaf hash = SHA-256(0x00 ‖ data). */
export const leafHash = (head: AnchoredHead): string => sha256(LEAF_PREFIX, leafData(head)).toString('hex');

const nodeHash = (left: Buffer, right: Buffer): Buffer => sha256(NODE_PREFIX, left, right);

/** The largest power of two smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function treeHash(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = split(leaves.length);
  return nodeHash(treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}

/** RFC 6962 §2.1 Merkle tree hash (hex) of the leaf hashes (hex), in order. */
export function merkleRoot(leafHashes: readonly string[]): string {
  return treeHash(leafHashes.map((hash) => Buffer.from(hash, 'hex'))).toString('hex');
}

function path(index: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return index < k
    ? [...path(index, leaves.slice(0, k)), treeHash(leaves.slice(k))]
    : [...path(index - k, leaves.slice(k)), treeHash(leaves.slice(0, k))];
}

/** RFC 6962 §2.1.1 audit path of leaf `index` (hex hashes, leaf to root). */
export function inclusionProof(index: number, leafHashes: readonly string[]): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length)
    throw new RangeError(`leaf ${index} is not in a tree of ${leafHashes.length}`);
  return path(
    index,
    leafHashes.map((hash) => Buffer.from(hash, 'hex')),
  ).map((hash) => hash.toString('hex'));
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or null when the proof is malformed. */
export function rootFromProof(
  index: number,
  treeSize: number,
  leaf: string,
  proof: readonly string[],
): string | null {
  if (!Number.isInteger(index) || index < 0 || index >= treeSize) return null;
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leaf, 'hex');
  for (const hex of proof) {
    if (sn === 0) return null;
    const p = Buffer.from(hex, 'hex');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r.toString('hex') : null;
}

const headOrder = (a: AnchoredHead, b: AnchoredHead): number =>
  a.kind === b.kind ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.kind < b.kind ? -1 : 1;

/** sha256 (hex) of a checkpoint's compact JWS: what the next checkpoint links to. */
export const checkpointLink = (jws: string): string => sha256(new TextEncoder().encode(jws)).toString('hex');

/**
 * The next checkpoint over these heads (one per chain: the highest seq wins), sorted by kind and
 * id so that anyone can rebuild the same tree. Null when nothing changed since the previous one.
 */
export function buildCheckpoint(
  heads: readonly AnchoredHead[],
  previous: { number: number; jws: string } | null,
  now: Date,
): { payload: CheckpointPayload; heads: AnchoredHead[] } | null {
  const latest = new Map<string, AnchoredHead>();
  for (const head of heads) {
    const key = `${head.kind}/${head.id}`;
    const seen = latest.get(key);
    if (!seen || seen.seq < head.seq) latest.set(key, { ...head });
  }
  if (latest.size === 0) return null;
  const sorted = [...latest.values()].sort(headOrder);
  return {
    heads: sorted,
    payload: {
      number: (previous?.number ?? 0) + 1,
      createdAt: now.toISOString(),
      previous: previous ? checkpointLink(previous.jws) : GENESIS_HASH,
      treeSize: sorted.length,
      root: merkleRoot(sorted.map(leafHash)),
    },
  };
}

/** A chain's place in one checkpoint: what `verify` answers and an outsider checks offline. */
export interface Anchor {
  checkpoint: number;
  anchoredAt: string;
  anchoredSeq: number;
  anchoredHash: string;
  leafIndex: number;
  treeSize: number;
  root: string;
  proof: string[];
  /** The signed checkpoint (compact JWS over the CheckpointPayload). */
  jws: string;
}

/** The anchor of one chain in a checkpoint (whose payload has been verified), or null when not in it. */
export function anchorIn(
  payload: CheckpointPayload,
  jws: string,
  heads: readonly AnchoredHead[],
  kind: AnchoredKind,
  id: string,
): Anchor | null {
  const leafIndex = heads.findIndex((head) => head.kind === kind && head.id === id);
  const head = heads[leafIndex];
  if (!head) return null;
  const leaves = heads.map(leafHash);
  if (heads.length !== payload.treeSize || merkleRoot(leaves) !== payload.root) return null;
  return {
    checkpoint: payload.number,
    anchoredAt: payload.createdAt,
    anchoredSeq: head.seq,
    anchoredHash: head.hash,
    leafIndex,
    treeSize: payload.treeSize,
    root: payload.root,
    proof: inclusionProof(leafIndex, leaves),
    jws,
  };
}

export type AnchorVerification = { valid: true } | { valid: false; brokenAt: number; reason: string };

/**
 * Checks events read back from storage (already verified as a chain on their own) against an
 * anchor: the event at the anchored seq must exist and carry the anchored hash, and the proof must
 * lead from that head to the checkpoint's root. Truncation behind the anchor is broken at the first
 * missing seq; a rewrite at the anchored seq (a chain re-hashed after a change) at that seq.
 */
export function verifyAgainstAnchor(
  events: readonly ChainLink[],
  anchor: Anchor,
  kind: AnchoredKind,
  id: string,
): AnchorVerification {
  const leaf = leafHash({ kind, id, seq: anchor.anchoredSeq, hash: anchor.anchoredHash });
  if (rootFromProof(anchor.leafIndex, anchor.treeSize, leaf, anchor.proof) !== anchor.root) {
    return {
      valid: false,
      brokenAt: anchor.anchoredSeq,
      reason: 'inclusion proof does not lead to the root',
    };
  }
  const event = events.find((candidate) => candidate.seq === anchor.anchoredSeq);
  if (!event) {
    return {
      valid: false,
      brokenAt: Math.min(events.length, anchor.anchoredSeq - 1) + 1,
      reason: `checkpoint ${anchor.checkpoint} anchored seq ${anchor.anchoredSeq}, only ${events.length} events stored`,
    };
  }
  if (event.hash !== anchor.anchoredHash) {
    return {
      valid: false,
      brokenAt: anchor.anchoredSeq,
      reason: `hash of seq ${anchor.anchoredSeq} differs from checkpoint ${anchor.checkpoint}`,
    };
  }
  return { valid: true };
}
