import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashEvent, sealEvent, verifyChain } from '#domain/audit.ts';
import type { AuditEvent } from '#domain/schemas.ts';
import {
  type ApplicationFlow,
  applicationIn,
  pdfDocument,
  reviewer,
  screeningOutcome,
  senior,
} from '../../support/applications.ts';

/** A full flow: drafting, documents, screening with a flag, an RFI, a recommendation and a sign-off. */
function fullFlow(): ApplicationFlow {
  const flow = applicationIn('UNDER_REVIEW', {
    heldBy: reviewer('rita'),
    screening: screeningOutcome({
      flags: ['POTENTIAL_DENIED_PARTY_MATCH'],
      report: { scores: [0.93], list: 'v7' },
    }),
  });
  flow.apply('request-information', reviewer('rita'), {
    questions: ['Who is the owner?'],
    dueInWorkingDays: 3,
  });
  flow.apply('add-document', flow.owner, pdfDocument('RFI_RESPONSE'));
  flow.apply('respond', flow.owner, { answers: ['A listed company.'] });
  flow.apply('approve', reviewer('rita'), {
    validityMonths: 12,
    conditions: ['Report shipments'],
    note: 'Fine.',
  });
  flow.apply('sign-off', senior('sam'), { agree: true, note: 'Agreed.' });
  return flow;
}

// Built once through applyAction and deep-frozen; each test works on its own structured clone.
const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
};
const reference = fullFlow();
const REFERENCE_EVENTS: readonly AuditEvent[] = deepFreeze(JSON.parse(JSON.stringify(reference.events)));
const REFERENCE_HEAD = deepFreeze({
  version: reference.application.version,
  auditHeadHash: reference.application.auditHeadHash,
});
/** As read back from storage: a JSON round trip, so no two events share an object. */
const freshChain = () => ({
  events: JSON.parse(JSON.stringify(REFERENCE_EVENTS)) as AuditEvent[],
  head: { ...REFERENCE_HEAD },
});

/** RFC 8785 for the values audit events hold (strings, integers, booleans, null): keys sorted. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

type Path = (string | number)[];
/** Every path to a leaf value (empty objects and arrays count as leaves). */
function leafPaths(value: unknown, prefix: Path = []): Path[] {
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length > 0) {
      return entries.flatMap(([key, item]) =>
        leafPaths(item, [...prefix, Array.isArray(value) ? Number(key) : key]),
      );
    }
  }
  return [prefix];
}

const tampered = (value: unknown): unknown => {
  if (typeof value === 'string') {
    // Keep hex hashes well-formed so only the chain check can catch the change.
    if (/^[0-9a-f]{64}$/.test(value)) return `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;
    return `${value}.`;
  }
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  if (Array.isArray(value)) return ['tampered'];
  if (value === null) return 'tampered';
  return { tampered: true };
};

function setAt(target: unknown, path: Path, value: unknown): void {
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last === undefined) throw new Error('empty path');
  node[last] = value;
}
function getAt(target: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], target);
}
function deleteAt(target: unknown, path: Path): void {
  const parent = getAt(target, path.slice(0, -1)) as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last === undefined) throw new Error('empty path');
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
}

const tamperCases = REFERENCE_EVENTS.flatMap((event, index) =>
  leafPaths(event).map((path) => [event.seq, path.join('.'), index, path] as const),
);

describe('audit chain', () => {
  it('verifies the events of a full flow against the application head', () => {
    const { events, head } = freshChain();
    expect(events.length).toBeGreaterThan(12);
    expect(verifyChain(events, head)).toEqual({
      valid: true,
      events: events.length,
      headHash: head.auditHeadHash,
    });
  });

  it('starts from a genesis prevHash of 64 zeros', () => {
    const { events } = freshChain();
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(events[0]?.prevHash).toBe('0'.repeat(64));
  });

  it('hashes the canonical JSON of each event without its hash, sha256 hex', () => {
    const { events } = freshChain();
    for (const event of events) {
      const { hash, ...unsealed } = event;
      expect(hash).toBe(createHash('sha256').update(canonical(unsealed), 'utf8').digest('hex'));
      expect(hashEvent(unsealed)).toBe(hash);
    }
  });

  it('seals with a hash that does not depend on key order', () => {
    const { events } = freshChain();
    const first = events[0];
    if (!first) throw new Error('no event');
    const { hash, ...unsealed } = first;
    const reordered = Object.fromEntries(Object.entries(unsealed).reverse()) as typeof unsealed;
    expect(sealEvent(reordered).hash).toBe(hash);
  });

  it('verifies an empty chain at version 0 with the genesis head', () => {
    expect(verifyChain([], { version: 0, auditHeadHash: GENESIS_HASH })).toEqual({
      valid: true,
      events: 0,
      headHash: GENESIS_HASH,
    });
  });

  it.each(tamperCases)('detects a change to event %i at %s', (seq, _path, index, path) => {
    const { events, head } = freshChain();
    const event = events[index];
    setAt(event, path, tampered(getAt(event, path)));
    expect(verifyChain(events, head)).toMatchObject({ valid: false, brokenAt: seq });
  });

  it.each(tamperCases)('detects the removal of event %i’s %s', (seq, _path, index, path) => {
    const { events, head } = freshChain();
    deleteAt(events[index], path);
    expect(verifyChain(events, head)).toMatchObject({ valid: false, brokenAt: seq });
  });

  it('detects a truncated tail', () => {
    const { events, head } = freshChain();
    events.pop();
    expect(verifyChain(events, head)).toEqual({
      valid: false,
      brokenAt: head.version,
      reason: `${head.version - 1} events stored but the application is at version ${head.version}`,
    });
  });

  it('detects a truncated tail even when the head hash was rewritten to match', () => {
    const { events, head } = freshChain();
    events.pop();
    const auditHeadHash = events.at(-1)?.hash ?? '';
    expect(verifyChain(events, { version: head.version, auditHeadHash })).toMatchObject({ valid: false });
  });

  it('detects a gap at the missing seq', () => {
    const { events, head } = freshChain();
    events.splice(4, 1);
    expect(verifyChain(events, head)).toMatchObject({
      valid: false,
      brokenAt: 5,
      reason: 'expected seq 5, found 6',
    });
  });

  it('detects reordered events', () => {
    const { events, head } = freshChain();
    const [third, fourth] = events.splice(2, 2);
    if (!third || !fourth) throw new Error('no events');
    events.splice(2, 0, fourth, third);
    expect(verifyChain(events, head)).toMatchObject({ valid: false, brokenAt: 3 });
  });

  it('detects an event appended beyond the application’s version', () => {
    const { events, head } = freshChain();
    expect(verifyChain(events, { ...head, version: head.version - 1 })).toMatchObject({
      valid: false,
      brokenAt: head.version,
    });
  });

  it('detects a version ahead of the stored events', () => {
    const { events, head } = freshChain();
    expect(verifyChain(events, { ...head, version: head.version + 1 })).toMatchObject({
      valid: false,
      brokenAt: head.version + 1,
    });
  });

  it('detects a head hash that differs from the last event', () => {
    const { events, head } = freshChain();
    expect(verifyChain(events, { ...head, auditHeadHash: 'f'.repeat(64) })).toEqual({
      valid: false,
      brokenAt: events.length,
      reason: 'last hash differs from the application head hash',
    });
  });

  it('detects a rewritten event whose hash was recomputed, at the next link', () => {
    const { events, head } = freshChain();
    const third = events[2];
    if (!third) throw new Error('no event');
    const { hash: _hash, ...unsealed } = third;
    events[2] = sealEvent({ ...unsealed, requestId: 'forged' });
    expect(verifyChain(events, head)).toMatchObject({
      valid: false,
      brokenAt: 4,
      reason: 'prevHash does not link',
    });
  });
});
