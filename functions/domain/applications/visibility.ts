import { hasRole } from '../access.ts';
import type { Actor, Application } from '../schemas.ts';

/** Drafts are the applicant's private work until submitted. */
export const wasSubmitted = (application: Application): boolean => application.submission !== null;

/** Whether the caller may see this application at all (otherwise: 404, as if it did not exist). */
export function canSee(actor: Actor, application: Application): boolean {
  if (actor.kind === 'system') return true;
  if (hasRole(actor, 'auditor', 'operator')) return true;
  if (hasRole(actor, 'reviewer', 'senior-reviewer')) return wasSubmitted(application);
  return hasRole(actor, 'applicant') && actor.org === application.orgId;
}
