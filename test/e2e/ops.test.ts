import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoStatsStore } from '#adapters/stats-store.ts';
import { freePort } from '#local/ports.ts';
import { completeDetails, readyToSubmit, SUBMIT_BODY } from '../support/api.ts';
import {
  approvedByRita,
  eventually,
  type Personas,
  statusReached,
  useWorkflowStack,
  waitingIn,
} from '../support/stack.ts';

/** The operators' local tools: the `npm run ops` CLI against the full stack, and the old ops page's redirect. */
const e2e = useWorkflowStack('ops');
/** A draft whose execution waits in `Draft`. */
let draftId: string;
/** A case screened by the workflow, under review, claimed by rita. */
let queuedId: string;
/** The licence of an approved case, drawn down once by customs. */
let licenceNumber: string;

beforeAll(async () => {
  [draftId, queuedId, licenceNumber] = await Promise.all([
    waitingDraft(e2e.people),
    claimedCase(e2e.people),
    usedLicence(e2e.people),
  ]);
});

const SHIPMENT = {
  usageId: 'ops-ship-1',
  declarationRef: 'CUS-OPS-1',
  items: [{ goodsIndex: 0, quantityKg: 12.5, valueUsd: 1250 }],
};

async function usedLicence(people: Personas): Promise<string> {
  const approved = await approvedByRita(people, await readyToSubmit(people.alice, completeDetails()));
  const number = (approved.application.licence as { licenceNumber: string }).licenceNumber;
  const cora = await e2e.stack.as('cora', 'authority', ['customs']);
  const used = await cora.post(`/licences/${number}/actions/record-usage`, {
    ...SHIPMENT,
    shippedAt: new Date().toISOString(),
  });
  expect(used.status).toBe(200);
  return number;
}

async function claimedCase({ alice, rita }: Personas): Promise<string> {
  const id = await readyToSubmit(alice, completeDetails());
  expect((await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY)).status).toBe(200);
  await statusReached(rita, id, 'UNDER_REVIEW');
  expect((await rita.post(`/applications/${id}/actions/claim`, {})).status).toBe(200);
  return id;
}

async function waitingDraft({ alice, otto }: Personas): Promise<string> {
  const created = await alice.post('/applications', completeDetails());
  expect(created.status).toBe(201);
  await waitingIn(otto, created.body.applicationId, 'Draft');
  return created.body.applicationId;
}

/** The status of a request without a token. */
function rawRequest(method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = request(`${e2e.stack.url}${path}`, { method }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    call.on('error', reject);
    call.end();
  });
}

describe('the old ops page', () => {
  it('redirects to the operations page of the web console; its tokenless JSON is gone', async () => {
    const response = await fetch(`${e2e.stack.url}/ops`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/#/ops');
    expect(await rawRequest('POST', '/ops')).toBe(405);
    // Without a token the API answers for these paths: 401, no data.
    expect(await rawRequest('GET', '/ops/data.json')).toBe(401);
    expect(await rawRequest('GET', '/ops/application.json?id=x')).toBe(401);
  });
});

const execFileAsync = promisify(execFile);
const CLI_TIMEOUT_MS = 150_000;
/** Each test waits for its CLI processes (run at once), plus the time to set up what they read. */
const TEST_TIMEOUT_MS = 2 * CLI_TIMEOUT_MS;

/** `npm run ops -- <args>` against this file's stack (its ports and table names). */
function ops(args: string[], ports: { dynamodb: string; sfn: string } = stackPorts()) {
  return execFileAsync(process.execPath, ['--import', 'tsx', 'local/ops.ts', ...args], {
    env: { ...process.env, DYNAMODB_PORT: ports.dynamodb, SFN_PORT: ports.sfn },
    // A CLI process takes 3 s on a quiet machine but 25 s or more on a loaded one (ten start at once).
    timeout: CLI_TIMEOUT_MS,
  });
}

function stackPorts() {
  return {
    dynamodb: new URL(inject('dynamodbEndpoint')).port,
    sfn: new URL(process.env.AWS_ENDPOINT_URL_SFN ?? '').port,
  };
}

describe.concurrent('ops CLI', { timeout: TEST_TIMEOUT_MS }, () => {
  it('lists the executions, filtered by status', async () => {
    const { stdout } = await ops(['executions', '--status', 'RUNNING']);

    const [heading, ...lines] = stdout.trim().split('\n');
    expect(heading).toMatch(/^NAME\s+STATUS\s+START\s+STOP$/);
    expect(lines.find((line) => line.startsWith(`${draftId}-1 `))).toMatch(/ RUNNING +\S+Z +-$/);
  });

  it('runs the reconciler once and prints its summary as JSON', async () => {
    const { stdout } = await ops(['reconcile']);

    const summary = JSON.parse(stdout);
    expect(summary).toEqual({
      checked: expect.any(Number),
      started: expect.any(Number),
      woken: expect.any(Number),
      repaired: expect.any(Array),
      licencesExpired: expect.any(Array),
    });
    expect(summary.checked).toBeGreaterThanOrEqual(1);
  });

  it('prints the visited states and the audit verification of an application', async () => {
    const [history, verify] = await Promise.all([ops(['history', draftId]), ops(['verify', draftId])]);

    expect(history.stdout).toMatch(/^ENTERED\s+STATE\n/);
    expect(history.stdout).toMatch(/Z {2}Draft\n$/);
    expect(JSON.parse(verify.stdout)).toMatchObject({ valid: true, events: 1 });
  });

  it('accepts the execution name that `executions` prints for history and verify', async () => {
    const [history, verify] = await Promise.all([
      ops(['history', `${draftId}-1`]),
      ops(['verify', `${draftId}-1`]),
    ]);

    expect(history.stdout).toMatch(/Z {2}Draft\n$/);
    expect(JSON.parse(verify.stdout)).toMatchObject({ valid: true, events: 1 });
  });

  it('exits non-zero with one sentence when the stack is not running', async () => {
    const closed = String(await freePort());

    const failure = await ops(['executions'], { dynamodb: closed, sfn: closed }).catch((error) => error);

    expect(failure.code).toBe(1);
    expect(failure.stderr).toBe(
      `The local stack is not running: nothing answers at http://127.0.0.1:${closed} (the local Step Functions endpoint); start it with \`npm start\`.\n`,
    );
  });
});

describe.concurrent('ops CLI: queue, statistics and applications', { timeout: TEST_TIMEOUT_MS }, () => {
  it('prints the queue as a table and as the JSON that GET /queue answers', async () => {
    const [table, json] = await Promise.all([
      ops(['queue', '--lane', 'STANDARD']),
      ops(['queue', '--json', '--limit', '100']),
    ]);

    const [heading, ...lines] = table.stdout.trim().split('\n');
    expect(heading).toMatch(
      /^APPLICATION\s+STATUS\s+LANE\s+DUE\s+ELAPSED\s+LEFT\s+PAUSED\s+ASSIGNEE\s+FLAGS\s+COUNTRIES$/,
    );
    expect(lines.find((line) => line.startsWith(queuedId))).toMatch(
      /^\S+ +UNDER_REVIEW +STANDARD +\d{4}-\d\d-\d\d +\d+ +\d+ +no +rita +- +CN→DE$/,
    );
    const page = JSON.parse(json.stdout);
    expect(page).toEqual({ items: expect.any(Array), cursor: null, evaluatedAt: expect.any(String) });
    expect(
      page.items.find((item: { applicationId: string }) => item.applicationId === queuedId),
    ).toMatchObject({
      status: 'UNDER_REVIEW',
      assignedTo: 'rita',
    });
  });

  it('refuses a bad queue filter with a usage message and exit code 2', async () => {
    const failure = await ops(['queue', '--lane', 'FAST']).catch((error) => error);

    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/^--lane: /);
  });

  it('prints the public statistics, and a rebuild from the audit trails agrees with them', async () => {
    // The stats consumer reads the stream behind the writes: wait until it has applied the case's
    // screening, its last change that moves a counter (a claim moves none, so it writes nothing).
    const store = new DynamoStatsStore();
    await eventually(
      async () =>
        (await store.contribution(queuedId))?.counters['status#UNDER_REVIEW'] === 1 ? true : undefined,
      {
        what: 'the stats consumer to apply the screened case',
      },
    );
    const [table, json, rebuild] = await Promise.all([
      ops(['stats']),
      ops(['stats', '--json']),
      ops(['stats', '--rebuild']),
    ]);

    expect(table.stdout).toMatch(/^STATUS +COUNT\n/);
    expect(table.stdout).toMatch(/\nUNDER_REVIEW +<5\n/);
    expect(table.stdout).toMatch(/\nappeals lodged +<5\n/);
    expect(JSON.parse(json.stdout)).toMatchObject({
      countsByStatus: { UNDER_REVIEW: '<5' },
      withdrawn: '<5',
    });
    expect(rebuild.stdout).toMatch(
      /^rebuilt from the audit trails of \d+ application\(s\): the incremental statistics agree\.\n$/,
    );
  });

  it('lists applications of a status and shows one, as tables and as JSON', async () => {
    const [table, json, shown, shownJson] = await Promise.all([
      ops(['list', '--status', 'UNDER_REVIEW']),
      ops(['list', '--json']),
      ops(['show', queuedId]),
      ops(['show', queuedId, '--json']),
    ]);

    const [heading, ...lines] = table.stdout.trim().split('\n');
    expect(heading).toMatch(
      /^APPLICATION\s+ORG\s+STATUS\s+LANE\s+UPDATED\s+ASSIGNEE\s+WORKING DAYS\s+EXECUTION\s+STATE$/,
    );
    expect(lines.map((line) => line.split(/ +/)[0])).toEqual([queuedId]);
    const ids = JSON.parse(json.stdout).map((row: { applicationId: string }) => row.applicationId);
    expect(ids).toEqual(expect.arrayContaining([draftId, queuedId]));
    expect(shown.stdout).toMatch(new RegExp(`\\napplicationId +${queuedId}\\n`));
    expect(shown.stdout).toMatch(/\naudit chain +valid \(\d+ events\)\n/);
    expect(shown.stdout).toMatch(/\nENTERED +STATE\n/);
    expect(JSON.parse(shownJson.stdout)).toMatchObject({
      application: { applicationId: queuedId, status: 'UNDER_REVIEW', assignedTo: 'rita' },
      audit: { valid: true },
    });
  });

  it('answers an unknown application in one sentence, exit code 1', async () => {
    const failure = await ops(['show', 'app_UNKNOWN']).catch((error) => error);

    expect(failure.code).toBe(1);
    expect(failure.stderr).toBe('There is no application or execution app_UNKNOWN.\n');
  });
});

describe.concurrent('ops CLI: licences', { timeout: TEST_TIMEOUT_MS }, () => {
  it('shows a licence, its usage and its audit check as a table and as the operator view of GET /licences/{number}', async () => {
    const [table, json] = await Promise.all([
      ops(['licence', licenceNumber]),
      ops(['licence', licenceNumber, '--json']),
    ]);

    expect(table.stdout).toMatch(
      new RegExp(`^FIELD +VALUE\\nlicenceNumber +${licenceNumber}\\nstatus +ACTIVE\\nholder +acme\\n`),
    );
    expect(table.stdout).toMatch(/\naudit chain +valid \(2 events\)/);
    expect(table.stdout).toMatch(
      /\nITEM +DESCRIPTION +LICENSED KG +USED KG +REMAINING KG\n0 +.+ +(\d+(\.\d+)?) +12\.5 +\d/,
    );
    expect(table.stdout).toMatch(/\nops-ship-1 +CUS-OPS-1 +\S+Z +\S+Z +#0 12\.5\n/);
    const shown = JSON.parse(json.stdout);
    const viaApi = await e2e.people.otto.get(`/licences/${licenceNumber}`);
    expect(viaApi.status).toBe(200);
    expect(shown.licence).toEqual(viaApi.body);
    expect(shown.licence.goods[0]).toMatchObject({ usedQuantityKg: 12.5 });
    expect(shown.licence.goods[0].remainingQuantityKg).toBe(shown.licence.goods[0].quantityKg - 12.5);
    expect(shown.licence.goods[0]).not.toHaveProperty('valueUsd');
    expect(shown.usages).toMatchObject([
      { usageId: 'ops-ship-1', declarationRef: 'CUS-OPS-1', items: [{ goodsIndex: 0, quantityKg: 12.5 }] },
    ]);
    expect(shown.usages[0].items[0]).not.toHaveProperty('valueUsd');
    expect(shown.audit).toMatchObject({ valid: true, events: 2 });
  });

  it('answers an unknown licence in one sentence, exit code 1', async () => {
    const failure = await ops(['licence', 'LIC-UNKNOWN']).catch((error) => error);

    expect(failure.code).toBe(1);
    expect(failure.stderr).toBe('There is no licence LIC-UNKNOWN.\n');
  });
});
