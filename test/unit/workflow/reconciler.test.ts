import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '#domain/config.ts';
import type { ExecutionInfo, StoredApplication, WorkflowData, WorkflowEngine } from '#domain/ports.ts';
import { type ReconcilerDependencies, reconcile } from '#handlers/reconciler.ts';
import { applicationIn, DAY_MS } from '../../support/applications.ts';

/** The reconciler's decisions, against an in-memory table and workflow engine. */
class FakeEngine implements WorkflowEngine {
  readonly executions = new Map<string, ExecutionInfo>();
  readonly tokens = new Map<string, string>();
  readonly started: WorkflowData[] = [];
  readonly woken: Array<[string, WorkflowData]> = [];
  readonly stopped: string[] = [];

  async start(data: WorkflowData) {
    this.started.push(data);
    return true;
  }
  async sendTaskSuccess(token: string, data: WorkflowData) {
    this.woken.push([token, data]);
    return true;
  }
  async describe(applicationId: string, generation: number) {
    return this.executions.get(`${applicationId}-${generation}`) ?? null;
  }
  async history() {
    return [];
  }
  async waitingToken(applicationId: string, generation: number, state: string) {
    return this.tokens.get(`${applicationId}-${generation}:${state}`) ?? null;
  }
  async stop(applicationId: string, generation: number) {
    this.stopped.push(`${applicationId}-${generation}`);
  }

  running(stored: StoredApplication, currentState: string, status: ExecutionInfo['status'] = 'RUNNING') {
    const name = `${stored.application.applicationId}-${stored.workflow.generation}`;
    this.executions.set(name, {
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:licence-lifecycle:${name}`,
      name,
      generation: stored.workflow.generation,
      status,
      currentState,
      startDate: new Date(0).toISOString(),
      stopDate: null,
    });
  }
}

function setUp(stored: StoredApplication[], nowOffsetMs = DAY_MS) {
  const engine = new FakeEngine();
  const generations = new Map(
    stored.map((entry) => [entry.application.applicationId, entry.workflow.generation]),
  );
  const latest = Math.max(...stored.map((entry) => Date.parse(entry.application.updatedAt)));
  const deps: ReconcilerDependencies = {
    items: {
      async *toReconcile() {
        yield* stored;
      },
      async advanceGeneration(applicationId, from) {
        if (generations.get(applicationId) !== from) return false;
        generations.set(applicationId, from + 1);
        return true;
      },
    },
    workflow: engine,
    now: () => new Date(latest + nowOffsetMs),
    config: DEFAULT_CONFIG,
    graceMs: 60_000,
  };
  return { engine, deps, generations };
}

const stored = (status: Parameters<typeof applicationIn>[0], generation = 1): StoredApplication => ({
  application: applicationIn(status).application,
  workflow: { generation, pendingTask: null },
});

describe('reconciler', () => {
  it('starts a missing execution of the current generation from the persisted status', async () => {
    const draft = stored('DRAFT', 3);
    const { engine, deps } = setUp([draft]);
    expect(await reconcile(deps)).toEqual({
      checked: 1,
      started: 1,
      woken: 0,
      repaired: [{ applicationId: draft.application.applicationId, repair: 'started' }],
    });
    expect(engine.started).toEqual([
      {
        applicationId: draft.application.applicationId,
        generation: 3,
        status: 'DRAFT',
        timerSeconds: (DEFAULT_CONFIG.abandonAfterDays - 1) * 86_400,
      },
    ]);
  });

  it.each([
    ['the execution ended but the application is open', 'UNDER_REVIEW', 'StepFailed', 'FAILED'],
    ['the denial’s execution succeeded and the appeal’s relay was lost', 'APPEALED', 'Denied', 'SUCCEEDED'],
  ] as const)('starts the next generation when %s', async (_case, status, state, executionStatus) => {
    const open = stored(status);
    const { engine, deps, generations } = setUp([open]);
    engine.running(open, state, executionStatus);
    expect(await reconcile(deps)).toEqual({
      checked: 1,
      started: 1,
      woken: 0,
      repaired: [{ applicationId: open.application.applicationId, repair: 'started' }],
    });
    expect(generations.get(open.application.applicationId)).toBe(2);
    expect(engine.started).toEqual([
      { applicationId: open.application.applicationId, generation: 2, status },
    ]);
  });

  it('wakes the Appealed step whose decision’s wake-up was lost', async () => {
    const overturned = stored('UNDER_REVIEW', 2);
    const { engine, deps } = setUp([overturned]);
    engine.running(overturned, 'Appealed');
    engine.tokens.set(`${overturned.application.applicationId}-2:Appealed`, 'appeal-token');
    expect(await reconcile(deps)).toMatchObject({ checked: 1, started: 0, woken: 1 });
    expect(engine.woken.map(([token]) => token)).toEqual(['appeal-token']);
  });

  it('leaves alone an execution waiting where the status says, or still screening', async () => {
    const review = stored('UNDER_REVIEW');
    const submitted = stored('SUBMITTED');
    const { engine, deps } = setUp([review, submitted]);
    engine.running(review, 'UnderReview');
    engine.running(submitted, 'Screening');
    expect(await reconcile(deps)).toEqual({ checked: 2, started: 0, woken: 0, repaired: [] });
    expect([engine.started, engine.woken, engine.stopped]).toEqual([[], [], []]);
  });

  it('wakes a step whose wake-up was lost, with the token from the execution history', async () => {
    const signOff = stored('PENDING_SIGN_OFF');
    const { engine, deps } = setUp([signOff]);
    engine.running(signOff, 'UnderReview');
    engine.tokens.set(`${signOff.application.applicationId}-1:UnderReview`, 'lost-token');
    expect(await reconcile(deps)).toEqual({
      checked: 1,
      started: 0,
      woken: 1,
      repaired: [{ applicationId: signOff.application.applicationId, repair: 'woken' }],
    });
    expect(engine.woken).toEqual([
      [
        'lost-token',
        { applicationId: signOff.application.applicationId, generation: 1, status: 'PENDING_SIGN_OFF' },
      ],
    ]);
  });

  it('gives a fresh status change its grace period before it counts as lost', async () => {
    const signOff = stored('PENDING_SIGN_OFF');
    const { engine, deps } = setUp([signOff], 10_000);
    engine.running(signOff, 'UnderReview');
    engine.tokens.set(`${signOff.application.applicationId}-1:UnderReview`, 'token');
    expect(await reconcile(deps)).toEqual({ checked: 1, started: 0, woken: 0, repaired: [] });
  });

  it('replaces an execution stuck without a usable token by the next generation', async () => {
    const signOff = stored('PENDING_SIGN_OFF');
    const { engine, deps } = setUp([signOff]);
    engine.running(signOff, 'UnderReview');
    expect(await reconcile(deps)).toEqual({
      checked: 1,
      started: 1,
      woken: 0,
      repaired: [{ applicationId: signOff.application.applicationId, repair: 'started' }],
    });
    expect(engine.stopped).toEqual([`${signOff.application.applicationId}-1`]);
    expect(engine.started.map((data) => data.generation)).toEqual([2]);
  });

  it('wakes the execution of a recently final application whose last wake-up was lost, and starts nothing', async () => {
    const approved = stored('APPROVED');
    const denied = stored('DENIED');
    const { engine, deps } = setUp([approved, denied]);
    engine.running(approved, 'UnderReview');
    engine.tokens.set(`${approved.application.applicationId}-1:UnderReview`, 'last-token');
    expect(await reconcile(deps)).toEqual({
      checked: 2,
      started: 0,
      woken: 1,
      repaired: [{ applicationId: approved.application.applicationId, repair: 'woken' }],
    });
    expect(engine.woken).toEqual([
      [
        'last-token',
        { applicationId: approved.application.applicationId, generation: 1, status: 'APPROVED' },
      ],
    ]);
  });

  it('starts one generation when another reconciler got there first', async () => {
    const review = stored('UNDER_REVIEW');
    const { engine, deps, generations } = setUp([review]);
    engine.running(review, 'StepFailed', 'FAILED');
    generations.set(review.application.applicationId, 2);
    expect(await reconcile(deps)).toEqual({ checked: 1, started: 0, woken: 0, repaired: [] });
    expect(engine.started).toEqual([]);
  });

  it('repairs the others when one application fails, then reports the failure', async () => {
    const broken = stored('UNDER_REVIEW');
    const draft = stored('DRAFT');
    const { engine, deps } = setUp([broken, draft]);
    const describe = engine.describe.bind(engine);
    engine.describe = async (applicationId, generation) => {
      if (applicationId === broken.application.applicationId) throw new Error('throttled');
      return describe(applicationId, generation);
    };
    const logged: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk) => logged.push(String(chunk)) > 0);
    }
    await expect(reconcile(deps)).rejects.toThrow('1 application(s) not reconciled');
    vi.restoreAllMocks();
    expect(engine.started.map((data) => data.applicationId)).toEqual([draft.application.applicationId]);
    expect(logged.join('')).toContain(`"applicationId":"${broken.application.applicationId}"`);
  });
});
