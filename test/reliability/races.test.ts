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

describe('racing conflicting actions on one application', () => {
  it.each(Object.entries(PAIRS))(
    '%s: one consistent winner, the loser a 4xx in the error shape, the chain intact',
    async (_name, pair) => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const id = await applicationIn(p, pair.from, { claimedBy: pair.claimed === false ? null : p.rita });
        const [ra, rb] = await Promise.all([pair.a.send(pair.a.by(p), id), pair.b.send(pair.b.by(p), id)]);
        figures.add('races');
        for (const response of [ra, rb]) {
          expect(figures.check(response.status < 500), JSON.stringify(response.body)).toBe(true);
          if (!won(response)) expect(figures.check(isErrorShape(response.body))).toBe(true);
        }
        const { status } = await expectIntact(p, id, figures);
        let expectedStatus: string | undefined;
        if (won(ra) && won(rb)) {
          figures.add('serialBoth');
          expect(figures.check(pair.a.other === 'ok' || pair.b.other === 'ok'), 'both won').toBe(true);
          expectedStatus = pair.both;
        } else if (won(ra) || won(rb)) {
          figures.add('oneWinner');
          const [winner, loser, response] = won(ra) ? [pair.a, rb, pair.a] : [pair.b, ra, pair.b];
          const lostFairly = lostTheCommit(loser) || answers(loser, winner.other);
          expect(
            figures.check(lostFairly),
            `${response.name} won; loser ${loser.status} ${JSON.stringify(loser.body)}`,
          ).toBe(true);
          expectedStatus = winner.alone;
        }
        expect(figures.check(won(ra) || won(rb)), `nobody won: ${ra.status} ${rb.status}`).toBe(true);
        expect(figures.check(status === expectedStatus), `final status ${status}`).toBe(true);
      }
    },
  );
});
