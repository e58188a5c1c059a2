import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, createLocalJWKSet } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCheckpointStore } from '#adapters/checkpoint-store.ts';
import { LocalLicenceSigner } from '#adapters/signing.ts';
import { writeCheckpoint } from '#domain/anchoring.ts';
import {
  type AnchoredHead,
  anchorIn,
  CHECKPOINT_TYP,
  type CheckpointPayload,
  checkpointLink,
  verifyAgainstAnchor,
} from '#domain/checkpoints.ts';
import type { PendingHeads } from '#domain/ports.ts';

const hash = (n: number): string => n.toString(16).padStart(64, '0');

class MemoryPending implements PendingHeads {
  heads: AnchoredHead[] = [];
  async pending() {
    return [...this.heads];
  }
  async clear(covered: readonly AnchoredHead[]) {
    this.heads = this.heads.filter(
      (head) => !covered.some((c) => c.kind === head.kind && c.id === head.id && c.seq === head.seq),
    );
  }
}

describe('checkpoint writer', () => {
  let dir: string;
  let pending: MemoryPending;
  let store: LocalCheckpointStore;
  let signer: LocalLicenceSigner;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'checkpoints-'));
    pending = new MemoryPending();
    store = new LocalCheckpointStore(dir);
    signer = new LocalLicenceSigner(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const verifyPayload = async (jws: string): Promise<CheckpointPayload> => {
    const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(await signer.jwks()));
    expect(protectedHeader.typ).toBe(CHECKPOINT_TYP);
    return JSON.parse(new TextDecoder().decode(payload)) as CheckpointPayload;
  };

  it('signs one root over the pending heads, stores it and clears the marks it covered', async () => {
    pending.heads = [
      { kind: 'licence', id: 'EXL-1', seq: 2, hash: hash(2) },
      { kind: 'application', id: 'app-b', seq: 3, hash: hash(3) },
      { kind: 'application', id: 'app-a', seq: 5, hash: hash(5) },
    ];
    const written = await writeCheckpoint({ pending, store, signer }, new Date('2026-01-01T00:05:00Z'));
    expect(written?.number).toBe(1);
    expect(pending.heads).toEqual([]);
    const stored = await store.latest();
    expect(stored).toEqual(written);
    if (!stored) throw new Error('no checkpoint stored');
    const payload = await verifyPayload(stored.jws);
    expect(payload).toMatchObject({
      number: 1,
      treeSize: 3,
      createdAt: '2026-01-01T00:05:00.000Z',
      previous: '0'.repeat(64),
    });
    const anchor = anchorIn(payload, stored.jws, stored.heads, 'application', 'app-a');
    expect(anchor?.anchoredSeq).toBe(5);
    if (!anchor) throw new Error('app-a not anchored');
    expect(
      verifyAgainstAnchor([{ seq: 5, prevHash: hash(4), hash: hash(5) }], anchor, 'application', 'app-a'),
    ).toEqual({
      valid: true,
    });
  });

  it('writes nothing when nothing changed, and links the next checkpoint to the previous one', async () => {
    expect(await writeCheckpoint({ pending, store, signer }, new Date())).toBeNull();
    pending.heads = [{ kind: 'application', id: 'app-a', seq: 1, hash: hash(1) }];
    const first = await writeCheckpoint({ pending, store, signer }, new Date());
    expect(await writeCheckpoint({ pending, store, signer }, new Date())).toBeNull();
    pending.heads = [{ kind: 'application', id: 'app-b', seq: 1, hash: hash(7) }];
    const second = await writeCheckpoint({ pending, store, signer }, new Date());
    if (!first || !second) throw new Error('checkpoints missing');
    expect((await verifyPayload(second.jws)).previous).toBe(checkpointLink(first.jws));
    expect((await store.latestCovering('application', 'app-a'))?.number).toBe(1);
    expect((await store.latestCovering('application', 'app-b'))?.number).toBe(2);
    expect(await store.latestCovering('licence', 'app-a')).toBeNull();
  });

  it('never overwrites a stored checkpoint number', async () => {
    pending.heads = [{ kind: 'application', id: 'app-a', seq: 1, hash: hash(1) }];
    const first = await writeCheckpoint({ pending, store, signer }, new Date());
    if (!first) throw new Error('no checkpoint');
    await expect(store.put({ ...first, heads: [] })).rejects.toThrow(/EEXIST/);
    expect(await store.latest()).toEqual(first);
  });
});
