import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditEvent, UnsealedAuditEvent } from './schemas.ts';

/**
 * The tamper-evident audit chain: each event's hash is sha256 over the RFC 8785 canonical JSON
 * of the event as stored (without `hash`), and each event links to the previous one's hash.
 */
export const GENESIS_HASH = '0'.repeat(64);

export function hashEvent(event: UnsealedAuditEvent): string {
  const canonical = canonicalize(event);
  if (canonical === undefined) throw new TypeError('audit event cannot be canonicalised');
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export function sealEvent(event: UnsealedAuditEvent): AuditEvent {
  return { ...event, hash: hashEvent(event) };
}

export type ChainVerification =
  | { valid: true; events: number; headHash: string }
  | { valid: false; brokenAt: number; reason: string };

/**
 * Verifies events read back from storage against the application's `version` (the expected
 * count) and `auditHeadHash`, so gaps, truncation, reordering and rewrites are all detected.
 */
export function verifyChain(
  events: readonly AuditEvent[],
  head: { version: number; auditHeadHash: string },
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
      reason: `${events.length} events stored but the application is at version ${head.version}`,
    };
  }
  if (prevHash !== head.auditHeadHash) {
    return {
      valid: false,
      brokenAt: events.length,
      reason: 'last hash differs from the application head hash',
    };
  }
  return { valid: true, events: events.length, headHash: prevHash };
}
