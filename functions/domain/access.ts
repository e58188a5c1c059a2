import { ForbiddenError, UnauthorizedError } from './errors.ts';
import type { Actor, UserActor } from './schemas.ts';

/**
 * Who the caller is and what they may see. Claims arrive as API Gateway passes them from a
 * Cognito authorizer: every value a string, `cognito:groups` included.
 */
export const ROLES = ['applicant', 'reviewer', 'senior-reviewer', 'auditor', 'operator', 'customs'] as const;
export type Role = (typeof ROLES)[number];

/** Groups of the authority (customs, the border agency, included): never combined with `applicant`. */
export const AUTHORITY_ROLES: readonly Role[] = [
  'reviewer',
  'senior-reviewer',
  'auditor',
  'operator',
  'customs',
];

/** Groups arrive as "a,b", "[a b]" or a JSON array string, depending on the authorizer. */
export function parseGroups(raw: string | undefined): string[] {
  if (!raw) return [];
  const trimmed = raw.trim();
  if (trimmed.startsWith('[') && trimmed.includes('"')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.filter((group): group is string => typeof group === 'string');
    } catch {
      // not JSON: fall through to the separator forms
    }
  }
  return trimmed
    .replace(/^\[|\]$/g, '')
    .split(/[,\s]+/)
    .filter(Boolean);
}

export function actorFromClaims(claims: Record<string, string | undefined> | undefined): UserActor {
  const sub = claims?.sub;
  if (!sub) throw new UnauthorizedError();
  const roles = parseGroups(claims['cognito:groups']).filter((group): group is Role =>
    (ROLES as readonly string[]).includes(group),
  );
  if (roles.includes('applicant') && roles.some((role) => AUTHORITY_ROLES.includes(role))) {
    throw new ForbiddenError('An applicant cannot also hold an authority role (conflict of interest).');
  }
  if (roles.length === 0) throw new ForbiddenError('Your account has no role in this system.');
  const org = claims['custom:org'] || null;
  if (roles.includes('applicant') && !org)
    throw new ForbiddenError('An applicant account must belong to an org.');
  return { kind: 'user', sub, org, roles };
}

export const hasRole = (actor: Actor, ...roles: Role[]): boolean =>
  actor.kind === 'user' && actor.roles.some((role) => roles.includes(role));

/** Who may take an action: a human role, or the workflow itself. */
export type Performer = Role | 'system';

/** Whether one of the caller's roles (or the workflow, for a system actor) is among `allowed`. */
export const mayPerform = (allowed: readonly Performer[], actor: Actor): boolean =>
  actor.kind === 'system' ? allowed.includes('system') : actor.roles.some((role) => allowed.includes(role));

/** 403 unless the caller may take `action` (the role check, before status and actor rules). */
export function checkPerformer(action: string, allowed: readonly Performer[], actor: Actor): void {
  if (mayPerform(allowed, actor)) return;
  throw new ForbiddenError(
    allowed.includes('system')
      ? `"${action}" is a system action and cannot be requested.`
      : `Your role may not "${action}".`,
  );
}

/** The single role by which an authority user appears to applicants. */
export function displayRole(actor: Actor): string {
  if (actor.kind === 'system') return 'system';
  const order: Role[] = ['senior-reviewer', 'reviewer', 'auditor', 'operator', 'customs', 'applicant'];
  return order.find((role) => actor.roles.includes(role)) ?? 'user';
}
