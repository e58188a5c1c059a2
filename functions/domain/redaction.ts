import { displayRole } from './access.ts';
import type { Actor, GoodsItem } from './schemas.ts';

/** Redactions every aggregate's views share: commercial values for operators, names for applicants. */

export const withoutValue = <T extends Pick<GoodsItem, 'valueUsd'>>({
  valueUsd,
  ...item
}: T): Omit<T, 'valueUsd'> => item;

/** Replaces an authority user's name with their role, anywhere in a change. */
export function anonymise(value: unknown, sub: string, role: string): unknown {
  if (value === sub) return role;
  if (Array.isArray(value)) return value.map((item) => anonymise(item, sub, role));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, anonymise(item, sub, role)]));
  }
  return value;
}

/** Drops commercial values (`valueUsd`) anywhere in a change, for operators. */
export function withoutValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutValues);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'valueUsd')
        .map(([key, item]) => [key, withoutValues(item)]),
    );
  }
  return value;
}

/**
 * An audit event's actor and changes as an applicant sees them: applicants as they are, the
 * workflow as `system`, authority users by role and never by name, in the changes too.
 */
export function asSeenByApplicant(
  actor: Actor,
  changes: Record<string, unknown>,
): { actor: Actor | { kind: string; role?: string }; changes: Record<string, unknown> } {
  if (actor.kind === 'system') return { actor: { kind: 'system' }, changes };
  if (actor.roles.includes('applicant')) return { actor, changes };
  const role = displayRole(actor);
  return {
    actor: { kind: 'user', role },
    changes: anonymise(changes, actor.sub, role) as Record<string, unknown>,
  };
}
