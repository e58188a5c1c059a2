import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { readEventFile } from '#adapters/events.ts';
import { type DomainEvent, DomainEventSchema } from '#domain/events.ts';
import { readyToSubmit, SUBMIT_BODY } from '../support/api.ts';
import {
  type Completion,
  completion,
  eventually,
  statusReached,
  useWorkflowStack,
  waitingIn,
} from '../support/stack.ts';

/**
 * Domain events on the full local stack (on disk, so LOCAL_DATA_DIR/events.ndjson is written): an
 * application's lifecycle through a denial, an appeal overturned, a new decision and an amendment
 * of its licence becomes, per aggregate, exactly its audit trail as events — in order, once each,
 * the same through GET /events, in events.ndjson and from `npm run ops -- events`.
 */
const e2e = useWorkflowStack('wfEvents', { inMemory: false });
const APPROVE = { validityMonths: 12, conditions: [] };
const OVERTURNED = { outcome: 'OVERTURNED', note: 'The refusal rested on a misread end use.' };

/** Every event of the feed, read page by page with the cursor as an auditor. */
async function feed(query = ''): Promise<DomainEvent[]> {
  const items: DomainEvent[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams(query);
    params.set('limit', '7');
    if (cursor) params.set('cursor', cursor);
    const page = await e2e.people.audrey.get(`/events?${params}`);
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.cursor;
  } while (cursor);
  return items;
}

const ofApplication = (events: DomainEvent[], id: string) =>
  events.filter((event) => event.aggregate === 'application' && event.applicationId === id);
const shape = (event: DomainEvent) => [event.seq, event.type, event.fromStatus, event.toStatus];
const auditShape = (audit: Completion['audit']) =>
  audit.map((event, index) => [index + 1, event.action, event.fromStatus, event.toStatus]);

/** Waits until the feed holds as many events of the application as its audit trail has events. */
async function eventsOf(id: string, count: number): Promise<DomainEvent[]> {
  return eventually(
    async () => {
      const mine = ofApplication(await feed(), id);
      return mine.length >= count ? mine : undefined;
    },
    { what: `${count} events of ${id}` },
  );
}

/** Denied by rita (signed off by sam), appealed, overturned by sue, approved by ravi, signed off by sue. */
async function approvedOnAppeal(): Promise<string> {
  const { alice, rita, ravi, sam, sue, otto, audrey } = e2e.people;
  const id = await readyToSubmit(alice);
  expect((await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY)).status).toBe(200);
  await statusReached(audrey, id, 'UNDER_REVIEW');
  await waitingIn(otto, id, 'UnderReview');
  expect((await rita.post(`/applications/${id}/actions/claim`)).status).toBe(200);
  expect(
    (await rita.post(`/applications/${id}/actions/deny`, { reasons: ['RISK_OF_DIVERSION'] })).status,
  ).toBe(200);
  await waitingIn(otto, id, 'PendingSignOff');
  expect((await sam.post(`/applications/${id}/actions/sign-off`, { agree: true })).status).toBe(200);
  await completion(e2e.people, id, 'DENIED');
  expect(
    (await alice.post(`/applications/${id}/actions/appeal`, { grounds: 'A university lab.' })).status,
  ).toBe(200);
  await waitingIn(otto, id, 'Appealed');
  expect((await sue.post(`/applications/${id}/actions/decide-appeal`, OVERTURNED)).status).toBe(200);
  await waitingIn(otto, id, 'UnderReview');
  expect((await ravi.post(`/applications/${id}/actions/claim`)).status).toBe(200);
  expect((await ravi.post(`/applications/${id}/actions/approve`, APPROVE)).body.status).toBe(
    'PENDING_SIGN_OFF',
  );
  await waitingIn(otto, id, 'PendingSignOff');
  expect((await sue.post(`/applications/${id}/actions/sign-off`, { agree: true })).status).toBe(200);
  return id;
}

/** Submits, waits for review, rita claims and approves; with `complete`, the details are completed first. */
async function approvedByRita(id: string, fresh = true): Promise<Completion> {
  const { alice, rita, otto, audrey } = e2e.people;
  if (!fresh) expect((await alice.post(`/applications/${id}/actions/complete-details`)).status).toBe(200);
  expect((await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY)).status).toBe(200);
  await statusReached(audrey, id, 'UNDER_REVIEW');
  await waitingIn(otto, id, 'UnderReview');
  expect((await rita.post(`/applications/${id}/actions/claim`)).status).toBe(200);
  expect((await rita.post(`/applications/${id}/actions/approve`, APPROVE)).body.status).toBe('APPROVED');
  return completion(e2e.people, id, 'APPROVED');
}

async function activeLicence(): Promise<string> {
  const done = await approvedByRita(await readyToSubmit(e2e.people.alice));
  return (done.application.licence as { licenceNumber: string }).licenceNumber;
}

describe('domain events', () => {
  it('deny → appeal → overturned → approve → amend → withdraw: the audit trail as ordered events, once each', async () => {
    const { alice, audrey } = e2e.people;
    const id = await approvedOnAppeal();
    const done = await completion(e2e.people, id, 'APPROVED');
    const number = (done.application.licence as { licenceNumber: string }).licenceNumber;

    const amended = await alice.post(`/licences/${number}/actions/amend`, {});
    expect(amended.status).toBe(201);
    const amendmentId: string = amended.body.applicationId;
    const withdrawn = await alice.post(`/applications/${amendmentId}/actions/withdraw`, {
      reason: 'Not needed.',
    });
    expect(withdrawn.body.status).toBe('WITHDRAWN');
    const amendmentAudit = (await audrey.get(`/applications/${amendmentId}/audit`)).body.items;

    const events = await eventsOf(id, done.audit.length);
    expect(events.map(shape)).toEqual(auditShape(done.audit));
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['create', 'submit', 'deny', 'sign-off', 'appeal', 'decide-appeal', 'approve']),
    );
    expect(events.map((event) => event.id)).toEqual(events.map((event) => `${id}:${event.seq}`));
    expect(events.at(-1)).toMatchObject({ type: 'sign-off', toStatus: 'APPROVED', licenceNumber: number });
    expect(events.find((event) => event.type === 'appeal')).toMatchObject({
      fromStatus: 'DENIED',
      toStatus: 'APPEALED',
    });

    const amendment = await eventsOf(amendmentId, amendmentAudit.length);
    expect(amendment.map(shape)).toEqual([
      [1, 'create', null, 'DRAFT'],
      [2, 'withdraw', 'DRAFT', 'WITHDRAWN'],
    ]);
    expect(amendment[0]).toMatchObject({ amends: number, orgId: 'acme' });

    // The whole feed: valid events, each id once, each aggregate's events in seq order.
    const all = await feed();
    for (const event of all) expect(DomainEventSchema.safeParse(event).success).toBe(true);
    expect(new Set(all.map((event) => event.id)).size).toBe(all.length);
    const recorded = all.map((event) => event.recordedAt);
    expect(recorded).toEqual([...recorded].sort());

    // events.ndjson holds the same events in the same order.
    const file = await readEventFile(join(process.env.LOCAL_DATA_DIR ?? '', 'events.ndjson'));
    expect(ofApplication(file, id)).toEqual(events);

    // since: inclusive, by recordedAt.
    const appeal = events.find((event) => event.type === 'appeal');
    const since = await feed(`since=${encodeURIComponent(appeal?.recordedAt ?? '')}`);
    expect(ofApplication(since, id).map((event) => event.type)[0]).toBe('appeal');
    expect(since.every((event) => event.recordedAt >= (appeal?.recordedAt ?? ''))).toBe(true);

    expect((await alice.get('/events')).status).toBe(403);
  });

  it('licences: issue → usage (holder, customs) → suspend → reinstate → revoke; amend → supersede + issue', async () => {
    const { alice, sam, sue, audrey } = e2e.people;
    const cora = await e2e.stack.as('cora', 'authority', ['customs']);
    const [number, varied] = await Promise.all([activeLicence(), activeLicence()]);
    const validFrom: string = (await alice.get(`/licences/${number}`)).body.validFrom;
    const usage = (usageId: string) => ({
      usageId,
      shippedAt: validFrom,
      declarationRef: `DECL-${usageId}`,
      items: [{ goodsIndex: 0, quantityKg: 1, valueUsd: 10 }],
    });
    expect((await alice.post(`/licences/${number}/actions/record-usage`, usage('u-1'))).status).toBe(200);
    expect((await cora.post(`/licences/${number}/actions/record-usage`, usage('u-2'))).status).toBe(200);
    const reasons = { reasons: ['BREACH_OF_CONDITIONS'] };
    expect((await sam.post(`/licences/${number}/actions/suspend`, reasons)).body.status).toBe('SUSPENDED');
    expect((await sue.post(`/licences/${number}/actions/reinstate`, {})).body.status).toBe('ACTIVE');
    expect((await sam.post(`/licences/${number}/actions/revoke`, reasons)).body.status).toBe('REVOKED');

    const amended = await alice.post(`/licences/${varied}/actions/amend`, {});
    expect(amended.status).toBe(201);
    const done = await approvedByRita(amended.body.applicationId, false);
    const issued = (done.application.licence as { licenceNumber: string }).licenceNumber;

    const licenceEvents = async (licenceNumber: string, count: number) =>
      eventually(
        async () => {
          const mine = (await feed()).filter(
            (event) => event.aggregate === 'licence' && event.licenceNumber === licenceNumber,
          );
          return mine.length >= count ? mine : undefined;
        },
        { what: `${count} events of licence ${licenceNumber}` },
      );
    const trail = async (licenceNumber: string) =>
      (await audrey.get(`/licences/${licenceNumber}/audit`)).body.items as Completion['audit'];

    const revokedTrail = await trail(number);
    const revoked = await licenceEvents(number, revokedTrail.length);
    expect(revoked.map(shape)).toEqual(auditShape(revokedTrail));
    expect(revoked.map((event) => event.type)).toEqual([
      'issue',
      'record-usage',
      'record-usage',
      'suspend',
      'reinstate',
      'revoke',
    ]);
    expect(revoked.map((event) => event.id)).toEqual(
      revoked.map((event) => `licence#${number}:${event.seq}`),
    );

    const superseded = await licenceEvents(varied, 3);
    expect(superseded.map(shape)).toEqual([
      [1, 'issue', null, 'ACTIVE'],
      [2, 'amend', 'ACTIVE', 'ACTIVE'],
      [3, 'supersede', 'ACTIVE', 'SUPERSEDED'],
    ]);
    expect(superseded[1]).toMatchObject({ openAmendment: amended.body.applicationId });
    expect(superseded[2]).toMatchObject({ supersededBy: issued });
    expect(await licenceEvents(issued, 1)).toEqual([
      expect.objectContaining({
        type: 'issue',
        toStatus: 'ACTIVE',
        amends: varied,
        applicationId: amended.body.applicationId,
      }),
    ]);

    const file = await readEventFile(join(process.env.LOCAL_DATA_DIR ?? '', 'events.ndjson'));
    expect(file.filter((event) => event.aggregate === 'licence' && event.licenceNumber === number)).toEqual(
      revoked,
    );
  });

  it('`npm run ops -- events` prints the file: a table, or one JSON event a line', async () => {
    const all = await eventually(async () => {
      const events = await feed();
      return events.length > 0 ? events : undefined;
    });
    const [json, table] = await Promise.all([ops(['events', '--json']), ops(['events'])]);
    const printed = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(printed.slice(0, all.length)).toEqual(all);
    const [heading, first] = table.stdout.split('\n');
    expect(heading).toMatch(/^RECORDED\s+TYPE\s+STATUS\s+ID\s+ORG$/);
    expect(first).toContain(all[0]?.id);
  });

  it('`npm run ops -- events --follow --json` prints new events as they are recorded', async () => {
    const follower = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/ops.ts', 'events', '--follow', '--json'],
      {
        env: process.env,
      },
    );
    let output = '';
    follower.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    try {
      // Once the file's events are printed, a new application's first event must follow.
      await eventually(async () => (output.includes('"schemaVersion":1') ? true : undefined), {
        timeoutMs: 30_000,
      });
      const created = await e2e.people.alice.post('/applications', {});
      const id: string = created.body.applicationId;
      const line = await eventually(
        async () => output.split('\n').find((candidate) => candidate.includes(`"id":"${id}:1"`)),
        { timeoutMs: 30_000, what: `the create event of ${id} on the follower's output` },
      );
      expect(JSON.parse(line)).toMatchObject({ type: 'create', applicationId: id, toStatus: 'DRAFT' });
    } finally {
      follower.kill();
    }
  });
});

const execFileAsync = promisify(execFile);
function ops(args: string[]) {
  return execFileAsync(process.execPath, ['--import', 'tsx', 'local/ops.ts', ...args], {
    env: { ...process.env, DYNAMODB_PORT: new URL(inject('dynamodbEndpoint')).port },
    timeout: 50_000,
  });
}
