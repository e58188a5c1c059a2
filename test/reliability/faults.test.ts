import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadOrCreateSigningKeys, mintToken } from '#local/jwt.ts';
import { freePort } from '#local/ports.ts';
import { type Caller, caller, readyToSubmit, SUBMIT_BODY } from '../support/api.ts';
import { ledger, size } from './ledger.ts';
import { APPROVE, isErrorShape } from './support.ts';

/**
 * Crashes: the whole local stack process (API, Step Functions, stream pollers, reconciler,
 * checkpoint timer) killed with SIGKILL at random moments while many applications go through
 * submit → screening → claim → approve, then started again on the same data. DynamoDB Local, like
 * DynamoDB, survives. At the end every lifecycle has completed, each action is in the audit trail
 * once, every chain verifies, and each application has exactly one licence.
 */
const figures = ledger('faults');
const APPLICATIONS = size(6, 40);
const KILLS = size(4, 12);
const SEED = 13;

let dataDir: string;
let url: string;
let env: Record<string, string>;
let stack: ChildProcess | undefined;
let as: Record<'alice' | 'rita' | 'audrey' | 'otto', Caller>;

/** A deterministic pseudo-random sequence (mulberry32), so a failing run can be repeated. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function start(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/fault-stack.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stack = child;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const deadline = Date.now() + 60_000;
  while (!output.includes('ready')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the stack did not start: ${output}`);
    await delay(50);
  }
}

async function kill(): Promise<void> {
  const child = stack;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  figures.add('faultsInjected');
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'licence-faults-'));
  env = {
    FAULT_PORT: String(await freePort()),
    FAULT_SFN_PORT: String(await freePort()),
    FAULT_DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    FAULT_DATA_DIR: dataDir,
    FAULT_TABLE_PREFIX: `faults${Date.now()}`,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  url = `http://127.0.0.1:${env.FAULT_PORT}`;
  await start();
  const keys = await loadOrCreateSigningKeys(dataDir);
  const token = (sub: string, org: string, groups: string[]) => mintToken(keys, { sub, org, groups });
  as = {
    alice: caller(url, await token('alice', 'acme', ['applicant'])),
    rita: caller(url, await token('rita', 'authority', ['reviewer'])),
    audrey: caller(url, await token('audrey', 'authority', ['auditor'])),
    otto: caller(url, await token('otto', 'authority', ['operator'])),
  };
}, 90_000);

afterAll(async () => {
  figures.flush();
  await kill();
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * One step of an application's lifecycle, chosen from its stored status (a crash may have lost the
 * answer of the previous step, so the driver re-reads instead of remembering). True once APPROVED.
 */
async function step(id: string): Promise<boolean> {
  const application = await as.audrey.get(`/applications/${id}`);
  if (application.status >= 500) figures.add('fiveHundreds');
  if (application.status !== 200) return false;
  const { status, assignedTo } = application.body;
  let answer: Awaited<ReturnType<Caller['get']>> | undefined;
  if (status === 'APPROVED') return true;
  if (status === 'END_USER_DOCS')
    answer = await as.alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
  else if (status === 'UNDER_REVIEW' && !assignedTo)
    answer = await as.rita.post(`/applications/${id}/actions/claim`);
  else if (status === 'UNDER_REVIEW')
    answer = await as.rita.post(`/applications/${id}/actions/approve`, APPROVE);
  if (answer) {
    figures.answer(answer.status);
    // A step that lost to its own earlier attempt answers 409 in the error shape, never 5xx.
    expect(figures.check(answer.status < 500), JSON.stringify(answer.body)).toBe(true);
    if (answer.status >= 400) expect(figures.check(isErrorShape(answer.body))).toBe(true);
  }
  return false;
}

/** Drives every application to APPROVED, riding out the stack being down. */
async function driveAll(ids: readonly string[], deadline: number): Promise<void> {
  const done = new Set<string>();
  while (done.size < ids.length && Date.now() < deadline) {
    for (const id of ids) {
      if (done.has(id)) continue;
      try {
        if (await step(id)) done.add(id);
      } catch (error) {
        // fetch fails with a TypeError while the stack is down: try again shortly. Anything else
        // (a failed expectation) ends the run.
        if (!(error instanceof TypeError)) throw error;
        await delay(100);
      }
    }
    await delay(50);
  }
}

describe('faults: the local stack killed with SIGKILL mid-run and restarted', () => {
  it('completes every lifecycle with no lost or repeated step, one licence each, every chain valid', async () => {
    const ids: string[] = [];
    for (let i = 0; i < APPLICATIONS; i++) ids.push(await readyToSubmit(as.alice));
    const next = random(SEED);
    const driving = driveAll(ids, Date.now() + 180_000);
    for (let i = 0; i < KILLS; i++) {
      await delay(200 + Math.floor(next() * 1_500));
      await kill();
      await start();
    }
    await driving;

    const licences = new Map<string, string>();
    for (const id of ids) {
      const [application, audit, verify, execution] = await Promise.all([
        as.audrey.get(`/applications/${id}`),
        as.audrey.get(`/applications/${id}/audit`),
        as.audrey.get(`/applications/${id}/audit/verify`),
        as.otto.get(`/applications/${id}/execution`),
      ]);
      figures.add('applicationsSoaked');
      expect(figures.check(application.body.status === 'APPROVED'), `${id} ${application.body.status}`).toBe(
        true,
      );
      const actions: string[] = audit.body.items.map((event: { action: string }) => event.action);
      for (const action of ['submit', 'claim', 'approve'])
        expect(figures.check(actions.filter((a) => a === action).length === 1), `${id}: ${actions}`).toBe(
          true,
        );
      const seqs: number[] = audit.body.items.map((event: { seq: number }) => event.seq);
      expect(figures.check(seqs.every((seq, index) => seq === index + 1)), `${id}: seqs ${seqs}`).toBe(true);
      expect(figures.check(application.body.version === seqs.length), `${id}: version`).toBe(true);
      expect(figures.check(verify.body.valid === true), JSON.stringify(verify.body)).toBe(true);
      expect(
        figures.check(execution.body.status !== 'RUNNING'),
        `${id}: ${JSON.stringify(execution.body)}`,
      ).toBe(true);
      licences.set(id, application.body.licence?.licenceNumber);
    }
    // One licence per application, numbers unique, each with a valid chain.
    const numbers = [...licences.values()];
    expect(figures.check(new Set(numbers).size === ids.length && numbers.every(Boolean)), `${numbers}`).toBe(
      true,
    );
    const issued = await as.audrey.get('/licences?limit=100');
    const mine = (issued.body.items as { applicationId: string }[]).filter((l) =>
      licences.has(l.applicationId),
    );
    expect(figures.check(mine.length === ids.length), `${mine.length} licences`).toBe(true);
    for (const number of numbers) {
      const verified = await as.audrey.get(`/licences/${number}/audit/verify`);
      expect(figures.check(verified.body.valid === true), JSON.stringify(verified.body)).toBe(true);
    }
  }, 300_000);
});
