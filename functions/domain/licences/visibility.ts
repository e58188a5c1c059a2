import { hasRole } from '../access.ts';
import type { Actor } from '../schemas.ts';
import type { LicenceRecord } from './schemas.ts';

/** Whether the caller may see this licence (otherwise 404): applicants only their org's, the authority all. */
export function canSeeLicence(actor: Actor, licence: Pick<LicenceRecord, 'orgId'>): boolean {
  if (actor.kind === 'system') return true;
  if (hasRole(actor, 'reviewer', 'senior-reviewer', 'auditor', 'operator', 'customs')) return true;
  return hasRole(actor, 'applicant') && actor.org === licence.orgId;
}

/** The holder's and the authority's view of one licence carry its verification code; lists never do. */
export const seesVerificationCode = (actor: Actor, licence: Pick<LicenceRecord, 'orgId'>): boolean =>
  hasRole(actor, 'reviewer', 'senior-reviewer', 'auditor') ||
  (hasRole(actor, 'applicant') && actor.kind === 'user' && actor.org === licence.orgId);

/** Commercial values: everyone who may see a licence except operators. */
export const seesValues = (actor: Actor): boolean =>
  actor.kind === 'system' || hasRole(actor, 'applicant', 'reviewer', 'senior-reviewer', 'auditor', 'customs');
