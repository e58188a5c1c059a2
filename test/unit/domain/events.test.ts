import { afterEach, describe, expect, it, vi } from 'vitest';
import { licenceItem } from '#adapters/licences.ts';
import type { ActionResult } from '#domain/applications/apply-action.ts';
import { applicationEventOf, type EventFeed, licenceEventOf, listEvents } from '#domain/events.ts';
import type { LicenceResult } from '#domain/licences/apply-licence-action.ts';
import type { Application } from '#domain/schemas.ts';
import {
  ApplicationFlow,
  appealEndedIn,
  applicant,
  auditor,
  draftApplication,
  operator,
  reviewer,
  senior,
} from '../../support/applications.ts';
import { customs, LicenceFlow, licenceIn } from '../../support/licences.ts';

const RECORDED_AT = new Date('2025-06-03T10:00:00.000Z');

/** The application item as the repository writes it: domain attributes, `lastAction`, workflow metadata. */
const itemOf = (application: Application, lastAction?: string, workflow: Record<string, unknown> = {}) => ({
  ...application,
  ...(lastAction ? { lastAction } : {}),
  itemType: 'application',
  generation: 1,
  workflowOpen: 'open',
  ...workflow,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('domain events from application stream records', () => {
  it('names the created draft: type create, no previous status, id <applicationId>:1', () => {
    const { application } = draftApplication();
    const event = applicationEventOf(
      { oldImage: undefined, newImage: itemOf(application, 'create') },
      RECORDED_AT,
    );
    expect(event).toEqual({
      schemaVersion: 1,
      id: `${application.applicationId}:1`,
      seq: 1,
      occurredAt: application.updatedAt,
      recordedAt: RECORDED_AT.toISOString(),
      orgId: 'acme',
      aggregate: 'application',
      type: 'create',
      applicationId: application.applicationId,
      fromStatus: null,
      toStatus: 'DRAFT',
      lane: null,
      licenceNumber: null,
      amends: null,
    });
  });

  it('follows denial → appeal → overturned → sign-off → approval: each version one event, as the audit trail says', () => {
    const apply = vi.spyOn(ApplicationFlow.prototype, 'apply');
    const flow = appealEndedIn('overturned', reviewer('rita'));
    flow.apply('claim', reviewer('ravi'), {});
    flow.apply('approve', reviewer('ravi'), { validityMonths: 12, conditions: [] });
    flow.apply('sign-off', senior('sue'), { agree: true });
    const results = apply.mock.results.map((result) => result.value as ActionResult);
    expect(flow.application.status).toBe('APPROVED');

    const events = results.slice(1).map((result, index) => {
      const previous = results[index]?.application as Application;
      return applicationEventOf(
        {
          oldImage: itemOf(previous, 'whatever'),
          newImage: itemOf(result.application, result.event?.action),
        },
        RECORDED_AT,
      );
    });
    const audit = flow.events.slice(2); // create and the first apply have no previous version here
    expect(
      events.map((event) =>
        typeof event === 'string' ? event : [event.type, event.fromStatus, event.toStatus],
      ),
    ).toEqual(audit.map((event) => [event.action, event.fromStatus, event.toStatus]));
    expect(events.map((event) => (typeof event === 'string' ? event : event.seq))).toEqual(
      audit.map((event) => event.seq),
    );
    const types = audit.map((event) => event.action);
    expect(types).toEqual(expect.arrayContaining(['deny', 'sign-off', 'appeal', 'decide-appeal', 'approve']));
    const last = events.at(-1);
    expect(last).toMatchObject({
      type: 'sign-off',
      toStatus: 'APPROVED',
      licenceNumber: flow.application.licence?.licenceNumber,
    });
  });

  it('carries the licence an amendment varies', () => {
    const { application } = draftApplication();
    const event = applicationEventOf(
      { oldImage: undefined, newImage: itemOf({ ...application, amends: 'EL-2025-000001' }, 'create') },
      RECORDED_AT,
    );
    expect(event).toMatchObject({ type: 'create', amends: 'EL-2025-000001' });
  });

  it('publishes nothing for writes that did not raise the version: task token, generation, removal', () => {
    const { application } = draftApplication();
    const before = itemOf(application, 'create');
    const token = { pendingTask: { token: 'secret', state: 'Draft', generation: 1 } };
    expect(applicationEventOf({ oldImage: before, newImage: { ...before, ...token } }, RECORDED_AT)).toBe(
      'version-unchanged',
    );
    expect(
      applicationEventOf({ oldImage: before, newImage: { ...before, generation: 2 } }, RECORDED_AT),
    ).toBe('version-unchanged');
    expect(applicationEventOf({ oldImage: before, newImage: undefined }, RECORDED_AT)).toBe('removed');
  });

  it('skips an item written before lastAction existed', () => {
    const { application } = draftApplication();
    expect(applicationEventOf({ oldImage: undefined, newImage: itemOf(application) }, RECORDED_AT)).toBe(
      'no-last-action',
    );
  });

  it('is the same event on a redelivery of the same record (the id is the idempotency key)', () => {
    const { application } = draftApplication();
    const record = { oldImage: undefined, newImage: itemOf(application, 'create') };
    const first = applicationEventOf(record, RECORDED_AT);
    const again = applicationEventOf(record, new Date(RECORDED_AT.getTime() + 5_000));
    expect({ ...(again as object), recordedAt: null }).toEqual({ ...(first as object), recordedAt: null });
  });

  it('holds no personal or commercial data: no names, goods, values, notes, grounds or actors', () => {
    const flow = appealEndedIn('upheld', reviewer('rita'));
    const event = applicationEventOf(
      { oldImage: undefined, newImage: itemOf(flow.application, 'decide-appeal') },
      RECORDED_AT,
    );
    const text = JSON.stringify(event);
    const application = flow.application;
    for (const secret of [
      application.exporter?.name,
      application.consignee?.name,
      application.endUser?.name,
      application.goods?.[0]?.description,
      String(application.goods?.[0]?.valueUsd),
      application.appeal?.grounds,
      application.appeal?.note,
      'rita',
      'alice',
      'dana',
    ]) {
      expect(secret).toBeTruthy();
      expect(text).not.toContain(secret);
    }
  });
});

describe('domain events from licence stream records', () => {
  it('names every licence change: issue (new item), usage, suspension, reinstatement, revocation', () => {
    const flow = new LicenceFlow();
    const versions = [licenceItem(flow.licence, 'issue')];
    const apply = vi.spyOn(LicenceFlow.prototype, 'apply');
    flow.ship(flow.holder, [{ goodsIndex: 0, quantityKg: 1, valueUsd: 10 }]);
    flow.ship(customs(), [{ goodsIndex: 0, quantityKg: 2, valueUsd: 20 }]);
    flow.apply('suspend', senior('sam'), { reasons: ['BREACH_OF_CONDITIONS'] });
    flow.apply('reinstate', senior('sue'), {});
    flow.apply('revoke', senior('sam'), { reasons: ['RISK_OF_DIVERSION'] });
    for (const result of apply.mock.results.map((r) => r.value as LicenceResult)) {
      versions.push(licenceItem(result.licence, result.event?.action ?? 'none'));
    }
    const events = versions.map((item, index) =>
      licenceEventOf({ oldImage: versions[index - 1], newImage: item }, RECORDED_AT),
    );
    expect(
      events.map((event) =>
        typeof event === 'string' ? event : [event.type, event.fromStatus, event.toStatus],
      ),
    ).toEqual([
      ['issue', null, 'ACTIVE'],
      ['record-usage', 'ACTIVE', 'ACTIVE'],
      ['record-usage', 'ACTIVE', 'ACTIVE'],
      ['suspend', 'ACTIVE', 'SUSPENDED'],
      ['reinstate', 'SUSPENDED', 'ACTIVE'],
      ['revoke', 'ACTIVE', 'REVOKED'],
    ]);
    expect(events[0]).toMatchObject({
      id: `licence#${flow.licence.licenceNumber}:1`,
      aggregate: 'licence',
      licenceNumber: flow.licence.licenceNumber,
      applicationId: flow.licence.applicationId,
      orgId: flow.licence.orgId,
    });
    expect(events.map((event) => (typeof event === 'string' ? 0 : event.seq))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('ignores usage and declaration items, and holds no amounts or verification code', () => {
    const flow = licenceIn('EXHAUSTED');
    const usage = [...flow.usages.values()][0];
    expect(
      licenceEventOf(
        { oldImage: undefined, newImage: { sk: `USAGE#${usage?.usageId}`, ...usage } },
        RECORDED_AT,
      ),
    ).toBe('not-a-licence');
    const event = licenceEventOf(
      { oldImage: undefined, newImage: licenceItem(flow.licence, 'record-usage') },
      RECORDED_AT,
    );
    expect(event).toMatchObject({ toStatus: 'EXHAUSTED' });
    const text = JSON.stringify(event);
    expect(text).not.toContain(flow.licence.verificationCode);
    expect(text).not.toMatch(/grams|cents|quantity|value|exporter|consignee|endUser/i);
  });
});

describe('GET /events', () => {
  const feed: EventFeed = { list: async () => ({ items: [], cursor: null }) };

  it('serves operators and auditors, nobody else', async () => {
    for (const actor of [operator(), auditor()]) {
      await expect(listEvents(feed, actor, { limit: 5 })).resolves.toEqual({ items: [], cursor: null });
    }
    for (const actor of [applicant(), reviewer(), senior(), customs()]) {
      await expect(listEvents(feed, actor, { limit: 5 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
  });
});
