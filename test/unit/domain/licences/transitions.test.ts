import { describe, expect, it } from 'vitest';
import { verifyChain } from '#domain/audit.ts';
import { DomainError } from '#domain/errors.ts';
import {
  allowedLicenceActions,
  applyLicenceAction,
  type LicenceInputs,
} from '#domain/licences/apply-licence-action.ts';
import {
  LICENCE_ACTIONS,
  LICENCE_STATUSES,
  type LicenceAction,
  type LicenceStatus,
} from '#domain/licences/lifecycle.ts';
import { LicenceRecordSchema } from '#domain/licences/schemas.ts';
import type { Actor } from '#domain/schemas.ts';
import {
  applicant,
  auditor,
  MINUTE_MS,
  operator,
  reviewer,
  senior,
  system,
} from '../../../support/applications.ts';
import { customs, type LicenceFlow, licenceIn } from '../../../support/licences.ts';

/*
 * The licence table of DESIGN.md "After the decision", restated here independently of
 * functions/domain/licences/lifecycle.ts, and checked for every action × status × caller.
 */
type Existing = Exclude<LicenceAction, 'issue'>;
type Who =
  | 'holder'
  | 'other-org'
  | 'reviewer'
  | 'suspender'
  | 'other-senior'
  | 'auditor'
  | 'operator'
  | 'customs'
  | 'system';
const IN_FORCE: LicenceStatus[] = ['ACTIVE', 'SUSPENDED'];
const RULES: Record<Existing, { from: LicenceStatus[]; to: LicenceStatus | 'same'; who: Who[] }> = {
  'record-usage': { from: ['ACTIVE'], to: 'same', who: ['holder', 'customs'] },
  suspend: { from: ['ACTIVE'], to: 'SUSPENDED', who: ['suspender', 'other-senior'] },
  reinstate: { from: ['SUSPENDED'], to: 'ACTIVE', who: ['suspender', 'other-senior'] },
  revoke: { from: IN_FORCE, to: 'REVOKED', who: ['suspender', 'other-senior'] },
  surrender: { from: IN_FORCE, to: 'SURRENDERED', who: ['holder'] },
  expire: { from: IN_FORCE, to: 'EXPIRED', who: ['system'] },
  amend: { from: ['ACTIVE'], to: 'same', who: ['holder'] },
  supersede: { from: ['ACTIVE'], to: 'SUPERSEDED', who: ['system'] },
};
const CALLERS: Record<Who, Actor> = {
  holder: applicant('alice', 'acme'),
  'other-org': applicant('bob', 'globex'),
  reviewer: reviewer(),
  suspender: senior('sam'),
  'other-senior': senior('sue'),
  auditor: auditor(),
  operator: operator(),
  customs: customs(),
  system: system('licence-expiry'),
};

function inputFor<A extends Existing>(action: A, flow: LicenceFlow): LicenceInputs[Existing] {
  const inputs: { [K in Existing]: LicenceInputs[K] } = {
    'record-usage': flow.usageInput({
      usageId: 'matrix-1',
      shippedAt: flow.now.toISOString(),
      declarationRef: 'DEC-MATRIX-1',
      items: [{ goodsIndex: 0, quantityKg: 1, valueUsd: 10 }],
    }),
    suspend: { reasons: ['SANCTIONS'] },
    reinstate: { note: 'Resolved.' },
    revoke: { reasons: ['FALSE_INFORMATION'], note: 'Forged certificate.' },
    surrender: { reason: 'No longer needed.' },
    expire: {},
    amend: { applicationId: 'app_variation' },
    supersede: { by: 'EXL-2099-000002' },
  };
  return inputs[action];
}

type Expected = { code: string; status: number } | { to: LicenceStatus } | 'no-op';

function expected(action: Existing, status: LicenceStatus, who: Who): Expected {
  const rule = RULES[action];
  if (who === 'other-org') return { status: 404, code: 'NOT_FOUND' };
  if (!rule.who.includes(who)) return { status: 403, code: 'FORBIDDEN' };
  if (action === 'expire' && !IN_FORCE.includes(status)) return 'no-op';
  if (!rule.from.includes(status)) return { status: 409, code: 'INVALID_TRANSITION' };
  if (action === 'reinstate' && who === 'suspender') return { status: 403, code: 'SEPARATION_OF_DUTIES' };
  return { to: rule.to === 'same' ? status : rule.to };
}

const FIXTURES = new Map(LICENCE_STATUSES.map((status) => [status, licenceIn(status)]));
const fixture = (status: LicenceStatus): LicenceFlow => {
  const flow = FIXTURES.get(status);
  if (!flow) throw new Error(status);
  return flow;
};

const CASES = (Object.keys(RULES) as Existing[]).flatMap((action) =>
  LICENCE_STATUSES.flatMap((status) =>
    (Object.keys(CALLERS) as Who[]).map((who) => ({
      action,
      status,
      who,
      outcome: expected(action, status, who),
    })),
  ),
);

describe('licence lifecycle: every action × status × caller', () => {
  it('covers every licence action of the lifecycle table', () => {
    expect(LICENCE_ACTIONS.filter((action) => action !== 'issue').sort()).toEqual(Object.keys(RULES).sort());
  });

  it.each(CASES)('$action on $status by $who → $outcome', ({ action, status, who, outcome }) => {
    const flow = fixture(status);
    // Expiry is due at validTo; everything else happens within the validity.
    const now = new Date(
      action === 'expire' ? Date.parse(flow.licence.validTo) : flow.now.getTime() + MINUTE_MS,
    );
    const run = () =>
      applyLicenceAction(flow.licence, action, CALLERS[who], inputFor(action, flow), {
        now,
        requestId: 'matrix',
        config: flow.config,
      });
    if (outcome === 'no-op') {
      const result = run();
      expect(result.event).toBeNull();
      expect(result.licence).toBe(flow.licence);
      return;
    }
    if ('code' in outcome) {
      let thrown: unknown;
      try {
        run();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DomainError);
      expect(thrown).toMatchObject(outcome);
      return;
    }
    const result = run();
    expect(result.licence.status).toBe(outcome.to);
    expect(LicenceRecordSchema.parse(result.licence)).toEqual(result.licence);
    expect(result.event).toMatchObject({
      action,
      seq: flow.licence.version + 1,
      fromStatus: status,
      toStatus: outcome.to,
      prevHash: flow.licence.auditHeadHash,
    });
    const events = result.event ? [...flow.events, result.event] : flow.events;
    expect(verifyChain(events, result.licence, 'licence')).toMatchObject({ valid: true });
    // allowedActions offered exactly what succeeds for a user.
    if (who !== 'system') expect(allowedLicenceActions(flow.licence, CALLERS[who])).toContain(action);
  });

  it('offers through allowedActions nothing that would be refused', () => {
    for (const { action, status, who, outcome } of CASES) {
      if (who === 'system') continue;
      const offered = allowedLicenceActions(fixture(status).licence, CALLERS[who]).includes(action);
      expect({ action, status, who, offered }).toEqual({
        action,
        status,
        who,
        offered: typeof outcome === 'object' && 'to' in outcome,
      });
    }
  });
});

describe('licence lifecycle: rules beyond the table', () => {
  it('refuses a second amendment while one is open (409 AMENDMENT_OPEN) and stops offering it', () => {
    const flow = licenceIn('ACTIVE');
    flow.apply('amend', flow.holder, { applicationId: 'app_first' });
    expect(allowedLicenceActions(flow.licence, flow.holder)).not.toContain('amend');
    expect(() => flow.apply('amend', flow.holder, { applicationId: 'app_second' })).toThrow(
      expect.objectContaining({ status: 409, code: 'AMENDMENT_OPEN' }),
    );
  });

  it('expires only at validTo: an early timer answers when to wake up and changes nothing', () => {
    const flow = licenceIn('SUSPENDED');
    const early = flow.apply('expire', system('licence-expiry'), {});
    expect(early).toMatchObject({ event: null, wakeAt: flow.licence.validTo });
    expect(flow.licence.status).toBe('SUSPENDED');
  });

  it('records who suspended and clears the suspension on reinstatement by another senior reviewer', () => {
    const flow = licenceIn('SUSPENDED');
    expect(flow.licence.suspension).toMatchObject({ by: 'sam', reasons: ['BREACH_OF_CONDITIONS'] });
    flow.apply('reinstate', senior('sue'), { note: 'Finding closed.' });
    expect(flow.licence).toMatchObject({ status: 'ACTIVE', suspension: null });
    expect(flow.events.at(-1)?.changes).toMatchObject({ suspension: { by: 'sam' } });
  });

  it('rejects If-Match with another version (412) before the status check', () => {
    const flow = licenceIn('REVOKED');
    expect(() =>
      applyLicenceAction(
        flow.licence,
        'surrender',
        flow.holder,
        { reason: 'x' },
        {
          ...flow.context(),
          ifMatch: flow.licence.version - 1,
        },
      ),
    ).toThrow(expect.objectContaining({ status: 412 }));
  });
});
