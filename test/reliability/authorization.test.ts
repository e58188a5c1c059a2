import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, type Caller, startTestApi, type TestApi } from '../support/api.ts';
import { ledger } from './ledger.ts';
import {
  ACTION_BODIES,
  applicationIn,
  counted,
  countedPeople,
  isErrorShape,
  type People,
  people,
  SIGN_OFF,
  UPLOAD,
  WITHDRAW,
} from './support.ts';

/**
 * The authorization matrix: every endpoint × every role (applicants of the own and of another
 * org) × every status, against one expected-answer table written by hand from DESIGN.md's
 * lifecycle table, "Who sees what" and error precedence (401 → 400 → 404 → 403 FORBIDDEN → 409 →
 * 403 NOT_ASSIGNED / SEPARATION_OF_DUTIES → 422). Nothing here reads the code's transition table.
 * Refusals are sent to shared applications and must write nothing; every answer the table expects
 * to succeed is performed once on a fresh application in that status.
 */
type Who = 'alice' | 'bob' | 'rita' | 'ravi' | 'sam' | 'audrey' | 'otto';
type Status =
  | 'DRAFT'
  | 'END_USER_DOCS'
  | 'UNDER_REVIEW'
  | 'INFORMATION_REQUESTED'
  | 'PENDING_SIGN_OFF'
  | 'WITHDRAWN';
const WHO: Who[] = ['alice', 'bob', 'rita', 'ravi', 'sam', 'audrey', 'otto'];
const STATUSES: Status[] = [
  'DRAFT',
  'END_USER_DOCS',
  'UNDER_REVIEW',
  'INFORMATION_REQUESTED',
  'PENDING_SIGN_OFF',
  'WITHDRAWN',
];

// --- The hand-written expectations (DESIGN.md) ------------------------------------------------------

const ROLE: Record<Who, 'applicant' | 'reviewer' | 'senior-reviewer' | 'auditor' | 'operator'> = {
  alice: 'applicant',
  bob: 'applicant',
  rita: 'reviewer',
  ravi: 'reviewer',
  sam: 'senior-reviewer',
  audrey: 'auditor',
  otto: 'operator',
};
/** rita claimed every reviewed application and recommended the one pending sign-off. */
const ASSIGNED: Who = 'rita';
const PRE_SUBMISSION: Status[] = ['DRAFT', 'END_USER_DOCS'];

/** "Who sees what": applicants their org's only; reviewers from SUBMITTED on; operators, auditors all. */
function visible(who: Who, status: Status): boolean {
  if (who === 'bob') return false;
  if (ROLE[who] === 'reviewer' || ROLE[who] === 'senior-reviewer') return !PRE_SUBMISSION.includes(status);
  return true;
}

interface ActionRule {
  from: Status[];
  by: Array<'applicant' | 'reviewer' | 'senior-reviewer'>;
  /** The assigned reviewer only (403 NOT_ASSIGNED for another). */
  assignedOnly?: boolean;
}
const REVIEWING: Status[] = ['UNDER_REVIEW', 'INFORMATION_REQUESTED'];
const NON_FINAL: Status[] = STATUSES.filter((status) => status !== 'WITHDRAWN');
const REVIEWERS: ActionRule['by'] = ['reviewer', 'senior-reviewer'];
const LIFECYCLE: Record<string, ActionRule> = {
  update: { from: ['DRAFT'], by: ['applicant'] },
  'add-document': { from: ['DRAFT', 'END_USER_DOCS', 'INFORMATION_REQUESTED'], by: ['applicant'] },
  'remove-document': { from: ['DRAFT', 'END_USER_DOCS'], by: ['applicant'] },
  'complete-details': { from: ['DRAFT'], by: ['applicant'] },
  reopen: { from: ['END_USER_DOCS'], by: ['applicant'] },
  submit: { from: ['END_USER_DOCS'], by: ['applicant'] },
  claim: { from: REVIEWING, by: REVIEWERS },
  release: { from: REVIEWING, by: REVIEWERS, assignedOnly: true },
  reassign: { from: REVIEWING, by: ['senior-reviewer'] },
  'request-information': { from: ['UNDER_REVIEW'], by: REVIEWERS, assignedOnly: true },
  respond: { from: ['INFORMATION_REQUESTED'], by: ['applicant'] },
  approve: { from: ['UNDER_REVIEW'], by: REVIEWERS, assignedOnly: true },
  deny: { from: ['UNDER_REVIEW'], by: REVIEWERS, assignedOnly: true },
  'sign-off': { from: ['PENDING_SIGN_OFF'], by: ['senior-reviewer'] },
  withdraw: { from: NON_FINAL, by: ['applicant'] },
};
const SYSTEM_ACTIONS = ['screening-cleared', 'screening-matched', 'information-overdue', 'abandon'];

type Expected = { status: number; code?: string };
const refused = (status: number, code: string): Expected => ({ status, code });
const NOT_FOUND = refused(404, 'NOT_FOUND');
const FORBIDDEN = refused(403, 'FORBIDDEN');

function expectedForAction(action: string, who: Who, status: Status): Expected {
  if (!visible(who, status)) return NOT_FOUND;
  const rule = LIFECYCLE[action];
  if (!rule) return FORBIDDEN; // a system action
  const role = ROLE[who];
  if (role === 'auditor' || role === 'operator' || !rule.by.includes(role)) return FORBIDDEN;
  if (!rule.from.includes(status)) return refused(409, 'INVALID_TRANSITION');
  // claim: only when unassigned, else ALREADY_ASSIGNED; the assignee claiming again is a no-op.
  if (action === 'claim') return who === ASSIGNED ? { status: 200 } : refused(409, 'ALREADY_ASSIGNED');
  if (rule.assignedOnly && who !== ASSIGNED) return refused(403, 'NOT_ASSIGNED');
  return { status: action === 'add-document' ? 201 : 200 };
}

/** Reads: API.md's endpoint table. */
const READS: Record<string, (who: Who) => boolean> = {
  '': () => true,
  '/audit': () => true,
  '/audit/verify': (who) => ROLE[who] === 'auditor' || ROLE[who] === 'operator',
  '/documents/{doc}': (who) => ROLE[who] !== 'operator',
  // no workflow runs in this suite's API: a watcher gets 404 "no execution known"
  '/execution': (who) => ROLE[who] === 'auditor' || ROLE[who] === 'operator',
  '/execution/history': (who) => ROLE[who] === 'auditor' || ROLE[who] === 'operator',
};
function expectedForRead(path: string, who: Who, status: Status): Expected {
  if (!visible(who, status)) return NOT_FOUND;
  const allowed = READS[path]?.(who) ?? false;
  if (!allowed) return FORBIDDEN;
  return path.startsWith('/execution') ? NOT_FOUND : { status: 200 };
}

// --- Requests --------------------------------------------------------------------------------------

function perform(caller: Caller, action: string, id: string, documentId: string): Promise<ApiResponse> {
  if (action === 'update') return caller.patch(`/applications/${id}`, ACTION_BODIES.update);
  if (action === 'add-document') return caller.post(`/applications/${id}/documents`, UPLOAD);
  if (action === 'remove-document') return caller.delete(`/applications/${id}/documents/${documentId}`);
  return caller.post(`/applications/${id}/actions/${action}`, ACTION_BODIES[action] ?? {});
}

/** Workflow bookkeeping, task tokens and JWTs (three base64url segments) never appear in an answer. */
const LEAKS = /pendingTask|taskToken|itemType|eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+/;

const figures = ledger('authorization');
let api: TestApi;
let p: People;
const shared = new Map<Status, { id: string; documentId: string }>();

async function inStatus(status: Status): Promise<{ id: string; documentId: string }> {
  // Withdrawn after submission (one never submitted stays the applicant's private draft).
  const id = await applicationIn(p, status === 'WITHDRAWN' ? 'UNDER_REVIEW' : status);
  if (status === 'WITHDRAWN') await p.alice.post(`/applications/${id}/actions/withdraw`, WITHDRAW);
  if (status === 'DRAFT') await p.alice.post(`/applications/${id}/documents`, UPLOAD);
  const read = await p.audrey.get(`/applications/${id}`);
  expect(read.body.status).toBe(status);
  return { id, documentId: read.body.documents[0]?.documentId ?? 'doc_none' };
}

async function snapshot(): Promise<string> {
  const versions = await Promise.all(
    [...shared.values()].map(async ({ id }) => (await p.audrey.get(`/applications/${id}`)).body.version),
  );
  return JSON.stringify(versions);
}

function judge(response: ApiResponse, expected: Expected, what: string): void {
  const text = JSON.stringify(response.body);
  const matches =
    response.status === expected.status &&
    (expected.code === undefined || response.body?.error?.code === expected.code) &&
    (response.status < 400 || isErrorShape(response.body));
  expect(
    figures.check(matches),
    `${what}: expected ${JSON.stringify(expected)}, got ${response.status} ${text.slice(0, 300)}`,
  ).toBe(true);
  expect(figures.check(!LEAKS.test(text)), `${what} leaks: ${text.slice(0, 300)}`).toBe(true);
}

beforeAll(async () => {
  api = await startTestApi();
  p = countedPeople(await people(api, `authz-${Date.now()}`), figures);
  await Promise.all(STATUSES.map(async (status) => shared.set(status, await inStatus(status))));
});
afterAll(async () => {
  figures.flush();
  await api.stop();
});

const caller = (who: Who): Caller => (who === 'audrey' ? p.audrey : who === 'otto' ? p.otto : p[who]);

describe('authorization matrix (hand-written from DESIGN.md)', () => {
  it('answers every read as the table says, leaking no token or internal field', async () => {
    const cells = STATUSES.flatMap((status) =>
      WHO.flatMap((who) => Object.keys(READS).map((path) => ({ status, who, path }))),
    );
    await Promise.all(
      cells.map(async ({ status, who, path }) => {
        const { id, documentId } = shared.get(status) ?? { id: '', documentId: '' };
        const response = await caller(who).get(`/applications/${id}${path.replace('{doc}', documentId)}`);
        judge(response, expectedForRead(path, who, status), `GET ${path || '/'} as ${who} on ${status}`);
      }),
    );
    expect(cells.length).toBe(STATUSES.length * WHO.length * Object.keys(READS).length);
  });

  it('refuses every action the table refuses, with the documented code, and writes nothing', async () => {
    const before = await snapshot();
    const actions = [...Object.keys(LIFECYCLE), ...SYSTEM_ACTIONS];
    const cells = STATUSES.flatMap((status) =>
      WHO.flatMap((who) => actions.map((action) => ({ status, who, action }))),
    );
    const refusals = cells.filter(
      ({ status, who, action }) => expectedForAction(action, who, status).status >= 400,
    );
    for (let start = 0; start < refusals.length; start += 8) {
      await Promise.all(
        refusals.slice(start, start + 8).map(async ({ status, who, action }) => {
          const { id, documentId } = shared.get(status) ?? { id: '', documentId: '' };
          const response = await perform(caller(who), action, id, documentId);
          judge(response, expectedForAction(action, who, status), `${action} as ${who} on ${status}`);
        }),
      );
    }
    expect(figures.check((await snapshot()) === before), 'refusals wrote nothing').toBe(true);
    expect(refusals.length).toBeGreaterThan(400);
  });

  it('performs every action the table allows, each on a fresh application', async () => {
    const actions = Object.keys(LIFECYCLE);
    const allowed = STATUSES.flatMap((status) =>
      WHO.flatMap((who) => actions.map((action) => ({ status, who, action }))),
    )
      .filter(({ status, who, action }) => {
        const expected = expectedForAction(action, who, status);
        return (
          expected.status < 400 && !(action === 'claim' && who === ASSIGNED && status !== 'UNDER_REVIEW')
        );
      })
      .filter(
        // one performer per status and action (the first the table allows) keeps it quick
        (cell, index, all) =>
          all.findIndex((other) => other.status === cell.status && other.action === cell.action) === index,
      );
    for (let start = 0; start < allowed.length; start += 4) {
      await Promise.all(
        allowed.slice(start, start + 4).map(async ({ status, who, action }) => {
          const { id, documentId } = await inStatus(status);
          const response = await perform(caller(who), action, id, documentId);
          judge(response, expectedForAction(action, who, status), `${action} as ${who} on ${status}`);
        }),
      );
    }
    expect(allowed.length).toBeGreaterThan(15);
  });

  it('refuses the application-level endpoints to the wrong roles and serves /stats to everyone, /events to watchers', async () => {
    for (const who of WHO) {
      const role = ROLE[who];
      const create = await caller(who).post(
        '/applications',
        role === 'applicant' ? { 'x-not-a-field': 1 } : {},
      );
      judge(create, role === 'applicant' ? refused(400, 'VALIDATION_FAILED') : FORBIDDEN, `create as ${who}`);
      const list = await caller(who).get('/applications?limit=5');
      judge(list, { status: 200 }, `list as ${who}`);
      const queue = await caller(who).get('/queue');
      const reviewer = role === 'reviewer' || role === 'senior-reviewer';
      judge(queue, reviewer ? { status: 200 } : FORBIDDEN, `queue as ${who}`);
      if (!reviewer)
        judge(await caller(who).post('/queue/claim-next', {}), FORBIDDEN, `claim-next as ${who}`);
      // Public statistics (API.md): every role, the same figures, nothing internal.
      judge(await caller(who).get('/stats'), { status: 200 }, `stats as ${who}`);
      // Domain events (API.md): operators and auditors only.
      const watcher = role === 'operator' || role === 'auditor';
      judge(
        await caller(who).get('/events?limit=5'),
        watcher ? { status: 200 } : FORBIDDEN,
        `events as ${who}`,
      );
    }
    judge(await api.anonymous().get('/stats'), { status: 200 }, 'stats without a token');
    judge(await api.anonymous().get('/events'), refused(401, 'UNAUTHORIZED'), 'events without a token');
    judge(await p.otto.get('/events?limit=0'), refused(400, 'VALIDATION_FAILED'), 'events with limit 0');
    judge(
      await p.otto.get('/events?cursor=bm90LWEtY3Vyc29y'),
      refused(400, 'VALIDATION_FAILED'),
      'events with a foreign cursor',
    );
  });

  it('refuses mass assignment of fields the server owns', async () => {
    const before = await snapshot();
    const draft = shared.get('DRAFT')?.id ?? '';
    for (const field of [
      'status',
      'version',
      'orgId',
      'decision',
      'licence',
      'assignedTo',
      'createdBy',
      'submission',
      'applicationId',
      'documents',
      'clock',
      'recommendation',
      'lane',
      'flags',
      'auditHeadHash',
    ]) {
      const value =
        field === 'version'
          ? 99
          : field === 'status'
            ? 'APPROVED'
            : field === 'orgId'
              ? 'globex'
              : { forged: true };
      judge(
        await p.alice.post('/applications', { [field]: value }),
        refused(400, 'VALIDATION_FAILED'),
        `create with ${field}`,
      );
      judge(
        await p.alice.patch(`/applications/${draft}`, { [field]: value }),
        refused(400, 'VALIDATION_FAILED'),
        `PATCH ${field}`,
      );
      judge(
        await p.alice.post(`/applications/${draft}/actions/withdraw`, { ...WITHDRAW, [field]: value }),
        refused(400, 'VALIDATION_FAILED'),
        `withdraw with ${field}`,
      );
    }
    expect(figures.check((await snapshot()) === before), 'mass assignment wrote nothing').toBe(true);
  });
});

// --- Licences and appeals (DESIGN.md: the licence table, "Appeals", customs) -----------------------

/**
 * The same matrix for the licence actions and the appeal actions: written by hand from DESIGN.md's
 * licence table and "Appeals", with cora of the `customs` group and sara (a senior reviewer who
 * took no part in anything) added. Sam suspended the SUSPENDED licence and signed off every denial.
 */
type LicenceWho = Who | 'sara' | 'cora';
type LicenceStatus = 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
const LICENCE_WHO: LicenceWho[] = [...WHO, 'sara', 'cora'];
const LICENCE_STATUSES: LicenceStatus[] = ['ACTIVE', 'SUSPENDED', 'REVOKED'];
const LICENCE_ROLE: Record<LicenceWho, (typeof ROLE)[Who] | 'customs'> = {
  ...ROLE,
  sara: 'senior-reviewer',
  cora: 'customs',
};
const SUSPENDER: LicenceWho = 'sam';

interface LicenceRule {
  from: LicenceStatus[];
  by: Array<'applicant' | 'senior-reviewer' | 'customs'>;
}
const LICENCE_ACTIONS: Record<string, LicenceRule> = {
  'record-usage': { from: ['ACTIVE'], by: ['applicant', 'customs'] },
  suspend: { from: ['ACTIVE'], by: ['senior-reviewer'] },
  reinstate: { from: ['SUSPENDED'], by: ['senior-reviewer'] },
  revoke: { from: ['ACTIVE', 'SUSPENDED'], by: ['senior-reviewer'] },
  surrender: { from: ['ACTIVE', 'SUSPENDED'], by: ['applicant'] },
  amend: { from: ['ACTIVE'], by: ['applicant'] },
};
const LICENCE_SYSTEM_ACTIONS = ['issue', 'expire', 'supersede'];

/** Applicants see their own org's licences; every authority group (operators without values) sees all. */
const seesLicence = (who: LicenceWho) => who !== 'bob';

function expectedForLicenceAction(action: string, who: LicenceWho, status: LicenceStatus): Expected {
  if (!seesLicence(who)) return NOT_FOUND;
  const rule = LICENCE_ACTIONS[action];
  if (!rule) return FORBIDDEN; // a system action
  const role = LICENCE_ROLE[who];
  if (role === 'reviewer' || role === 'auditor' || role === 'operator' || !rule.by.includes(role))
    return FORBIDDEN;
  if (!rule.from.includes(status)) return refused(409, 'INVALID_TRANSITION');
  // The senior reviewer who suspended may not reinstate (four eyes).
  if (action === 'reinstate' && who === SUSPENDER) return refused(403, 'SEPARATION_OF_DUTIES');
  return { status: action === 'amend' ? 201 : 200 };
}

type AppealStatus = 'DENIED' | 'APPEALED';
const APPEAL_STATUSES: AppealStatus[] = ['DENIED', 'APPEALED'];
/** rita recommended every denial and sam signed it off: neither may decide its appeal. */
const IN_THE_DENIAL: LicenceWho[] = ['rita', 'sam'];
const APPEAL_ACTIONS: Record<string, { from: AppealStatus[]; by: Array<'applicant' | 'senior-reviewer'> }> = {
  appeal: { from: ['DENIED'], by: ['applicant'] },
  'decide-appeal': { from: ['APPEALED'], by: ['senior-reviewer'] },
  // From APPEALED it withdraws the appeal (the denial stands); DENIED is final.
  withdraw: { from: ['APPEALED'], by: ['applicant'] },
};

function expectedForAppealAction(action: string, who: LicenceWho, status: AppealStatus): Expected {
  if (who === 'bob') return NOT_FOUND;
  const rule = APPEAL_ACTIONS[action];
  const role = LICENCE_ROLE[who];
  if (!rule) return FORBIDDEN;
  // Customs read licences and record usage, nothing else: applications are not visible to them.
  if (role === 'customs') return NOT_FOUND;
  if (role === 'reviewer' || role === 'auditor' || role === 'operator' || !rule.by.includes(role))
    return FORBIDDEN;
  if (!rule.from.includes(status)) return refused(409, 'INVALID_TRANSITION');
  if (action === 'decide-appeal' && IN_THE_DENIAL.includes(who)) return refused(403, 'SEPARATION_OF_DUTIES');
  return { status: 200 };
}

const LICENCE_BODIES: Record<string, (licence: { validFrom: string }) => unknown> = {
  'record-usage': ({ validFrom }) => ({
    usageId: `ship-${Date.now()}-${Math.random()}`,
    shippedAt: validFrom,
    declarationRef: `DECL-${Date.now()}-${Math.random()}`,
    items: [{ goodsIndex: 0, quantityKg: 1, valueUsd: 100 }],
  }),
  suspend: () => ({ reasons: ['BREACH_OF_CONDITIONS'], note: 'Under investigation.' }),
  reinstate: () => ({ note: 'Cleared.' }),
  revoke: () => ({ reasons: ['SANCTIONS'] }),
  surrender: () => ({ reason: 'No longer exporting.' }),
  amend: () => ({}),
};
const APPEAL_BODIES: Record<string, unknown> = {
  appeal: { grounds: 'The end user is a university laboratory.' },
  'decide-appeal': { outcome: 'UPHELD', note: 'The denial stands.' },
  withdraw: WITHDRAW,
};

/** A licence answer carries its signed document (a JWS by design): left out of the leak check. */
const unsigned = (response: ApiResponse): ApiResponse =>
  response.body?.signed === undefined
    ? response
    : { ...response, body: { ...response.body, signed: undefined } };

let licencePeople: Record<'sara' | 'cora', Caller>;
const licenceCaller = (who: LicenceWho): Caller =>
  who === 'sara' || who === 'cora' ? licencePeople[who] : caller(who);

interface HeldLicence {
  number: string;
  validFrom: string;
}

async function licenceIn(status: LicenceStatus): Promise<HeldLicence> {
  const id = await applicationIn(p, 'UNDER_REVIEW');
  const approved = await p.rita.post(`/applications/${id}/actions/approve`, { validityMonths: 12 });
  expect(approved.body.status).toBe('APPROVED');
  const number: string = approved.body.licence.licenceNumber;
  if (status !== 'ACTIVE') {
    const suspended = await p.sam.post(
      `/licences/${number}/actions/suspend`,
      LICENCE_BODIES.suspend?.({ validFrom: '' }),
    );
    expect(suspended.status).toBe(200);
  }
  if (status === 'REVOKED')
    expect((await p.sam.post(`/licences/${number}/actions/revoke`, { reasons: ['OTHER'] })).status).toBe(200);
  const read = await p.audrey.get(`/licences/${number}`);
  expect(read.body.status).toBe(status);
  return { number, validFrom: read.body.validFrom };
}

async function deniedIn(status: AppealStatus): Promise<string> {
  const id = await applicationIn(p, 'UNDER_REVIEW');
  await p.rita.post(`/applications/${id}/actions/deny`, { reasons: ['RISK_OF_DIVERSION'] });
  expect((await p.sam.post(`/applications/${id}/actions/sign-off`, SIGN_OFF)).body.status).toBe('DENIED');
  if (status === 'APPEALED') await p.alice.post(`/applications/${id}/actions/appeal`, APPEAL_BODIES.appeal);
  expect((await p.audrey.get(`/applications/${id}`)).body.status).toBe(status);
  return id;
}

describe('authorization matrix for licences and appeals (hand-written from DESIGN.md)', () => {
  const licences = new Map<LicenceStatus, HeldLicence>();
  const appeals = new Map<AppealStatus, string>();
  const versions = async () =>
    JSON.stringify(
      await Promise.all([
        ...[...licences.values()].map(
          async ({ number }) => (await p.audrey.get(`/licences/${number}`)).body.version,
        ),
        ...[...appeals.values()].map(async (id) => (await p.audrey.get(`/applications/${id}`)).body.version),
      ]),
    );

  beforeAll(async () => {
    licencePeople = {
      sara: counted(await api.as('sara', 'authority', ['senior-reviewer']), figures),
      cora: counted(await api.as('cora', 'border-agency', ['customs']), figures),
    };
    for (const status of LICENCE_STATUSES) licences.set(status, await licenceIn(status));
    for (const status of APPEAL_STATUSES) appeals.set(status, await deniedIn(status));
  });

  it('refuses every licence and appeal action the tables refuse, with the documented code, and writes nothing', async () => {
    const before = await versions();
    const licenceCells = LICENCE_STATUSES.flatMap((status) =>
      LICENCE_WHO.flatMap((who) =>
        [...Object.keys(LICENCE_ACTIONS), ...LICENCE_SYSTEM_ACTIONS].map((action) => ({
          status,
          who,
          action,
        })),
      ),
    ).filter(({ status, who, action }) => expectedForLicenceAction(action, who, status).status >= 400);
    for (const { status, who, action } of licenceCells) {
      const licence = licences.get(status) ?? { number: '', validFrom: '' };
      const body = LICENCE_BODIES[action]?.(licence) ?? {};
      const response = await licenceCaller(who).post(`/licences/${licence.number}/actions/${action}`, body);
      judge(
        response,
        expectedForLicenceAction(action, who, status),
        `licence ${action} as ${who} on ${status}`,
      );
    }
    const appealCells = APPEAL_STATUSES.flatMap((status) =>
      LICENCE_WHO.flatMap((who) => Object.keys(APPEAL_ACTIONS).map((action) => ({ status, who, action }))),
    ).filter(({ status, who, action }) => expectedForAppealAction(action, who, status).status >= 400);
    for (const { status, who, action } of appealCells) {
      const id = appeals.get(status) ?? '';
      const response = await licenceCaller(who).post(
        `/applications/${id}/actions/${action}`,
        APPEAL_BODIES[action],
      );
      judge(response, expectedForAppealAction(action, who, status), `${action} as ${who} on ${status}`);
    }
    expect(figures.check((await versions()) === before), 'refusals wrote nothing').toBe(true);
    expect(licenceCells.length).toBeGreaterThan(150);
    expect(appealCells.length).toBeGreaterThan(40);
  });

  it('performs every licence and appeal action the tables allow, each on a fresh licence or application', async () => {
    const licenceCells = LICENCE_STATUSES.flatMap((status) =>
      LICENCE_WHO.flatMap((who) => Object.keys(LICENCE_ACTIONS).map((action) => ({ status, who, action }))),
    ).filter(({ status, who, action }) => expectedForLicenceAction(action, who, status).status < 400);
    for (const { status, who, action } of licenceCells) {
      const licence = await licenceIn(status);
      const body = LICENCE_BODIES[action]?.(licence) ?? {};
      const response = await licenceCaller(who).post(`/licences/${licence.number}/actions/${action}`, body);
      judge(
        unsigned(response),
        expectedForLicenceAction(action, who, status),
        `licence ${action} as ${who} on ${status}`,
      );
    }
    const appealCells = APPEAL_STATUSES.flatMap((status) =>
      LICENCE_WHO.flatMap((who) => Object.keys(APPEAL_ACTIONS).map((action) => ({ status, who, action }))),
    ).filter(({ status, who, action }) => expectedForAppealAction(action, who, status).status < 400);
    for (const { status, who, action } of appealCells) {
      const id = await deniedIn(status);
      const response = await licenceCaller(who).post(
        `/applications/${id}/actions/${action}`,
        APPEAL_BODIES[action],
      );
      judge(response, expectedForAppealAction(action, who, status), `${action} as ${who} on ${status}`);
    }
    // usage by alice and cora, suspend ×2 seniors, reinstate by sara, revoke ×2 statuses ×2 seniors,
    // surrender ×2 statuses, amend; appeal, decide-appeal by sara, withdraw of the appeal.
    expect(licenceCells.length).toBe(12);
    expect(appealCells.length).toBe(3);
  });
});
