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

const PAIRS: Record<string, Pair> = {
  'PATCH vs complete-details': {
    from: 'DRAFT',
    a: {
      name: 'PATCH',
      by: (p) => p.alice,
      send: (c, id) =>
        c.patch(`/applications/${id}`, { endUse: { description: 'Wind turbines', military: false } }),
      alone: 'DRAFT',
      other: 'ok',
    },
    b: {
      name: 'complete-details',
      by: (p) => p.alice,
      send: action('complete-details'),
      alone: 'END_USER_DOCS',
      other: INVALID,
    },
    both: 'END_USER_DOCS',
  },
  'PATCH vs submit': {
    from: 'END_USER_DOCS',
    a: {
      name: 'PATCH',
      by: (p) => p.alice,
      send: (c, id) =>
        c.patch(`/applications/${id}`, { endUse: { description: 'Wind turbines', military: false } }),
      alone: 'END_USER_DOCS',
      other: 'ok',
    },
    b: {
      name: 'submit',
      by: (p) => p.alice,
      send: action('submit', SUBMIT_BODY),
      alone: 'SUBMITTED',
      other: INVALID,
    },
    both: 'SUBMITTED',
  },
  'two claims': {
    from: 'UNDER_REVIEW',
    claimed: false,
    a: {
      name: 'claim (rita)',
      by: (p) => p.rita,
      send: action('claim'),
      alone: 'UNDER_REVIEW',
      other: conflict('ALREADY_ASSIGNED'),
    },
    b: {
      name: 'claim (ravi)',
      by: (p) => p.ravi,
      send: action('claim'),
      alone: 'UNDER_REVIEW',
      other: conflict('ALREADY_ASSIGNED'),
    },
  },
  'approve vs withdraw': {
    from: 'UNDER_REVIEW',
    a: {
      name: 'approve',
      by: (p) => p.rita,
      send: action('approve', APPROVE),
      alone: 'APPROVED',
      other: INVALID,
    },
    b: {
      name: 'withdraw',
      by: (p) => p.alice,
      send: action('withdraw', WITHDRAW),
      alone: 'WITHDRAWN',
      other: INVALID,
    },
  },
  'two sign-offs': {
    from: 'PENDING_SIGN_OFF',
    a: {
      name: 'sign-off (sam)',
      by: (p) => p.sam,
      send: action('sign-off', SIGN_OFF),
      alone: 'APPROVED',
      other: INVALID,
    },
    b: {
      name: 'sign-off (sara)',
      by: (p) => p.sara,
      send: action('sign-off', SIGN_OFF),
      alone: 'APPROVED',
      other: INVALID,
    },
  },
  'respond vs withdraw': {
    from: 'INFORMATION_REQUESTED',
    a: {
      name: 'respond',
      by: (p) => p.alice,
      send: action('respond', ANSWERS),
      alone: 'UNDER_REVIEW',
      other: 'ok',
    },
    b: {
      name: 'withdraw',
      by: (p) => p.alice,
      send: action('withdraw', WITHDRAW),
      alone: 'WITHDRAWN',
      other: INVALID,
    },
    both: 'WITHDRAWN',
  },
  'add-document vs submit': {
    from: 'END_USER_DOCS',
    a: {
      name: 'add-document',
      by: (p) => p.alice,
      send: (c, id) => c.post(`/applications/${id}/documents`, UPLOAD),
      alone: 'END_USER_DOCS',
      other: 'ok',
    },
    b: {
      name: 'submit',
      by: (p) => p.alice,
      send: action('submit', SUBMIT_BODY),
      alone: 'SUBMITTED',
      other: INVALID,
    },
    both: 'SUBMITTED',
  },
  'request-information vs release': {
    from: 'UNDER_REVIEW',
    a: {
      name: 'request-information',
      by: (p) => p.rita,
      send: action('request-information', QUESTIONS),
      alone: 'INFORMATION_REQUESTED',
      other: 'ok',
    },
    b: {
      name: 'release',
      by: (p) => p.rita,
      send: action('release'),
      alone: 'UNDER_REVIEW',
      other: conflict('NOT_ASSIGNED', 403),
    },
    both: 'INFORMATION_REQUESTED',
  },
  'two submits': {
    from: 'END_USER_DOCS',
    a: {
      name: 'submit',
      by: (p) => p.alice,
      send: action('submit', SUBMIT_BODY),
      alone: 'SUBMITTED',
      other: INVALID,
    },
    b: {
      name: 'submit',
      by: (p) => p.alice,
      send: action('submit', SUBMIT_BODY),
      alone: 'SUBMITTED',
      other: INVALID,
    },
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

const ROUNDS = size(3, 40);

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
