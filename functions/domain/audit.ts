import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Actor } from './schemas.ts';

/**
 * The tamper-evident audit chain, shared by every aggregate (applications, licences): each
 * event's hash is sha256 over the RFC 8785 canonical JSON of the event as stored (without
 * `hash`), and each event links to the previous one's hash. An aggregate carries the head of its
 * chain: `version` (= the last event's `seq`) and `auditHeadHash`.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** The head of an aggregate's chain. */
export interface ChainHead {
  version: number;
  auditHeadHash: string;
}

/** What every chained event carries, whatever else its aggregate records. */
export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
}

export function hashEvent(event: object): string {
  const canonical = canonicalize(event);
  if (canonical === undefined) throw new TypeError('audit event cannot be canonicalised');
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export function sealEvent<E extends object>(event: E): E & { hash: string } {
  return { ...event, hash: hashEvent(event) };
}

/** Seals the next event of a chain: `seq` = head version + 1, linked to the head hash. */
export function sealNext<E extends object>(
  head: ChainHead,
  fields: E,
): E & { seq: number; prevHash: string; hash: string } {
  return sealEvent({ ...fields, seq: head.version + 1, prevHash: head.auditHeadHash });
}

/** The actor as an audit event records it (a copy: later changes to the caller cannot leak in). */
export const auditActor = (actor: Actor): Actor =>
  actor.kind === 'user' ? { kind: 'user', sub: actor.sub, org: actor.org, roles: [...actor.roles] } : actor;

/** DynamoDB drops undefined attributes; the stored form (which the hash covers) has none. */
export function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/** What one transition records, whatever the aggregate. */
export interface Transition<A extends string, S extends string> {
  action: A;
  actor: Actor;
  fromStatus: S | null;
  toStatus: S;
  changes: Record<string, unknown>;
  reasons: string[];
}

/** Seals a transition as the next event of the aggregate's chain, under the aggregate's `key`. */
export function sealTransition<K extends object, A extends string, S extends string>(
  head: ChainHead,
  key: K,
  transition: Transition<A, S>,
  { now, requestId }: { now: Date; requestId: string },
) {
  const { actor, changes, ...rest } = transition;
  return sealNext(head, {
    ...key,
    ...rest,
    at: now.toISOString(),
    actor: auditActor(actor),
    changes: stripUndefined(changes),
    requestId,
  });
}

export type ChainVerification =
  | { valid: true; events: number; headHash: string }
  | { valid: false; brokenAt: number; reason: string };

/**
 * Verifies events read back from storage against the aggregate's `version` (the expected
 * count) and `auditHeadHash`, so gaps, truncation, reordering and rewrites are all detected.
 */
export function verifyChain(
  events: readonly ChainLink[],
  head: ChainHead,
  aggregate = 'application',
): ChainVerification {
  let prevHash = GENESIS_HASH;
  for (const [index, event] of events.entries()) {
    const seq = index + 1;
    if (event.seq !== seq)
      return { valid: false, brokenAt: seq, reason: `expected seq ${seq}, found ${event.seq}` };
    if (event.prevHash !== prevHash) return { valid: false, brokenAt: seq, reason: 'prevHash does not link' };
    const { hash, ...unsealed } = event;
    if (hashEvent(unsealed) !== hash)
      return { valid: false, brokenAt: seq, reason: 'hash does not match content' };
    prevHash = hash;
  }
  if (events.length !== head.version) {
    return {
      valid: false,
      brokenAt: Math.min(events.length, head.version) + 1,
      reason: `${events.length} events stored but the ${aggregate} is at version ${head.version}`,
    };
  }
  if (prevHash !== head.auditHeadHash) {
    return {
      valid: false,
      brokenAt: events.length,
      reason: `last hash differs from the ${aggregate} head hash`,
    };
  }
  return { valid: true, events: events.length, headHash: prevHash };
}
