import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, sealNext } from '#domain/audit.ts';
import {
  type AnchoredHead,
  anchorIn,
  buildCheckpoint,
  checkpointLink,
  inclusionProof,
  leafHash,
  merkleRoot,
  rootFromProof,
  verifyAgainstAnchor,
} from '#domain/checkpoints.ts';

const sha = (...hex: string[]) =>
  createHash('sha256')
    .update(Buffer.concat(hex.map((part) => Buffer.from(part, 'hex'))))
    .digest('hex');
const heads = (n: number): AnchoredHead[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'application',
    id: `app_${i}`,
    seq: i + 1,
    hash: sha(`0${i % 10}`),
  }));

function chain(length: number) {
  const events = [];
  let head = { version: 0, auditHeadHash: GENESIS_HASH };
  for (let i = 0; i < length; i++) {
    const event = sealNext(head, { applicationId: 'app_x', note: i });
    events.push(event);
    head = { version: event.seq, auditHeadHash: event.hash };
  }
  return events;
}

describe('RFC 6962 Merkle tree', () => {
  it('hashes the empty tree as SHA-256 of nothing and a pair as SHA-256(0x01 ‖ left ‖ right)', () => {
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const [a, b] = [sha('00', '61'), sha('00', '62')];
    expect(merkleRoot([a])).toBe(a);
    expect(merkleRoot([a, b])).toBe(sha('01', a, b));
    const c = sha('00', '63');
    expect(merkleRoot([a, b, c])).toBe(sha('01', sha('01', a, b), c));
  });

  it('proves every leaf of trees of 1 to 33 leaves, and no proof survives a changed leaf', () => {
    for (let size = 1; size <= 33; size++) {
      const leaves = heads(size).map(leafHash);
      const root = merkleRoot(leaves);
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, leaves);
        expect(rootFromProof(index, size, leaves[index] ?? '', proof)).toBe(root);
        expect(rootFromProof(index, size, sha('ff'), proof)).not.toBe(root);
        if (size > 1)
          expect(rootFromProof((index + 1) % size, size, leaves[index] ?? '', proof)).not.toBe(root);
      }
    }
  });

  it('refuses a leaf index outside the tree', () => {
    expect(() => inclusionProof(3, heads(3).map(leafHash))).toThrow(RangeError);
    expect(rootFromProof(3, 3, sha('00'), [])).toBeNull();
  });
});

describe('checkpoints', () => {
  const now = new Date('2026-12-02T20:00:00Z');

  it('keeps the highest seq of each chain, sorts by kind and id and links to the previous checkpoint', () => {
    const first = buildCheckpoint(
      [
        { kind: 'licence', id: 'lic_1', seq: 2, hash: sha('01') },
        { kind: 'application', id: 'app_b', seq: 1, hash: sha('02') },
        { kind: 'application', id: 'app_b', seq: 3, hash: sha('03') },
        { kind: 'application', id: 'app_a', seq: 1, hash: sha('04') },
      ],
      null,
      now,
    );
    expect(first?.heads.map((head) => `${head.kind}/${head.id}@${head.seq}`)).toEqual([
      'application/app_a@1',
      'application/app_b@3',
      'licence/lic_1@2',
    ]);
    expect(first?.payload).toMatchObject({ number: 1, previous: GENESIS_HASH, treeSize: 3 });
    const second = buildCheckpoint(heads(1), { number: 1, jws: 'a.b.c' }, now);
    expect(second?.payload).toMatchObject({ number: 2, previous: checkpointLink('a.b.c') });
    expect(buildCheckpoint([], null, now)).toBeNull();
  });

  it('anchors a chain with a proof that verifies, and finds nothing for a chain it does not hold', () => {
    const events = chain(5);
    const last = events[4];
    if (!last) throw new Error('no event');
    const built = buildCheckpoint(
      [...heads(6), { kind: 'application', id: 'app_x', seq: 5, hash: last.hash }],
      null,
      now,
    );
    if (!built) throw new Error('no checkpoint');
    const anchor = anchorIn(built.payload, 'jws', built.heads, 'application', 'app_x');
    expect(anchor).toMatchObject({
      checkpoint: 1,
      anchoredSeq: 5,
      anchoredAt: now.toISOString(),
      treeSize: 7,
    });
    if (!anchor) throw new Error('not anchored');
    expect(verifyAgainstAnchor(events, anchor, 'application', 'app_x')).toEqual({ valid: true });
    expect(verifyAgainstAnchor(chain(7), anchor, 'application', 'app_x')).toEqual({ valid: true });
    expect(anchorIn(built.payload, 'jws', built.heads, 'application', 'app_y')).toBeNull();
    expect(
      anchorIn({ ...built.payload, root: sha('00') }, 'jws', built.heads, 'application', 'app_x'),
    ).toBeNull();
  });

  it('reports truncation behind the anchor at the first missing seq and a rewritten head at its seq', () => {
    const events = chain(5);
    const built = buildCheckpoint(
      [{ kind: 'application', id: 'app_x', seq: 5, hash: events[4]?.hash ?? '' }],
      null,
      now,
    );
    if (!built) throw new Error('no checkpoint');
    const anchor = anchorIn(built.payload, 'jws', built.heads, 'application', 'app_x');
    if (!anchor) throw new Error('not anchored');
    expect(verifyAgainstAnchor(events.slice(0, 3), anchor, 'application', 'app_x')).toMatchObject({
      valid: false,
      brokenAt: 4,
    });
    const rewritten = [
      ...events.slice(0, 4),
      sealNext({ version: 4, auditHeadHash: events[3]?.hash ?? '' }, { x: 1 }),
    ];
    expect(verifyAgainstAnchor(rewritten, anchor, 'application', 'app_x')).toMatchObject({
      valid: false,
      brokenAt: 5,
    });
    expect(
      verifyAgainstAnchor(events, { ...anchor, proof: [sha('00')] }, 'application', 'app_x'),
    ).toMatchObject({
      valid: false,
    });
  });
});
