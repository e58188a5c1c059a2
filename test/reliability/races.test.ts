import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, type Caller, SUBMIT_BODY, startTestApi, type TestApi } from '../support/api.ts';
import { ledger, size } from './ledger.ts';
import {
  ANSWERS,
  APPROVE,
  applicationIn,
  countedPeople,
  expectIntact,
  isErrorShape,
  type People,
  people,
  QUESTIONS,
  SIGN_OFF,
  UPLOAD,
  WITHDRAW,
} from './support.ts';

/**
 * Every conflicting pair of actions on one application, fired at the same moment, repeatedly.
 * Expected outcomes are written here by hand from DESIGN.md's lifecycle, not taken from the code:
 * for each pair, what the second action answers when it runs after the first has committed
 * ('ok' when it still applies). A loser either lost the commit race (409 VERSION_CONFLICT) or saw
 * the winner's result (the serial answer); both may win only in a serial order that allows it.
 */
type Expected = 'ok' | { status: number; code: string };
interface Side {
  name: string;
  by: (p: People) => Caller;
  send: (caller: Caller, id: string) => Promise<ApiResponse>;
  /** Status of the application when only this side won. */
  alone: string;
  /** What the other side answers once this one has committed. */
  other: Expected;
}
interface Pair {
  from: Parameters<typeof applicationIn>[1];
  claimed?: boolean;
  a: Side;
  b: Side;
  /** Status when both won (only where one of `other` is 'ok'). */
  both?: string;
}

const conflict = (code: string, status = 409) => ({ status, code });
const INVALID = conflict('INVALID_TRANSITION');
const action =
  (name: string, body: unknown = {}) =>
  (caller: Caller, id: string) =>
    caller.post(`/applications/${id}/actions/${name}`, body);

const patch = (caller: Caller, id: string) =>
  caller.patch(`/applications/${id}`, { endUse: { description: 'Wind turbines', military: false } });
const upload = (caller: Caller, id: string) => caller.post(`/applications/${id}/documents`, UPLOAD);
const side = (
  name: string,
  by: (p: People) => Caller,
  send: Side['send'],
  alone: string,
  other: Expected,
): Side => ({ name, by, send, alone, other });
const alice = (p: People) => p.alice;
const rita = (p: People) => p.rita;
const ALREADY = conflict('ALREADY_ASSIGNED');

const PAIRS: Record<string, Pair> = {
  'PATCH vs complete-details': {
    from: 'DRAFT',
    a: side('PATCH', alice, patch, 'DRAFT', 'ok'),
    b: side('complete-details', alice, action('complete-details'), 'END_USER_DOCS', INVALID),
    both: 'END_USER_DOCS',
  },
  'PATCH vs submit': {
    from: 'END_USER_DOCS',
    a: side('PATCH', alice, patch, 'END_USER_DOCS', 'ok'),
    b: side('submit', alice, action('submit', SUBMIT_BODY), 'SUBMITTED', INVALID),
    both: 'SUBMITTED',
  },
  'two claims': {
    from: 'UNDER_REVIEW',
    claimed: false,
    a: side('claim (rita)', rita, action('claim'), 'UNDER_REVIEW', ALREADY),
    b: side('claim (ravi)', (p) => p.ravi, action('claim'), 'UNDER_REVIEW', ALREADY),
  },
  'approve vs withdraw': {
    from: 'UNDER_REVIEW',
    a: side('approve', rita, action('approve', APPROVE), 'APPROVED', INVALID),
    b: side('withdraw', alice, action('withdraw', WITHDRAW), 'WITHDRAWN', INVALID),
  },
  'two sign-offs': {
    from: 'PENDING_SIGN_OFF',
    a: side('sign-off (sam)', (p) => p.sam, action('sign-off', SIGN_OFF), 'APPROVED', INVALID),
    b: side('sign-off (sara)', (p) => p.sara, action('sign-off', SIGN_OFF), 'APPROVED', INVALID),
  },
  'respond vs withdraw': {
    from: 'INFORMATION_REQUESTED',
    a: side('respond', alice, action('respond', ANSWERS), 'UNDER_REVIEW', 'ok'),
    b: side('withdraw', alice, action('withdraw', WITHDRAW), 'WITHDRAWN', INVALID),
    both: 'WITHDRAWN',
  },
  'add-document vs submit': {
    from: 'END_USER_DOCS',
    a: side('add-document', alice, upload, 'END_USER_DOCS', 'ok'),
    b: side('submit', alice, action('submit', SUBMIT_BODY), 'SUBMITTED', INVALID),
    both: 'SUBMITTED',
  },
  'request-information vs release': {
    from: 'UNDER_REVIEW',
    a: side(
      'request-information',
      rita,
      action('request-information', QUESTIONS),
      'INFORMATION_REQUESTED',
      'ok',
    ),
    b: side('release', rita, action('release'), 'UNDER_REVIEW', conflict('NOT_ASSIGNED', 403)),
    both: 'INFORMATION_REQUESTED',
  },
  'two submits': {
    from: 'END_USER_DOCS',
    a: side('submit', alice, action('submit', SUBMIT_BODY), 'SUBMITTED', INVALID),
    b: side('submit', alice, action('submit', SUBMIT_BODY), 'SUBMITTED', INVALID),
  },
};

const won = (response: ApiResponse) => response.status >= 200 && response.status < 300;
const answers = (response: ApiResponse, expected: Expected) =>
  expected !== 'ok' && response.status === expected.status && response.body?.error?.code === expected.code;
const lostTheCommit = (response: ApiResponse) =>
  response.status === 409 && response.body?.error?.code === 'VERSION_CONFLICT';

const figures = ledger('races');
let api: TestApi;
let p: People;

beforeAll(async () => {
  api = await startTestApi();
  p = countedPeople(await people(api, `race-${Date.now()}`), figures);
});
afterAll(async () => {
  figures.flush();
  await api.stop();
});

const ROUNDS = size(2, 40);

/**
 * Judges one race: no 5xx, losers in the error shape, exactly the outcomes a serial order allows.
 * Returns the status the aggregate must end in.
 */
function judged(
  pair: { a: Side; b: Side; both?: string },
  ra: ApiResponse,
  rb: ApiResponse,
): string | undefined {
  figures.add('races');
  for (const response of [ra, rb]) {
    expect(figures.check(response.status < 500), JSON.stringify(response.body)).toBe(true);
    if (!won(response)) expect(figures.check(isErrorShape(response.body))).toBe(true);
  }
  expect(figures.check(won(ra) || won(rb)), `nobody won: ${ra.status} ${rb.status}`).toBe(true);
  if (won(ra) && won(rb)) {
    figures.add('serialBoth');
    expect(figures.check(pair.a.other === 'ok' || pair.b.other === 'ok'), 'both won').toBe(true);
    return pair.both;
  }
  figures.add('oneWinner');
  const [winner, loser] = won(ra) ? [pair.a, rb] : [pair.b, ra];
  const lostFairly = lostTheCommit(loser) || answers(loser, winner.other);
  expect(
    figures.check(lostFairly),
    `${winner.name} won; loser ${loser.status} ${JSON.stringify(loser.body)}`,
  ).toBe(true);
  return winner.alone;
}

describe('racing conflicting actions on one application', () => {
  it.each(Object.entries(PAIRS))(
    '%s: one consistent winner, the loser a 4xx in the error shape, the chain intact',
    async (_name, pair) => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const id = await applicationIn(p, pair.from, { claimedBy: pair.claimed === false ? null : p.rita });
        const [ra, rb] = await Promise.all([pair.a.send(pair.a.by(p), id), pair.b.send(pair.b.by(p), id)]);
        const expectedStatus = judged(pair, ra, rb);
        const { status } = await expectIntact(p, id, figures);
        expect(figures.check(status === expectedStatus), `final status ${status}`).toBe(true);
      }
    },
  );
});

/**
 * The same on one licence (issued by an approval over HTTP): every conflicting pair of the actions
 * that change it, each side retried by the API after a lost commit, so a loser answers what the
 * serial order gives it. Usage that would overdraw is 422 EXCEEDS_LICENCE.
 */
const licenceAction = (name: string, body: unknown) => (caller: Caller, number: string) =>
  caller.post(`/licences/${number}/actions/${name}`, body);
let shipments = 0;
/** A shipment of `kg` of the first goods item, with its own usage id and declaration. */
const shipment = (kg: number) => (caller: Caller, number: string) => {
  shipments += 1;
  return caller.post(`/licences/${number}/actions/record-usage`, {
    usageId: `race-${shipments}`,
    shippedAt: new Date().toISOString(),
    declarationRef: `DECL-RACE-${shipments}`,
    items: [{ goodsIndex: 0, quantityKg: kg, valueUsd: 1 }],
  });
};
const REASONS = { reasons: ['RISK_OF_DIVERSION'] };
const sam = (p: People) => p.sam;
const sara = (p: People) => p.sara;
/** completeDetails() licenses 120.5 kg of its first item. */
const LICENSED_KG = 120.5;
const USAGE = shipment(10);
const suspend = licenceAction('suspend', REASONS);
const revoke = licenceAction('revoke', REASONS);
const surrender = licenceAction('surrender', { reason: 'Contract cancelled' });

const LICENCE_PAIRS: Record<string, { a: Side; b: Side; both?: string }> = {
  'record-usage vs suspend': {
    a: side('record-usage', alice, USAGE, 'ACTIVE', 'ok'),
    b: side('suspend', sam, suspend, 'SUSPENDED', INVALID),
    both: 'SUSPENDED',
  },
  'record-usage vs revoke': {
    a: side('record-usage', alice, USAGE, 'ACTIVE', 'ok'),
    b: side('revoke', sam, revoke, 'REVOKED', INVALID),
    both: 'REVOKED',
  },
  'record-usage vs surrender': {
    a: side('record-usage', alice, USAGE, 'ACTIVE', 'ok'),
    b: side('surrender', alice, surrender, 'SURRENDERED', INVALID),
    both: 'SURRENDERED',
  },
  'suspend vs revoke': {
    a: side('suspend', sam, suspend, 'SUSPENDED', 'ok'),
    b: side('revoke', sara, revoke, 'REVOKED', INVALID),
    both: 'REVOKED',
  },
  'two suspends': {
    a: side('suspend (sam)', sam, suspend, 'SUSPENDED', INVALID),
    b: side('suspend (sara)', sara, suspend, 'SUSPENDED', INVALID),
  },
  'revoke vs surrender': {
    a: side('revoke', sam, revoke, 'REVOKED', INVALID),
    b: side('surrender', alice, surrender, 'SURRENDERED', INVALID),
  },
  'two usages that together overdraw': {
    a: side('record-usage 70 kg', alice, shipment(70), 'ACTIVE', conflict('EXCEEDS_LICENCE', 422)),
    b: side('record-usage 70 kg', alice, shipment(70), 'ACTIVE', conflict('EXCEEDS_LICENCE', 422)),
  },
};

/** An ACTIVE licence: one of alice's applications approved by rita over HTTP. */
async function activeLicence(): Promise<string> {
  const id = await applicationIn(p, 'UNDER_REVIEW');
  const approved = await p.rita.post(`/applications/${id}/actions/approve`, APPROVE);
  if (approved.status !== 200) throw new Error(`approve answered ${approved.status}`);
  const number = (await p.audrey.get(`/applications/${id}`)).body.licence?.licenceNumber;
  if (typeof number !== 'string') throw new Error(`application ${id} has no licence`);
  return number;
}

/**
 * The stored invariants of one licence: audit seqs 1..n, `version` = n, `verify` valid, and no
 * goods item drawn beyond its licensed quantity, with the usage records adding up to what is used.
 */
async function expectLicenceIntact(number: string): Promise<{ status: string; usages: number }> {
  const [licence, audit, verify, usage] = await Promise.all([
    p.audrey.get(`/licences/${number}`),
    p.audrey.get(`/licences/${number}/audit`),
    p.audrey.get(`/licences/${number}/audit/verify`),
    p.audrey.get(`/licences/${number}/usage`),
  ]);
  const seqs: number[] = audit.body.items.map((event: { seq: number }) => event.seq);
  expect(figures.check(seqs.every((seq, index) => seq === index + 1)), `${number}: seqs ${seqs}`).toBe(true);
  expect(figures.check(licence.body.version === seqs.length), `${number}: version vs events`).toBe(true);
  expect(figures.check(verify.body.valid === true), `${number}: ${JSON.stringify(verify.body)}`).toBe(true);
  const [goods] = licence.body.goods as { quantityKg: number; usedQuantityKg: number }[];
  const recorded = (usage.body.items as { items: { goodsIndex: number; quantityKg: number }[] }[])
    .flatMap((record) => record.items)
    .filter((item) => item.goodsIndex === 0)
    .reduce((sum, item) => sum + item.quantityKg, 0);
  expect(figures.check(goods !== undefined && goods.usedQuantityKg <= goods.quantityKg), 'overdrawn').toBe(
    true,
  );
  expect(
    figures.check(goods?.usedQuantityKg === recorded),
    `used ${goods?.usedQuantityKg} vs recorded ${recorded}`,
  ).toBe(true);
  return { status: licence.body.status, usages: usage.body.items.length };
}

describe('racing conflicting actions on one licence', () => {
  it.each(Object.entries(LICENCE_PAIRS))(
    '%s: one consistent winner, no overdraw, the chain intact',
    async (_name, pair) => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const number = await activeLicence();
        const [ra, rb] = await Promise.all([
          pair.a.send(pair.a.by(p), number),
          pair.b.send(pair.b.by(p), number),
        ]);
        const expectedStatus = judged(pair, ra, rb);
        const { status } = await expectLicenceIntact(number);
        expect(figures.check(status === expectedStatus), `final status ${status}`).toBe(true);
      }
    },
  );

  it('many concurrent usages on one licence: each recorded once or refused, never overdrawn', async () => {
    const number = await activeLicence();
    const many = size(20, 50);
    // Each draws 8 kg: at most 15 fit into the licensed 120.5 kg.
    const answers = await Promise.all(Array.from({ length: many }, () => shipment(8)(p.alice, number)));
    figures.add('races');
    const winners = answers.filter(won).length;
    for (const answer of answers) {
      expect(figures.check(answer.status < 500), JSON.stringify(answer.body)).toBe(true);
      if (!won(answer))
        expect(
          figures.check(lostTheCommit(answer) || answer.body?.error?.code === 'EXCEEDS_LICENCE'),
          JSON.stringify(answer.body),
        ).toBe(true);
    }
    const fits = Math.floor(LICENSED_KG / 8);
    expect(figures.check(winners <= fits), `${winners} usages recorded`).toBe(true);
    // A shipment is refused for lack of quantity only once the licence is full.
    const refused = answers.filter((answer) => answer.body?.error?.code === 'EXCEEDS_LICENCE').length;
    if (refused > 0)
      expect(figures.check(winners === fits), `${winners} recorded, ${refused} refused`).toBe(true);
    const { usages } = await expectLicenceIntact(number);
    expect(figures.check(usages === winners), `${usages} usage records for ${winners} winners`).toBe(true);
  });
});
