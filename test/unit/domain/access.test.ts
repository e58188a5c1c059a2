import { describe, expect, it } from 'vitest';
import { actorFromClaims, displayRole, hasRole, parseGroups } from '#domain/access.ts';
import { wasSubmitted } from '#domain/applications/visibility.ts';
import { applicationIn, auditor, reviewer, senior, system } from '../../support/applications.ts';

describe('parseGroups', () => {
  it.each([
    ['a comma-separated string', 'reviewer,senior-reviewer', ['reviewer', 'senior-reviewer']],
    ['a comma-and-space string', 'reviewer, auditor', ['reviewer', 'auditor']],
    ['a bracketed space-separated string', '[reviewer senior-reviewer]', ['reviewer', 'senior-reviewer']],
    ['a JSON array string', '["auditor","operator"]', ['auditor', 'operator']],
    ['a single group', ' applicant ', ['applicant']],
    ['an empty bracket pair', '[]', []],
    ['an empty string', '', []],
    ['nothing', undefined, []],
  ])('parses %s', (_label, raw, expected) => {
    expect(parseGroups(raw)).toEqual(expected);
  });

  it('keeps only the strings of a JSON array', () => {
    expect(parseGroups('["reviewer", 7, null]')).toEqual(['reviewer']);
  });

  it('falls back to separators when a bracketed value is not valid JSON', () => {
    expect(parseGroups('["reviewer" "auditor"]')).toEqual(['"reviewer"', '"auditor"']);
  });
});

describe('actorFromClaims', () => {
  it('builds an applicant of their org from string claims', () => {
    expect(actorFromClaims({ sub: 'alice', 'cognito:groups': 'applicant', 'custom:org': 'acme' })).toEqual({
      kind: 'user',
      sub: 'alice',
      org: 'acme',
      roles: ['applicant'],
    });
  });

  it('builds an authority user with several roles and no org', () => {
    expect(actorFromClaims({ sub: 'sam', 'cognito:groups': '[reviewer senior-reviewer]' })).toEqual({
      kind: 'user',
      sub: 'sam',
      org: null,
      roles: ['reviewer', 'senior-reviewer'],
    });
  });

  it('ignores groups that are not roles of this system', () => {
    expect(actorFromClaims({ sub: 'audrey', 'cognito:groups': 'auditor,admins' }).roles).toEqual(['auditor']);
  });

  it.each(['reviewer', 'senior-reviewer', 'auditor', 'operator'])(
    'refuses applicant together with %s with 403 (conflict of interest)',
    (authority) => {
      expect(() =>
        actorFromClaims({ sub: 'mallory', 'cognito:groups': `applicant,${authority}`, 'custom:org': 'acme' }),
      ).toThrow(expect.objectContaining({ status: 403, code: 'FORBIDDEN' }));
    },
  );

  it('refuses a token without sub with 401', () => {
    expect(() => actorFromClaims({ 'cognito:groups': 'applicant', 'custom:org': 'acme' })).toThrow(
      expect.objectContaining({ status: 401, code: 'UNAUTHORIZED' }),
    );
    expect(() => actorFromClaims(undefined)).toThrow(expect.objectContaining({ status: 401 }));
  });

  it('refuses a user without any role with 403', () => {
    expect(() => actorFromClaims({ sub: 'nobody', 'cognito:groups': 'admins' })).toThrow(
      expect.objectContaining({ status: 403 }),
    );
  });

  it('refuses an applicant without an org with 403', () => {
    expect(() => actorFromClaims({ sub: 'alice', 'cognito:groups': 'applicant', 'custom:org': '' })).toThrow(
      expect.objectContaining({ status: 403 }),
    );
  });
});

describe('roles', () => {
  it('finds a role only on users', () => {
    expect(hasRole(reviewer(), 'reviewer', 'auditor')).toBe(true);
    expect(hasRole(auditor(), 'reviewer')).toBe(false);
    expect(hasRole(system('screen'), 'reviewer')).toBe(false);
  });

  it('shows the most senior authority role, "system" for the workflow and "user" without a role', () => {
    expect(displayRole({ kind: 'user', sub: 'x', org: null, roles: ['reviewer', 'senior-reviewer'] })).toBe(
      'senior-reviewer',
    );
    expect(displayRole(senior())).toBe('senior-reviewer');
    expect(displayRole(system('screen'))).toBe('system');
    expect(displayRole({ kind: 'user', sub: 'x', org: null, roles: [] })).toBe('user');
  });

  it('knows an application was submitted once it has a submission', () => {
    expect(wasSubmitted(applicationIn('END_USER_DOCS').application)).toBe(false);
    expect(wasSubmitted(applicationIn('SUBMITTED').application)).toBe(true);
  });
});
