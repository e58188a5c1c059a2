import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ACTIONS,
  FINAL_STATUSES,
  isFinal,
  resultsOf,
  STATUSES,
  type Status,
  SYSTEM_ACTIONS,
  TRANSITIONS,
} from '../../functions/domain/applications/lifecycle.ts';
import {
  HUMAN_STEP_STATUSES,
  needsTimer,
  ROUTED_ONLY_STATUSES,
  STATE_FOR_STATUS,
  statusForState,
  TIMER_ACTION_FOR_STATUS,
} from '../../functions/domain/applications/workflow-states.ts';

const ASL_TEXT = readFileSync(
  new URL('../../statemachines/licence-lifecycle.asl.json', import.meta.url),
  'utf8',
);
const SUBSTITUTIONS = ['AwaitStepFunctionArn', 'ScreenFunctionArn', 'SystemTransitionFunctionArn'];
/** How a definition substitution appears in the ASL: `${Name}`. */
const placeholder = (name: string): string => `\${${name}}`;
const WAIT_FOR_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
const SMALL_PAYLOAD_KEYS = [
  'applicationId.$',
  'generation.$',
  'state',
  'expectedStatus',
  'token.$',
  'action',
];

// asl-validator (CommonJS) ships no type declarations.
type AslValidator = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
const validateAsl: AslValidator = createRequire(import.meta.url)('asl-validator');

// The subset of ASL this workflow uses. Choice rules are strict: every branch tests `$.status`
// with StringEquals, which is what the routing checks and the simulation below rely on.
const ChoiceRule = z.strictObject({
  Variable: z.literal('$.status'),
  StringEquals: z.string(),
  Next: z.string(),
});
const Catcher = z.strictObject({
  ErrorEquals: z.array(z.string()),
  ResultPath: z.string().nullable().optional(),
  Next: z.string(),
});
const Retrier = z.strictObject({
  ErrorEquals: z.array(z.string()),
  IntervalSeconds: z.number(),
  MaxAttempts: z.number(),
  BackoffRate: z.number(),
});
const State = z.looseObject({
  Type: z.enum(['Task', 'Choice', 'Succeed', 'Fail', 'Pass', 'Wait', 'Parallel', 'Map']),
  Comment: z.string().optional(),
  Next: z.string().optional(),
  Default: z.string().optional(),
  Choices: z.array(ChoiceRule).optional(),
  Resource: z.string().optional(),
  Parameters: z
    .strictObject({
      FunctionName: z.string(),
      Payload: z.record(z.string(), z.union([z.string(), z.number()])),
    })
    .optional(),
  OutputPath: z.string().optional(),
  TimeoutSeconds: z.number().optional(),
  TimeoutSecondsPath: z.string().optional(),
  Retry: z.array(Retrier).optional(),
  Catch: z.array(Catcher).optional(),
});
type State = z.infer<typeof State>;
const StateMachine = z.looseObject({
  Comment: z.string(),
  StartAt: z.string(),
  States: z.record(z.string(), State),
});

const asl = StateMachine.parse(JSON.parse(ASL_TEXT));
const stateNames = Object.keys(asl.States);

const stateNamed = (name: string): State => {
  const state = asl.States[name];
  if (!state) throw new Error(`no state ${name}`);
  return state;
};
const stateOf = (status: Status): State => stateNamed(STATE_FOR_STATUS[status]);
const choicesOf = (state: State) => state.Choices ?? [];
const catchersOf = (state: State) => state.Catch ?? [];

const successorsOf = (state: State): string[] => [
  ...(state.Next ? [state.Next] : []),
  ...(state.Default ? [state.Default] : []),
  ...choicesOf(state).map((rule) => rule.Next),
  ...catchersOf(state).map((catcher) => catcher.Next),
];

const reachableFrom = (start: string, avoiding: readonly string[] = []): Set<string> => {
  const seen = new Set<string>([start]);
  const queue = [start];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const next of successorsOf(stateNamed(name))) {
      if (seen.has(next) || avoiding.includes(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
};

/** Statuses the domain table allows after a step entered in `status` (same status if some action keeps it). */
const allowedAfter = (status: Status): Status[] => {
  const results = ACTIONS.filter((action) =>
    (TRANSITIONS[action].from as readonly Status[]).includes(status),
  ).map((action) => resultsOf(action, status));
  const keepsStatus = results.some((to) => to.length === 0);
  return [...(keepsStatus ? [status] : []), ...results.flat()];
};

/** A status's own step, or a system step entered from the catchers of other steps. */
const entryStatusesOf = (name: string): Status[] => {
  const own = statusForState(name);
  if (own) return [own];
  return stateNames
    .filter((other) => catchersOf(stateNamed(other)).some((catcher) => catcher.Next === name))
    .flatMap(entryStatusesOf);
};

const tasks = stateNames.filter((name) => stateNamed(name).Type === 'Task');
const systemTransitions = tasks.filter(
  (name) => stateNamed(name).Parameters?.FunctionName === placeholder('SystemTransitionFunctionArn'),
);
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

const collectKeys = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(collectKeys);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...collectKeys(inner)]);
};

type Outcome = { status: string } | { error: string };

/** Walks the definition the way Step Functions would, with each Task's result or error scripted. */
const simulate = (initialStatus: string, outcomes: readonly Outcome[]): string[] => {
  const script = [...outcomes];
  const entered: string[] = [];
  let status = initialStatus;
  let name: string | undefined = asl.StartAt;
  while (name !== undefined) {
    if (entered.length > 100) throw new Error(`no end after ${entered.join(' → ')}`);
    entered.push(name);
    const state = stateNamed(name);
    if (state.Type === 'Choice') {
      name = choicesOf(state).find((rule) => rule.StringEquals === status)?.Next ?? state.Default;
    } else if (state.Type === 'Task') {
      const outcome = script.shift();
      if (!outcome) throw new Error(`no outcome scripted for ${name}`);
      if ('status' in outcome) {
        status = outcome.status;
        name = state.Next;
      } else {
        const { error } = outcome;
        name = catchersOf(state).find(
          (catcher) => catcher.ErrorEquals.includes(error) || catcher.ErrorEquals.includes('States.ALL'),
        )?.Next;
      }
    } else {
      name = undefined;
    }
  }
  expect(script, 'every scripted outcome is used').toEqual([]);
  return entered;
};

describe('licence-lifecycle state machine', () => {
  describe('definition', () => {
    it('is valid Amazon States Language once the Lambda ARNs are substituted', () => {
      const substituted = ASL_TEXT.replaceAll(
        /\$\{(\w+)\}/g,
        (_, name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
      );

      const { isValid, errorsText } = validateAsl(JSON.parse(substituted));

      expect(errorsText('\n')).toBe('');
      expect(isValid).toBe(true);
    });

    it('uses exactly the three Lambda ARN substitutions, each at least once', () => {
      const placeholders = [...ASL_TEXT.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1] ?? '');

      expect(sorted(placeholders)).toEqual(sorted(SUBSTITUTIONS));
    });

    it('uses JSONPath only, without JSONata, variables or Assign', () => {
      const keys = collectKeys(JSON.parse(ASL_TEXT));

      for (const forbidden of ['QueryLanguage', 'Assign', 'Arguments', 'Output', 'Variables']) {
        expect(keys).not.toContain(forbidden);
      }
      expect(ASL_TEXT).not.toContain('{%');
    });

    it('points every Next, Default and Catch at an existing state', () => {
      const targets = stateNames.flatMap((name) => successorsOf(stateNamed(name)));

      expect(targets.filter((target) => !stateNames.includes(target))).toEqual([]);
    });

    it('reaches every state from StartAt', () => {
      const reachable = reachableFrom(asl.StartAt);

      expect(stateNames.filter((name) => !reachable.has(name))).toEqual([]);
    });

    it('documents the machine and every Task with a Comment', () => {
      expect(asl.Comment.length).toBeGreaterThan(0);
      expect(tasks.filter((name) => !stateNamed(name).Comment)).toEqual([]);
    });

    it('passes only ids, the state, statuses, the task token and the action to Lambdas', () => {
      const payloadKeys = tasks.flatMap((name) => Object.keys(stateNamed(name).Parameters?.Payload ?? {}));

      expect(payloadKeys.filter((key) => !SMALL_PAYLOAD_KEYS.includes(key))).toEqual([]);
    });

    it('keeps only the Lambda result of every plain invoke as the state data', () => {
      const plainInvokes = tasks.filter((name) => stateNamed(name).Resource === LAMBDA_INVOKE);

      expect(plainInvokes.length).toBeGreaterThan(0);
      expect(plainInvokes.filter((name) => stateNamed(name).OutputPath !== '$.Payload')).toEqual([]);
    });

    it('retries every Task a bounded number of times and catches every failure explicitly', () => {
      for (const name of tasks) {
        const state = stateNamed(name);
        const retriers = state.Retry ?? [];
        const lastCatcher = catchersOf(state).at(-1);

        expect(retriers.length, name).toBeGreaterThan(0);
        expect(
          retriers.flatMap((retrier) => retrier.ErrorEquals),
          name,
        ).toEqual(expect.arrayContaining(LAMBDA_TRANSIENT_ERRORS));
        expect(Math.max(...retriers.map((retrier) => retrier.MaxAttempts)), name).toBeLessThanOrEqual(3);
        expect(lastCatcher?.ErrorEquals, name).toEqual(['States.ALL']);
      }
    });

    it('keeps the small state object (ResultPath null) when catching into another Task', () => {
      for (const name of tasks) {
        for (const catcher of catchersOf(stateNamed(name))) {
          if (stateNamed(catcher.Next).Type === 'Task') expect(catcher.ResultPath, name).toBeNull();
        }
      }
    });
  });

  describe('consistency with the domain transition table', () => {
    it('routes every status from RouteByStatus to its own state, and nothing else', () => {
      const entry = stateNamed(asl.StartAt);
      const routes = choicesOf(entry).map((rule) => [rule.StringEquals, rule.Next]);

      expect(asl.StartAt).toBe('RouteByStatus');
      expect(entry.Type).toBe('Choice');
      expect(sorted(routes.map(([status]) => status ?? ''))).toEqual(sorted(STATUSES));
      expect(Object.fromEntries(routes)).toEqual(STATE_FOR_STATUS);
      expect(stateNamed(entry.Default ?? '').Type).toBe('Fail');
    });

    it('ends in a Succeed state exactly for the final statuses', () => {
      const succeeding = STATUSES.filter((status) => stateOf(status).Type === 'Succeed');

      expect(sorted(succeeding)).toEqual(sorted(FINAL_STATUSES));
    });

    it('runs a Task step for every non-final status', () => {
      const steps = STATUSES.filter((status) => !isFinal(status));

      expect(steps.filter((status) => stateOf(status).Type !== 'Task')).toEqual([]);
    });

    it('routes each Choice branch to the state of the status it tests', () => {
      const choices = stateNames.filter((name) => stateNamed(name).Type === 'Choice');

      for (const name of choices) {
        for (const rule of choicesOf(stateNamed(name))) {
          expect(statusForState(rule.Next), `${name}: ${rule.StringEquals}`).toBe(rule.StringEquals);
        }
      }
    });

    it.each(tasks)('routes after %s exactly the statuses the table allows from its status', (name) => {
      const step = stateNamed(name);
      const after = stateNamed(step.Next ?? '');
      const expected = entryStatusesOf(name).flatMap(allowedAfter);

      expect(entryStatusesOf(name).length).toBeGreaterThan(0);
      expect(after.Type).toBe('Choice');
      expect(sorted(choicesOf(after).map((rule) => rule.StringEquals))).toEqual(sorted(expected));
      expect(after.Default).toBe('RouteByStatus');
    });

    it('reaches every status from DRAFT through the step Choices alone, but those entered only through RouteByStatus', () => {
      const reachable = reachableFrom(STATE_FOR_STATUS.DRAFT, [asl.StartAt]);
      const routedOnly: readonly Status[] = ROUTED_ONLY_STATUSES;

      expect(STATUSES.filter((status) => !reachable.has(STATE_FOR_STATUS[status]))).toEqual(routedOnly);
    });

    it('enters the appeal step only from RouteByStatus, as a new generation does', () => {
      const entering = stateNames.filter((name) =>
        successorsOf(stateNamed(name)).includes(STATE_FOR_STATUS.APPEALED),
      );

      expect(sorted(entering)).toEqual(['AfterAppealed', 'RouteByStatus']);
    });

    it('waits for a task token from await-step exactly in the human steps', () => {
      const waiting = tasks.filter((name) => stateNamed(name).Resource === WAIT_FOR_TOKEN);

      expect(sorted(waiting)).toEqual(sorted(HUMAN_STEP_STATUSES.map((status) => STATE_FOR_STATUS[status])));
      for (const status of HUMAN_STEP_STATUSES) {
        expect(stateOf(status).Parameters, status).toEqual({
          FunctionName: placeholder('AwaitStepFunctionArn'),
          Payload: {
            'applicationId.$': '$.applicationId',
            'generation.$': '$.generation',
            state: STATE_FOR_STATUS[status],
            expectedStatus: status,
            'token.$': '$$.Task.Token',
          },
        });
      }
    });

    it.each(HUMAN_STEP_STATUSES)(
      'times %s out into its system action only where a timer is due',
      (status) => {
        const step = stateOf(status);
        const timeoutCatchers = catchersOf(step).filter((catcher) =>
          catcher.ErrorEquals.includes('States.Timeout'),
        );

        if (!needsTimer(status)) {
          expect(step.TimeoutSeconds ?? step.TimeoutSecondsPath).toBeUndefined();
          expect(timeoutCatchers).toEqual([]);
          return;
        }
        const action = TIMER_ACTION_FOR_STATUS[status];
        const [timeoutCatcher] = timeoutCatchers;
        expect(step.TimeoutSecondsPath).toBe('$.timerSeconds');
        expect(timeoutCatchers).toHaveLength(1);
        expect(timeoutCatcher?.ErrorEquals).toEqual(['States.Timeout']);
        expect(stateNamed(timeoutCatcher?.Next ?? '').Parameters?.Payload.action).toBe(action);
        expect(TRANSITIONS[action].from).toContain(status);
      },
    );

    it('screens with the screen Lambda and catches any failure into screening-failed', () => {
      const screening = stateOf('SUBMITTED');
      const retriedErrors = (screening.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals);
      const [catcher] = catchersOf(screening);

      expect(screening.Resource).toBe(LAMBDA_INVOKE);
      expect(screening.Parameters).toEqual({
        FunctionName: placeholder('ScreenFunctionArn'),
        Payload: { 'applicationId.$': '$.applicationId', 'generation.$': '$.generation' },
      });
      expect(retriedErrors).toEqual(
        expect.arrayContaining([...LAMBDA_TRANSIENT_ERRORS, 'States.TaskFailed']),
      );
      expect(screening.Retry?.every((retrier) => retrier.BackoffRate === 2)).toBe(true);
      expect(catchersOf(screening)).toHaveLength(1);
      expect(catcher).toMatchObject({ ErrorEquals: ['States.ALL'], ResultPath: null });
      expect(stateNamed(catcher?.Next ?? '').Parameters?.Payload.action).toBe('screening-failed');
    });

    it('applies through system-transition only system actions that start from the caught statuses', () => {
      expect(systemTransitions.length).toBeGreaterThan(0);
      for (const name of systemTransitions) {
        const action = stateNamed(name).Parameters?.Payload.action;
        const systemAction = SYSTEM_ACTIONS.find((candidate) => candidate === action);

        expect(systemAction, name).toBeDefined();
        expect(stateNamed(name).Resource).toBe(LAMBDA_INVOKE);
        for (const status of entryStatusesOf(name)) {
          expect(systemAction && TRANSITIONS[systemAction].from, name).toContain(status);
        }
      }
    });
  });

  describe('transitions', () => {
    it('enters at most 12 states from DRAFT to APPROVED without RFI or sign-off', () => {
      const entered = simulate('DRAFT', [
        { status: 'END_USER_DOCS' },
        { status: 'SUBMITTED' },
        { status: 'UNDER_REVIEW' },
        { status: 'APPROVED' },
      ]);

      expect(entered).toEqual([
        'RouteByStatus',
        'Draft',
        'AfterDraft',
        'EndUserDocs',
        'AfterEndUserDocs',
        'Screening',
        'AfterScreening',
        'UnderReview',
        'AfterUnderReview',
        'Approved',
      ]);
      expect(entered.length).toBeLessThanOrEqual(12);
    });

    it.each([
      {
        scenario: 'an overdue RFI, then a denial signed off, resumed in a new generation at UNDER_REVIEW',
        initialStatus: 'UNDER_REVIEW',
        outcomes: [
          { status: 'INFORMATION_REQUESTED' },
          { error: 'States.Timeout' },
          { status: 'UNDER_REVIEW' },
          { status: 'PENDING_SIGN_OFF' },
          { status: 'DENIED' },
        ],
        visits: ['InformationOverdue', 'PendingSignOff'],
        end: 'Denied',
      },
      {
        scenario: 'an appeal in a new generation, overturned to screening, cleared and approved on sign-off',
        initialStatus: 'APPEALED',
        outcomes: [
          { status: 'APPEALED' },
          { status: 'SUBMITTED' },
          { status: 'UNDER_REVIEW' },
          { status: 'PENDING_SIGN_OFF' },
          { status: 'APPROVED' },
        ],
        visits: ['Appealed', 'AfterAppealed', 'Screening', 'UnderReview', 'PendingSignOff'],
        end: 'Approved',
      },
      {
        scenario: 'an appeal upheld (or withdrawn)',
        initialStatus: 'APPEALED',
        outcomes: [{ status: 'DENIED' }],
        visits: ['Appealed', 'AfterAppealed'],
        end: 'Denied',
      },
      {
        scenario: 'a draft timer that fires early, re-arms, and then abandons',
        initialStatus: 'DRAFT',
        outcomes: [
          { error: 'States.Timeout' },
          { status: 'DRAFT' },
          { error: 'States.Timeout' },
          { status: 'ABANDONED' },
        ],
        visits: ['AbandonDraft', 'AfterAbandonTimer', 'Draft'],
        end: 'Abandoned',
      },
      {
        scenario: 'a screening failure sent to review, then withdrawn',
        initialStatus: 'SUBMITTED',
        outcomes: [{ error: 'States.TaskFailed' }, { status: 'UNDER_REVIEW' }, { status: 'WITHDRAWN' }],
        visits: ['ScreeningFailed', 'UnderReview'],
        end: 'Withdrawn',
      },
      {
        scenario: 'an unexpected status from a step, re-routed through RouteByStatus',
        initialStatus: 'PENDING_SIGN_OFF',
        outcomes: [{ status: 'INFORMATION_REQUESTED' }, { status: 'WITHDRAWN' }],
        visits: ['AfterPendingSignOff', 'RouteByStatus', 'InformationRequested'],
        end: 'Withdrawn',
      },
      {
        scenario: 'an await-step failure after its retries',
        initialStatus: 'END_USER_DOCS',
        outcomes: [{ error: 'Lambda.ServiceException' }],
        visits: ['EndUserDocs'],
        end: 'StepFailed',
      },
      {
        scenario: 'an unknown status',
        initialStatus: 'ARCHIVED',
        outcomes: [],
        visits: [],
        end: 'UnknownStatus',
      },
    ])('ends in $end after $scenario', ({ initialStatus, outcomes, visits, end }) => {
      const entered = simulate(initialStatus, outcomes);

      expect(entered).toEqual(expect.arrayContaining(visits));
      expect(entered.at(-1)).toBe(end);
    });
  });
});
