import { ForbiddenError, UnauthorizedError } from './errors.ts';
import { ROLES, type Role } from './lifecycle.ts';
import type { Actor, Application, UserActor } from './schemas.ts';

/**
 * Who the caller is and what they may see. Claims arrive as API Gateway passes them from a
 * Cognito authorizer: every value a string, `cognito:groups` included.
 */
export const AUTHORITY_ROLES: readonly Role[] = ['reviewer', 'senior-reviewer', 'auditor', 'operator'];

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

/** Drafts are the applicant's private work until submitted. */
export const wasSubmitted = (application: Application): boolean => application.submission !== null;

/** Whether the caller may see this application at all (otherwise: 404, as if it did not exist). */
export function canSee(actor: Actor, application: Application): boolean {
  if (actor.kind === 'system') return true;
  if (hasRole(actor, 'auditor', 'operator')) return true;
  if (hasRole(actor, 'reviewer', 'senior-reviewer')) return wasSubmitted(application);
  return hasRole(actor, 'applicant') && actor.org === application.orgId;
}

/** The single role by which an authority user appears to applicants. */
export function displayRole(actor: Actor): string {
  if (actor.kind === 'system') return 'system';
  const order: Role[] = ['senior-reviewer', 'reviewer', 'auditor', 'operator', 'applicant'];
  return order.find((role) => actor.roles.includes(role)) ?? 'user';
}
