import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadOrCreateSigningKeys, mintToken, type SigningKeys } from '#local/jwt.ts';
import { freePort } from '#local/ports.ts';
import { type LocalStack, startLocalStack } from '#local/stack.ts';
import {
  type ApiResponse,
  type Caller,
  caller,
  completeDetails,
  SUBMIT_BODY,
  uploadRequiredDocuments,
} from './api.ts';

/**
 * The full local stack in-process for e2e tests: the integration project's DynamoDB Local with this
 * file's own tables (`tablePrefix`, so the stream pollers of parallel test files never relay each
 * other's records), the local Step Functions endpoint running the real ASL, the stream poller, the
 * reconciler and the API server. `restart()` stops everything but DynamoDB and starts it again on
 * the same ports, tables and data directory (the handlers keep their SDK clients).
 */
export interface WorkflowStack {
  url: string;
  keys: SigningKeys;
  as(sub: string, org: string, groups: string[]): Promise<Caller>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the stack and removes its data directory. */
  dispose(): Promise<void>;
}

export async function startWorkflowStack(
  tablePrefix: string,
  { inMemory = true }: { inMemory?: boolean } = {},
): Promise<WorkflowStack> {
  const dataDir = await mkdtemp(join(tmpdir(), `licence-${tablePrefix}-`));
  const ports = { port: await freePort(), sfnPort: await freePort() };
  const options = {
    ...ports,
    dynamodbPort: 0,
    dataDir,
    inMemory,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tablePrefix,
  };
  let running: LocalStack | null = await startLocalStack(options);
  const keys = await loadOrCreateSigningKeys(dataDir);
  const stack: WorkflowStack = {
    url: running.url,
    keys,
    as: async (sub, org, groups) =>
      caller(running?.url ?? stack.url, await mintToken(keys, { sub, org, groups })),
    stop: async () => {
      await running?.stop();
      running = null;
    },
    start: async () => {
      if (!running) running = await startLocalStack(options);
    },
    dispose: async () => {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** A test file's workflow stack and personas, readable once its `beforeAll` has run. */
export interface WorkflowFixture {
  readonly stack: WorkflowStack;
  readonly people: Personas;
}

/**
 * Starts a workflow stack with the personas before the calling test file's tests (hooks registered
 * after this call run after it) and disposes of it after them.
 */
export function useWorkflowStack(tablePrefix: string, options: { inMemory?: boolean } = {}): WorkflowFixture {
  let stack: WorkflowStack | undefined;
  let people: Personas | undefined;
  beforeAll(async () => {
    stack = await startWorkflowStack(tablePrefix, options);
    people = await personas(stack);
  });
  afterAll(() => stack?.dispose());
  const notStarted = () => new Error(`the ${tablePrefix} workflow stack is read before beforeAll started it`);
  return {
    get stack() {
      if (!stack) throw notStarted();
      return stack;
    },
    get people() {
      if (!people) throw notStarted();
      return people;
    },
  };
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until the application has `status` (read as `reader`), and returns it. */
export function statusReached(reader: Caller, id: string, status: string, timeoutMs = 15_000) {
  return eventually(
    async () => {
      const response = await reader.get(`/applications/${id}`);
      return response.body?.status === status ? response.body : undefined;
    },
    { timeoutMs, what: `${id} to reach ${status}` },
  );
}

export interface ExecutionView {
  executionArn: string;
  name: string;
  generation: number;
  status: string;
  currentState: string | null;
  startDate: string;
  stopDate: string | null;
}

/** Waits until the current execution matches `check` (read by an operator). */
export function executionReached(
  operator: Caller,
  id: string,
  check: (execution: ExecutionView) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<ExecutionView> {
  return eventually(
    async () => {
      const response: ApiResponse = await operator.get(`/applications/${id}/execution`);
      return response.status === 200 && check(response.body) ? (response.body as ExecutionView) : undefined;
    },
    { timeoutMs, what: `${id}: ${what}` },
  );
}

interface HistoryEventView {
  type: string;
  state: string | null;
}

/**
 * Waits until the execution waits in the human step `state` with its token stored (the step's last
 * event is TaskSubmitted: await-step returned without waking the step itself), and, with `after`,
 * only once it entered `after` before (to wait for a step re-entered later).
 */
export function waitingIn(
  operator: Caller,
  id: string,
  state: string,
  { after, timeoutMs = 15_000 }: { after?: string; timeoutMs?: number } = {},
): Promise<ExecutionView> {
  return eventually(
    async () => {
      const history = await operator.get(`/applications/${id}/execution/history`);
      if (history.status !== 200) return undefined;
      const events: HistoryEventView[] = history.body.events;
      const last = events.at(-1);
      if (last?.type !== 'TaskSubmitted' || last.state !== state) return undefined;
      if (after && !events.some((event) => event.type.endsWith('StateEntered') && event.state === after)) {
        return undefined;
      }
      const execution = await operator.get(`/applications/${id}/execution`);
      return execution.body as ExecutionView;
    },
    { timeoutMs, what: `${id}: execution waiting in ${state}${after ? ` after ${after}` : ''}` },
  );
}

/** The names of the states the current execution entered, in order. */
/**
 * Creates, completes and submits an application, waiting for the execution to stand in each human
 * step before the next action. Acting faster is allowed (the machine then catches up through
 * `RouteByStatus`); this pins the path for tests that assert every state visited.
 */
export async function submittedStepByStep(people: Personas, details = completeDetails()): Promise<string> {
  const { alice, otto } = people;
  const id: string = (await alice.post('/applications', details)).body.applicationId;
  await waitingIn(otto, id, 'Draft');
  await alice.post(`/applications/${id}/actions/complete-details`);
  await waitingIn(otto, id, 'EndUserDocs');
  await uploadRequiredDocuments(alice, id);
  await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
  return id;
}

export async function statesVisited(operator: Caller, id: string): Promise<string[]> {
  const response = await operator.get(`/applications/${id}/execution/history`);
  if (response.status !== 200) throw new Error(`history of ${id}: HTTP ${response.status}`);
  const events: HistoryEventView[] = response.body.events;
  return events.filter((event) => event.type.endsWith('StateEntered')).map((event) => event.state ?? '?');
}

export interface Personas {
  /** Applicant of org acme. */
  alice: Caller;
  /** Reviewers. */
  rita: Caller;
  ravi: Caller;
  /** Senior reviewers. */
  sam: Caller;
  sue: Caller;
  otto: Caller;
  audrey: Caller;
}

export async function personas(stack: WorkflowStack): Promise<Personas> {
  return {
    alice: await stack.as('alice', 'acme', ['applicant']),
    rita: await stack.as('rita', 'authority', ['reviewer']),
    ravi: await stack.as('ravi', 'authority', ['reviewer']),
    sam: await stack.as('sam', 'authority', ['senior-reviewer']),
    sue: await stack.as('sue', 'authority', ['senior-reviewer']),
    otto: await stack.as('otto', 'authority', ['operator']),
    audrey: await stack.as('audrey', 'authority', ['auditor']),
  };
}

/** `expected` appears in `visited` in this order (other states may come in between). */
export function inOrder(visited: readonly string[], expected: readonly string[]): boolean {
  let next = 0;
  for (const state of visited) if (state === expected[next]) next += 1;
  return next === expected.length;
}

export interface Completion {
  application: { status: string; [key: string]: unknown };
  execution: ExecutionView;
  states: string[];
  audit: Array<{ action: string; actor: { sub: string }; fromStatus: string | null; toStatus: string }>;
}

/**
 * Waits for the final status and the execution's end, then reads what the tests assert: the
 * application, the execution, the states it entered and the audit trail (checked valid here).
 */
export async function completion(people: Personas, id: string, status: string): Promise<Completion> {
  const application = await statusReached(people.audrey, id, status);
  const execution = await executionReached(people.otto, id, (e) => e.status !== 'RUNNING', 'execution ended');
  const verify = await people.audrey.get(`/applications/${id}/audit/verify`);
  if (verify.status !== 200 || verify.body.valid !== true) {
    throw new Error(`audit chain of ${id} is not valid: ${JSON.stringify(verify.body)}`);
  }
  const audit = await people.audrey.get(`/applications/${id}/audit`);
  return { application, execution, states: await statesVisited(people.otto, id), audit: audit.body.items };
}

const APPROVE_FOR_A_YEAR = { validityMonths: 12, conditions: [] };

/** Submits (documents uploaded or referenced), waits for review, rita claims and approves. */
export async function approvedByRita(people: Personas, id: string): Promise<Completion> {
  const { alice, rita, otto, audrey } = people;
  const submitted = await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
  if (submitted.status !== 200) throw new Error(`submit answered ${submitted.status}`);
  await statusReached(audrey, id, 'UNDER_REVIEW');
  await waitingIn(otto, id, 'UnderReview');
  const claimed = await rita.post(`/applications/${id}/actions/claim`);
  if (claimed.status !== 200) throw new Error(`claim answered ${claimed.status}`);
  const approved = await rita.post(`/applications/${id}/actions/approve`, APPROVE_FOR_A_YEAR);
  if (approved.body.status !== 'APPROVED') throw new Error(`approve answered ${approved.status}`);
  return completion(people, id, 'APPROVED');
}
