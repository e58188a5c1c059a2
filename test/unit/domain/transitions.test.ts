import { describe, expect, it } from 'vitest';
import { type ActionInputs, allowedActions, applyAction } from '#domain/applications/apply-action.ts';
import { ACTIONS, type Action, STATUSES, type Status } from '#domain/applications/lifecycle.ts';
import { DomainError } from '#domain/errors.ts';
import { type Actor, type Application, ApplicationSchema, type UserActor } from '#domain/schemas.ts';
import {
  appealEndedIn,
  applicant,
  applicationIn,
  auditor,
  draftApplication,
  MINUTE_MS,
  operator,
  reviewer,
  senior,
  system,
  T0,
  testConfig,
} from '../../support/applications.ts';

/*
 * The rules of DESIGN.md "Lifecycle", restated here independently of functions/domain/applications/lifecycle.ts so
 * the table and the checks in applyAction are both tested against the written design.
 */
type Performer = 'applicant' | 'reviewer' | 'senior-reviewer' | 'system';
type ActorRule =
  | 'unassigned-or-own'
  | 'assigned-to-caller'
  | 'not-the-recommender'
  | 'took-no-part-in-the-denial';
interface Rule {
  from: readonly Status[];
  /** Resulting statuses; 'same' when the status does not change. */
  to: readonly Status[] | 'same';
  /** Resulting statuses from particular statuses, where they differ. */
  toFrom?: Partial<Record<Status, readonly Status[]>>;
  who: readonly Performer[];
  actorRule?: ActorRule;
}

const NON_FINAL: readonly Status[] = [
  'DRAFT',
  'END_USER_DOCS',
  'SUBMITTED',
  'UNDER_REVIEW',
  'INFORMATION_REQUESTED',
  'PENDING_SIGN_OFF',
  'APPEALED',
];
const IN_REVIEW: readonly Status[] = ['UNDER_REVIEW', 'INFORMATION_REQUESTED'];
const REVIEWERS: readonly Performer[] = ['reviewer', 'senior-reviewer'];

const RULES: Record<Exclude<Action, 'create'>, Rule> = {
  update: { from: ['DRAFT'], to: 'same', who: ['applicant'] },
  'add-document': {
    from: ['DRAFT', 'END_USER_DOCS', 'INFORMATION_REQUESTED', 'APPEALED'],
    to: 'same',
    who: ['applicant'],
  },
  'remove-document': { from: ['DRAFT', 'END_USER_DOCS'], to: 'same', who: ['applicant'] },
  'complete-details': { from: ['DRAFT'], to: ['END_USER_DOCS'], who: ['applicant'] },
  reopen: { from: ['END_USER_DOCS'], to: ['DRAFT'], who: ['applicant'] },
  submit: { from: ['END_USER_DOCS'], to: ['SUBMITTED'], who: ['applicant'] },
  'screening-cleared': { from: ['SUBMITTED'], to: ['UNDER_REVIEW'], who: ['system'] },
  'screening-matched': { from: ['SUBMITTED'], to: ['PENDING_SIGN_OFF'], who: ['system'] },
  'screening-refused': { from: ['SUBMITTED'], to: ['DENIED'], who: ['system'] },
  'screening-failed': { from: ['SUBMITTED'], to: ['UNDER_REVIEW'], who: ['system'] },
  claim: { from: IN_REVIEW, to: 'same', who: REVIEWERS, actorRule: 'unassigned-or-own' },
  release: { from: IN_REVIEW, to: 'same', who: REVIEWERS, actorRule: 'assigned-to-caller' },
  reassign: { from: IN_REVIEW, to: 'same', who: ['senior-reviewer'] },
  'request-information': {
    from: ['UNDER_REVIEW'],
    to: ['INFORMATION_REQUESTED'],
    who: REVIEWERS,
    actorRule: 'assigned-to-caller',
  },
  respond: { from: ['INFORMATION_REQUESTED'], to: ['UNDER_REVIEW'], who: ['applicant'] },
  'information-overdue': { from: ['INFORMATION_REQUESTED'], to: ['UNDER_REVIEW'], who: ['system'] },
  approve: {
    from: ['UNDER_REVIEW'],
    to: ['APPROVED', 'PENDING_SIGN_OFF'],
    who: REVIEWERS,
    actorRule: 'assigned-to-caller',
  },
  deny: { from: ['UNDER_REVIEW'], to: ['PENDING_SIGN_OFF'], who: REVIEWERS, actorRule: 'assigned-to-caller' },
  'sign-off': {
    from: ['PENDING_SIGN_OFF'],
    to: ['APPROVED', 'DENIED', 'UNDER_REVIEW'],
    who: ['senior-reviewer'],
    actorRule: 'not-the-recommender',
  },
  withdraw: { from: NON_FINAL, to: ['WITHDRAWN'], toFrom: { APPEALED: ['DENIED'] }, who: ['applicant'] },
  abandon: { from: ['DRAFT', 'END_USER_DOCS'], to: ['ABANDONED'], who: ['system'] },
  // Once: only a denial never appealed (the deadline is checked in its own tests).
  appeal: { from: ['DENIED'], to: ['APPEALED'], who: ['applicant'] },
  'decide-appeal': {
    from: ['APPEALED'],
    to: ['DENIED', 'UNDER_REVIEW', 'SUBMITTED'],
    who: ['senior-reviewer'],
    actorRule: 'took-no-part-in-the-denial',
  },
};
const RULED_ACTIONS = ACTIONS.filter((action): action is Exclude<Action, 'create'> => action !== 'create');

type Expected = { ok: true } | { ok: false; status: number; code: string };
const OK: Expected = { ok: true };
const error = (status: number, code: string): Expected => ({ ok: false, status, code });

interface Caller {
  label: string;
  actor: Actor;
  performer: Performer | null;
}
const CALLERS: Caller[] = [
  { label: 'applicant of the org', actor: applicant('alice', 'acme'), performer: 'applicant' },
  { label: 'applicant of another org', actor: applicant('bob', 'globex'), performer: 'applicant' },
  { label: 'reviewer rita', actor: reviewer('rita'), performer: 'reviewer' },
  { label: 'senior reviewer sam', actor: senior('sam'), performer: 'senior-reviewer' },
  { label: 'auditor', actor: auditor(), performer: null },
  { label: 'operator', actor: operator(), performer: null },
  { label: 'system', actor: system('screen'), performer: 'system' },
];

type AppealEnd = 'upheld' | 'withdrawn' | 'overturned';
interface Situation {
  status: Status;
  heldBy?: UserActor | null;
  withdrawnFrom?: 'DRAFT' | 'UNDER_REVIEW' | 'INFORMATION_REQUESTED';
  /** An appeal of the denial held by `heldBy` (null: a screening refusal) ended so. */
  appeal?: AppealEnd;
  /** Reviewers may see an application only once it was submitted. */
  submitted: boolean;
}
const heldVariants = (status: Status): Situation[] => [
  { status, heldBy: null, submitted: true },
  { status, heldBy: reviewer('rita'), submitted: true },
  { status, heldBy: senior('sam'), submitted: true },
];
const SITUATIONS: Situation[] = [
  { status: 'DRAFT', submitted: false },
  { status: 'END_USER_DOCS', submitted: false },
  { status: 'SUBMITTED', submitted: true },
  ...heldVariants('UNDER_REVIEW'),
  ...heldVariants('INFORMATION_REQUESTED'),
  // unassigned: recommended by screening (exact denied-party match)
  ...heldVariants('PENDING_SIGN_OFF'),
  { status: 'APPROVED', heldBy: reviewer('rita'), submitted: true },
  { status: 'APPROVED', heldBy: senior('sam'), submitted: true },
  // unassigned: refused by screening
  ...heldVariants('DENIED'),
  { status: 'WITHDRAWN', withdrawnFrom: 'DRAFT', submitted: false },
  { status: 'WITHDRAWN', withdrawnFrom: 'UNDER_REVIEW', heldBy: null, submitted: true },
  { status: 'WITHDRAWN', withdrawnFrom: 'INFORMATION_REQUESTED', heldBy: reviewer('rita'), submitted: true },
  { status: 'ABANDONED', submitted: false },
  // appealed: a screening refusal, rita's denial signed by sam, sam's denial signed by sue
  ...heldVariants('APPEALED'),
  { status: 'DENIED', heldBy: reviewer('rita'), appeal: 'upheld', submitted: true },
  { status: 'DENIED', heldBy: null, appeal: 'withdrawn', submitted: true },
  { status: 'UNDER_REVIEW', heldBy: reviewer('rita'), appeal: 'overturned', submitted: true },
  { status: 'UNDER_REVIEW', heldBy: senior('sam'), appeal: 'overturned', submitted: true },
  { status: 'SUBMITTED', heldBy: null, appeal: 'overturned', submitted: true },
];

/** Who took part in the denial of a situation held by `heldBy`: the recommender and the signer. */
const denialParticipants = (situation: Situation): string[] => {
  if (!situation.heldBy) return [];
  return [situation.heldBy.sub, situation.heldBy.sub === 'sam' ? 'sue' : 'sam'];
};
const tookPartInDenial = (situation: Situation, actor: Actor): boolean =>
  (situation.status === 'APPEALED' || situation.appeal === 'overturned') &&
  denialParticipants(situation).includes(actor.sub);

const describeSituation = (situation: Situation): string => {
  const parts: string[] = [situation.status];
  if (situation.withdrawnFrom) parts.push(`from ${situation.withdrawnFrom}`);
  if (situation.heldBy === null) parts.push('unassigned');
  if (situation.heldBy) parts.push(`held by ${situation.heldBy.sub}`);
  if (situation.appeal) parts.push(`after an appeal ${situation.appeal}`);
  return parts.join(' ');
};

/** What the design says should happen, in its error precedence. */
function expectedOutcome(
  action: Exclude<Action, 'create'>,
  situation: Situation,
  application: Application,
  caller: Caller,
  staleIfMatch: boolean,
): Expected {
  const rule = RULES[action];
  const { actor } = caller;
  if (caller.performer === 'applicant' && actor.kind === 'user' && actor.org !== application.orgId) {
    return error(404, 'NOT_FOUND');
  }
  const isReviewer = caller.performer === 'reviewer' || caller.performer === 'senior-reviewer';
  if (isReviewer && !situation.submitted) return error(404, 'NOT_FOUND');
  if (caller.performer === null || !rule.who.includes(caller.performer)) return error(403, 'FORBIDDEN');
  if (staleIfMatch) return error(412, 'PRECONDITION_FAILED');
  if (!rule.from.includes(situation.status)) return error(409, 'INVALID_TRANSITION');
  if (action === 'appeal' && situation.appeal !== undefined) return error(409, 'INVALID_TRANSITION');
  const assignedTo = application.assignedTo;
  switch (rule.actorRule) {
    case 'unassigned-or-own':
      if (assignedTo !== null && assignedTo !== actor.sub) return error(409, 'ALREADY_ASSIGNED');
      // After an overturned appeal, the denial's recommender and signer may not claim the case.
      return tookPartInDenial(situation, actor) ? error(403, 'SEPARATION_OF_DUTIES') : OK;
    case 'took-no-part-in-the-denial':
      return tookPartInDenial(situation, actor) ? error(403, 'SEPARATION_OF_DUTIES') : OK;
    case 'assigned-to-caller':
      return assignedTo === actor.sub ? OK : error(403, 'NOT_ASSIGNED');
    case 'not-the-recommender':
      return application.recommendation?.recommendedBy === actor.sub
        ? error(403, 'SEPARATION_OF_DUTIES')
        : OK;
    default:
      return OK;
  }
}

/** The caller's allowed actions by the restated rules (a repeated claim is not offered). */
function expectedAllowedActions(situation: Situation, application: Application, caller: Caller): Action[] {
  return RULED_ACTIONS.filter(
    (action) =>
      expectedOutcome(action, situation, application, caller, false).ok &&
      !(action === 'claim' && application.assignedTo === caller.actor.sub),
  ).sort();
}

/** A valid body for each action, so only the rule under test can make it fail. */
function inputFor(action: Exclude<Action, 'create'>, application: Application): ActionInputs[Action] {
  const inputs: { [A in Exclude<Action, 'create'>]: ActionInputs[A] } = {
    update: { exporter: { name: 'Acme Rare Earths Trading' } },
    'add-document': {
      documentId: 'doc_extra',
      type: 'OTHER',
      fileName: 'extra.pdf',
      contentType: 'application/pdf',
      sizeBytes: 10,
      sha256: 'a'.repeat(64),
      uploadedAt: T0.toISOString(),
      uploadedBy: 'alice',
    },
    'remove-document': { documentId: application.documents[0]?.documentId ?? 'doc_missing' },
    'complete-details': {},
    reopen: {},
    submit: { declaration: { accurate: true, signedBy: 'Alice' } },
    'screening-cleared': { report: {}, flags: [], recentApprovalForEndUser: false },
    'screening-matched': { report: {}, flags: [], recentApprovalForEndUser: false },
    'screening-refused': { report: {}, flags: [], recentApprovalForEndUser: false },
    'screening-failed': { error: 'list unavailable' },
    claim: {},
    release: {},
    reassign: { to: 'ralph' },
    'request-information': { questions: ['Who pays?'], dueInWorkingDays: 3 },
    respond: { answers: ['The consignee.'] },
    'information-overdue': {},
    approve: { validityMonths: 12, conditions: [] },
    deny: { reasons: ['OTHER'] },
    'sign-off': { agree: true },
    withdraw: { reason: 'No longer needed.' },
    abandon: {},
    appeal: { grounds: 'The end user is civilian.' },
    'decide-appeal': { outcome: 'OVERTURNED', note: 'The refusal rested on a misread end use.' },
  };
  return inputs[action];
}

// Fixtures are built once per situation through real applyAction sequences and cloned for each test,
// so every test gets its own copy of a stored state (applyAction must not mutate it; checked below).
const built = new Map<Situation, { application: Application; now: Date }>();
function fixtureFor(situation: Situation): { application: Application; now: Date } {
  let fixture = built.get(situation);
  if (!fixture) {
    const flow = situation.appeal
      ? appealEndedIn(situation.appeal, situation.heldBy ?? null)
      : applicationIn(situation.status, {
          ...(situation.heldBy !== undefined && { heldBy: situation.heldBy }),
          ...(situation.withdrawnFrom && { withdrawnFrom: situation.withdrawnFrom }),
        });
    fixture = { application: flow.application, now: flow.now };
    built.set(situation, fixture);
  }
  return {
    application: structuredClone(fixture.application),
    now: new Date(fixture.now.getTime() + MINUTE_MS),
  };
}

function attempt(
  application: Application,
  action: Action,
  caller: Caller,
  now: Date,
  ifMatch?: number,
): { result?: ReturnType<typeof applyAction>; error?: DomainError } {
  try {
    const result = applyAction(
      application,
      action,
      caller.actor,
      inputFor(action as Exclude<Action, 'create'>, application),
      {
        now,
        requestId: 'req-matrix',
        config: testConfig(),
        licenceNumber: 'EXL-2025-000001',
        ifMatch,
      },
    );
    return { result };
  } catch (thrown) {
    if (thrown instanceof DomainError) return { error: thrown };
    throw thrown;
  }
}

const label = (expected: Expected): string =>
  expected.ok ? 'allowed' : `${expected.status} ${expected.code}`;

const cases = SITUATIONS.flatMap((situation) =>
  CALLERS.flatMap((caller) => RULED_ACTIONS.map((action) => ({ situation, caller, action }))),
);

describe('applyAction transition table', () => {
  it('covers every action and status of the lifecycle', () => {
    expect(new Set(SITUATIONS.map((situation) => situation.status))).toEqual(new Set(STATUSES));
    expect(ACTIONS.filter((action) => action !== 'create').sort()).toEqual(Object.keys(RULES).sort());
  });

  it.each(SITUATIONS.map((situation) => [describeSituation(situation), situation] as const))(
    'builds the %s fixture with the intended holder',
    (_name, situation) => {
      const { application } = fixtureFor(situation);
      expect(application.status).toBe(situation.status);
      expect(application.submission !== null).toBe(situation.submitted);
      if (situation.appeal === 'overturned') expect(application.assignedTo).toBeNull();
      else if (situation.heldBy !== undefined) {
        expect(application.assignedTo).toBe(situation.heldBy?.sub ?? null);
      }
    },
  );

  it.each(
    cases.map(({ situation, caller, action }) => {
      const { application } = fixtureFor(situation);
      const expected = expectedOutcome(action, situation, application, caller, false);
      return [
        caller.label,
        action,
        describeSituation(situation),
        label(expected),
        { situation, caller, action },
      ] as const;
    }),
  )('%s → %s in %s: %s', (_caller, _action, _situation, _label, { situation, caller, action }) => {
    const { application, now } = fixtureFor(situation);
    const snapshot = structuredClone(application);
    const expected = expectedOutcome(action, situation, application, caller, false);

    const plain = attempt(application, action, caller, now);
    const withCurrentVersion = attempt(application, action, caller, now, application.version);
    const withStaleVersion = attempt(application, action, caller, now, application.version - 1);

    if (expected.ok) {
      expect(plain.error).toBeUndefined();
      const result = plain.result;
      if (!result) throw new Error('no result');
      const rule = RULES[action];
      const next = result.application;
      if (result.event) {
        if (rule.to === 'same') expect(next.status).toBe(situation.status);
        else expect(rule.toFrom?.[situation.status] ?? rule.to).toContain(next.status);
        expect(result.event).toMatchObject({
          seq: application.version + 1,
          action,
          fromStatus: situation.status,
          toStatus: next.status,
          prevHash: application.auditHeadHash,
        });
        expect(next.version).toBe(application.version + 1);
        expect(next.auditHeadHash).toBe(result.event.hash);
        expect(() => ApplicationSchema.parse(next)).not.toThrow();
      } else {
        // Only a repeated claim or a timer that fired early change nothing.
        const repeatedClaim = action === 'claim' && application.assignedTo === caller.actor.sub;
        const earlyTimer =
          (action === 'abandon' || action === 'information-overdue') && result.wakeAt !== undefined;
        expect(repeatedClaim || earlyTimer).toBe(true);
        expect(next).toEqual(application);
      }
      expect(withCurrentVersion.error).toBeUndefined();
    } else {
      expect(plain.error).toMatchObject({ status: expected.status, code: expected.code });
      expect(withCurrentVersion.error).toMatchObject({ status: expected.status, code: expected.code });
      if (expected.code === 'INVALID_TRANSITION') {
        expect(plain.error?.details).toHaveLength(1);
        const [detail] = plain.error?.details ?? [];
        expect(detail?.status).toBe(situation.status);
        expect([...((detail?.allowedActions as Action[] | undefined) ?? [])].sort()).toEqual(
          expectedAllowedActions(situation, application, caller),
        );
      }
    }
    const staleExpected = expectedOutcome(action, situation, application, caller, true);
    if (staleExpected.ok) throw new Error('a stale If-Match never succeeds');
    expect(withStaleVersion.error).toMatchObject({ status: staleExpected.status, code: staleExpected.code });
    expect(application).toEqual(snapshot);
  });

  it.each(
    SITUATIONS.flatMap((situation) =>
      CALLERS.map((caller) => [caller.label, describeSituation(situation), situation, caller] as const),
    ),
  )('offers the %s exactly the actions it may take in %s', (_caller, _situation, situation, caller) => {
    const { application } = fixtureFor(situation);
    expect([...allowedActions(application, caller.actor)].sort()).toEqual(
      expectedAllowedActions(situation, application, caller),
    );
  });
});

describe('applyAction create', () => {
  it('creates a DRAFT in the applicant’s org as version 1', () => {
    const result = applyAction(
      null,
      'create',
      applicant('alice', 'acme'),
      {},
      {
        now: T0,
        requestId: 'req-1',
        config: testConfig(),
        applicationId: 'app_1',
      },
    );
    expect(result.application).toMatchObject({
      applicationId: 'app_1',
      orgId: 'acme',
      status: 'DRAFT',
      version: 1,
      createdBy: 'alice',
      createdAt: T0.toISOString(),
      lastActivityAt: T0.toISOString(),
    });
    expect(result.event).toMatchObject({ seq: 1, action: 'create', fromStatus: null, toStatus: 'DRAFT' });
  });

  it.each([
    ['reviewer', reviewer()],
    ['senior reviewer', senior()],
    ['auditor', auditor()],
    ['operator', operator()],
    ['system', system('screen')],
  ] as const)('refuses a %s with 403 FORBIDDEN', (_label, actor) => {
    expect(() =>
      applyAction(
        null,
        'create',
        actor,
        {},
        { now: T0, requestId: 'r', config: testConfig(), applicationId: 'app_1' },
      ),
    ).toThrow(expect.objectContaining({ status: 403, code: 'FORBIDDEN' }));
  });

  it('refuses an applicant without an org with 403 FORBIDDEN', () => {
    const orgless: UserActor = { kind: 'user', sub: 'alice', org: null, roles: ['applicant'] };
    expect(() =>
      applyAction(
        null,
        'create',
        orgless,
        {},
        { now: T0, requestId: 'r', config: testConfig(), applicationId: 'a' },
      ),
    ).toThrow(expect.objectContaining({ status: 403, code: 'FORBIDDEN' }));
  });
});

describe('applyAction error precedence', () => {
  const attemptOn = (
    application: Application,
    action: Action,
    actor: Actor,
    input: unknown,
    context: { now: Date; ifMatch?: number },
  ) => {
    try {
      applyAction(application, action, actor, input as ActionInputs[Action], {
        requestId: 'req-precedence',
        config: testConfig(),
        licenceNumber: 'EXL-2025-000009',
        ...context,
      });
      return undefined;
    } catch (thrown) {
      return thrown;
    }
  };

  it('answers 404 for a missing application before anything else', () => {
    expect(() =>
      applyAction(
        null,
        'approve',
        auditor(),
        { validityMonths: 1, conditions: [] },
        {
          now: T0,
          requestId: 'r',
          config: testConfig(),
          ifMatch: 99,
        },
      ),
    ).toThrow(expect.objectContaining({ status: 404, code: 'NOT_FOUND' }));
  });

  it('answers 404, not 403, to another org’s applicant attempting a system action', () => {
    const flow = applicationIn('DRAFT');
    expect(
      attemptOn(flow.application, 'abandon', applicant('bob', 'globex'), {}, { now: flow.now }),
    ).toMatchObject({
      status: 404,
    });
  });

  it('answers 404, not 412, to a reviewer sending a stale If-Match on a draft', () => {
    const flow = applicationIn('END_USER_DOCS');
    const outcome = attemptOn(flow.application, 'claim', reviewer(), {}, { now: flow.now, ifMatch: 1 });
    expect(outcome).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('answers 403 FORBIDDEN, not 412, when the role is wrong and If-Match is stale', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    const outcome = attemptOn(
      flow.application,
      'approve',
      auditor(),
      { validityMonths: 12, conditions: [] },
      { now: flow.now, ifMatch: flow.application.version - 1 },
    );
    expect(outcome).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('answers 403 FORBIDDEN to a user requesting a system action, even in its status', () => {
    const flow = applicationIn('SUBMITTED');
    const outcome = attemptOn(flow.application, 'screening-cleared', senior(), {}, { now: flow.now });
    expect(outcome).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
      message: expect.stringContaining('system action'),
    });
  });

  it('answers 412, not 409, when If-Match is stale and the transition is invalid', () => {
    const flow = applicationIn('SUBMITTED');
    const outcome = attemptOn(flow.application, 'update', flow.owner, {}, { now: flow.now, ifMatch: 2 });
    expect(outcome).toMatchObject({
      status: 412,
      code: 'PRECONDITION_FAILED',
      details: [{ expected: 2, actual: flow.application.version }],
    });
  });

  it('answers 412, not 409 ALREADY_ASSIGNED, to a stale claim of a held case', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('ralph') });
    const outcome = attemptOn(flow.application, 'claim', reviewer('rita'), {}, { now: flow.now, ifMatch: 1 });
    expect(outcome).toMatchObject({ status: 412 });
  });

  it('answers 409, not 403 NOT_ASSIGNED, when the transition is invalid and the caller is not assigned', () => {
    const flow = applicationIn('INFORMATION_REQUESTED', { heldBy: reviewer('ralph') });
    const outcome = attemptOn(
      flow.application,
      'approve',
      reviewer('rita'),
      { validityMonths: 12, conditions: [] },
      {
        now: flow.now,
      },
    );
    expect(outcome).toMatchObject({
      status: 409,
      code: 'INVALID_TRANSITION',
      details: [{ status: 'INFORMATION_REQUESTED', allowedActions: [] }],
    });
  });

  it('answers 409 INVALID_TRANSITION, not 422, to a submit from DRAFT without documents', () => {
    const flow = draftApplication();
    const outcome = attemptOn(
      flow.application,
      'submit',
      flow.owner,
      { declaration: { accurate: true, signedBy: 'A' } },
      { now: flow.now },
    );
    expect(outcome).toMatchObject({ status: 409, code: 'INVALID_TRANSITION' });
  });

  it('answers 412, not 422, to complete-details of an incomplete draft with a stale If-Match', () => {
    const flow = draftApplication({ details: {} });
    const outcome = attemptOn(
      flow.application,
      'complete-details',
      flow.owner,
      {},
      { now: flow.now, ifMatch: 7 },
    );
    expect(outcome).toMatchObject({ status: 412 });
  });

  it('answers 403 SEPARATION_OF_DUTIES to the recommender signing off', () => {
    const flow = applicationIn('PENDING_SIGN_OFF', { heldBy: senior('sam') });
    const outcome = attemptOn(
      flow.application,
      'sign-off',
      senior('sam'),
      { agree: true },
      { now: flow.now },
    );
    expect(outcome).toMatchObject({ status: 403, code: 'SEPARATION_OF_DUTIES' });
  });
});

describe('allowedActions', () => {
  const sorted = (actions: Action[]) => [...actions].sort();

  it.each([
    ['DRAFT', ['update', 'add-document', 'remove-document', 'complete-details', 'withdraw']],
    ['END_USER_DOCS', ['add-document', 'remove-document', 'reopen', 'submit', 'withdraw']],
    ['SUBMITTED', ['withdraw']],
    ['UNDER_REVIEW', ['withdraw']],
    ['INFORMATION_REQUESTED', ['add-document', 'respond', 'withdraw']],
    ['PENDING_SIGN_OFF', ['withdraw']],
    ['APPROVED', []],
    ['DENIED', ['appeal']],
    ['WITHDRAWN', []],
    ['ABANDONED', []],
    ['APPEALED', ['add-document', 'withdraw']],
  ] as const)('offers the applicant in %s: %j', (status, actions) => {
    const flow = applicationIn(status);
    expect(sorted(allowedActions(flow.application, flow.owner))).toEqual(sorted([...actions]));
  });

  it('offers an unassigned case only claim to a reviewer', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: null });
    expect(allowedActions(flow.application, reviewer('rita'))).toEqual(['claim']);
  });

  it('offers the assigned reviewer release, request-information, approve and deny', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('rita') });
    expect(sorted(allowedActions(flow.application, reviewer('rita')))).toEqual(
      sorted(['release', 'request-information', 'approve', 'deny']),
    );
  });

  it('offers a reviewer nothing on a case held by someone else', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: reviewer('ralph') });
    expect(allowedActions(flow.application, reviewer('rita'))).toEqual([]);
  });

  it('offers a senior reviewer claim and reassign on an unassigned case', () => {
    const flow = applicationIn('UNDER_REVIEW', { heldBy: null });
    expect(sorted(allowedActions(flow.application, senior('sam')))).toEqual(sorted(['claim', 'reassign']));
  });

  it('offers a senior reviewer reassign on a case held by a reviewer', () => {
    const flow = applicationIn('INFORMATION_REQUESTED', { heldBy: reviewer('rita') });
    expect(allowedActions(flow.application, senior('sam'))).toEqual(['reassign']);
  });

  it('offers the assigned reviewer only release while information is requested', () => {
    const flow = applicationIn('INFORMATION_REQUESTED', { heldBy: reviewer('rita') });
    expect(allowedActions(flow.application, reviewer('rita'))).toEqual(['release']);
  });

  it('offers sign-off to a senior reviewer who did not recommend, and not to the recommender', () => {
    const flow = applicationIn('PENDING_SIGN_OFF', { heldBy: senior('sam') });
    expect(allowedActions(flow.application, senior('sue'))).toEqual(['sign-off']);
    expect(allowedActions(flow.application, senior('sam'))).toEqual([]);
    expect(allowedActions(flow.application, reviewer('rita'))).toEqual([]);
  });

  it('offers auditors and operators nothing, in any status', () => {
    for (const status of STATUSES) {
      const flow = applicationIn(status);
      expect(allowedActions(flow.application, auditor())).toEqual([]);
      expect(allowedActions(flow.application, operator())).toEqual([]);
    }
  });

  it('offers the workflow its timer and screening actions', () => {
    expect(allowedActions(applicationIn('DRAFT').application, system('system-transition'))).toEqual([
      'abandon',
    ]);
    expect(sorted(allowedActions(applicationIn('SUBMITTED').application, system('screen')))).toEqual(
      sorted(['screening-cleared', 'screening-matched', 'screening-refused', 'screening-failed']),
    );
    expect(allowedActions(applicationIn('INFORMATION_REQUESTED').application, system('timer'))).toEqual([
      'information-overdue',
    ]);
  });
});
