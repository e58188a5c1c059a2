import { type ExecutionListItem, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { type ApiResponse, completeDetails, PDF_BASE64, REQUIRED_DOCUMENTS } from '../support/api.ts';
import { eventually, statusReached, useWorkflowStack } from '../support/stack.ts';
import { ledger, SOAK, size } from './ledger.ts';
import {
  type Answer,
  isOpen,
  MODEL_ACTIONS,
  type Model,
  type ModelAction,
  newModel,
  PEOPLE,
  type Person,
  random,
  step,
} from './model.ts';
import {
  ACTION_BODIES,
  countedPeople,
  expectIntact,
  HIGH_VALUE,
  type People,
  people,
  UPLOAD,
} from './support.ts';

/**
 * Model-based soak on the full local stack (DynamoDB Local, the local Step Functions endpoint running
 * the real state machine, the stream relay): a seeded random driver takes applications through
 * random valid and invalid action sequences by many actors and compares every answer with the
 * independent model (test/reliability/model.ts). At the end every invariant holds for every
 * application: status as modelled, chain intact, one live execution for an open application and none
 * for a closed one, licence numbers unique.
 */
const SEED = Number(process.env.RELIABILITY_SEED ?? 13);
const APPLICATIONS = Number(process.env.RELIABILITY_APPLICATIONS ?? size(6, 1_000));
const STEPS = size(14, 24);
const CONCURRENCY = size(4, 12);
/** A thousand applications take tens of minutes on a shared 2-core machine. */
const SOAK_TIMEOUT_MS = size(600_000, 3 * 3_600_000);

const fixture = useWorkflowStack('soak');
const figures = ledger('soak');
afterAll(() => figures.flush());

interface Driven {
  id: string;
  model: Model;
  mismatches: string[];
}

function request(
  p: People,
  who: Person,
  action: ModelAction,
  id: string,
  documentId: string,
  badBody: boolean,
  to: Person,
): Promise<ApiResponse> {
  const caller = p[who];
  const body = (valid: unknown) => (badBody ? { 'x-not-a-field': 1 } : valid);
  switch (action) {
    case 'update':
      return caller.patch(`/applications/${id}`, body(ACTION_BODIES.update));
    case 'add-document':
      return caller.post(`/applications/${id}/documents`, body(UPLOAD));
    case 'remove-document':
      return caller.delete(`/applications/${id}/documents/${documentId}`);
    default: {
      return caller.post(
        `/applications/${id}/actions/${action}`,
        body(action === 'reassign' ? { to } : (ACTION_BODIES[action] ?? {})),
      );
    }
  }
}

const matches = (response: ApiResponse, expected: Answer) =>
  response.status === expected.status &&
  (expected.code === undefined || response.body?.error?.code === expected.code);

async function drive(p: People, index: number): Promise<Driven> {
  const rng = random(SEED * 100_003 + index);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
  const highValue = rng() < 0.35;
  const created = await p.alice.post('/applications', highValue ? HIGH_VALUE : completeDetails());
  const id: string = created.body.applicationId;
  for (const type of REQUIRED_DOCUMENTS) {
    await p.alice.post(`/applications/${id}/documents`, {
      type,
      fileName: `${type}.pdf`,
      contentType: 'application/pdf',
      contentBase64: PDF_BASE64,
    });
  }
  let model = newModel(highValue);
  const extras: string[] = [];
  const mismatches: string[] = [];
  for (let stepNo = 0; stepNo < STEPS && isOpen(model) && mismatches.length === 0; stepNo += 1) {
    const to = pick(['rita', 'ravi', 'sam', 'sara'] as const);
    const options = { badBody: rng() < 0.05, reassignTo: to };
    const moves = MODEL_ACTIONS.flatMap((action) => PEOPLE.map((who) => ({ action, who })))
      .filter(({ action }) => action !== 'remove-document' || extras.length > 0)
      .map((move) => ({
        ...move,
        ...step(model, move.action, move.who, { badBody: false, reassignTo: to }),
      }));
    const valid = moves.filter(({ answer }) => answer.status < 300);
    const move = rng() < 0.6 && valid.length > 0 ? pick(valid) : pick(moves);
    const predicted = step(model, move.action, move.who, options);
    const documentId = extras.at(-1) ?? 'doc_00000000000000000000000000';
    const response = await request(p, move.who, move.action, id, documentId, options.badBody, to);
    figures.add('invariantsChecked');
    if (!matches(response, predicted.answer)) {
      figures.add('violations');
      mismatches.push(
        `${id} step ${stepNo}: ${move.action} by ${move.who} in ${model.status} (assigned ${model.assignedTo}, recommended by ${model.recommendedBy}): model ${JSON.stringify(predicted.answer)}, API ${response.status} ${JSON.stringify(response.body?.error ?? response.body?.status)}`,
      );
      break;
    }
    if (move.action === 'add-document' && response.status === 201) extras.push(response.body.documentId);
    if (move.action === 'remove-document' && response.status === 200) extras.pop();
    model = predicted.next;
    if (move.action === 'submit' && response.status === 200)
      await statusReached(p.audrey, id, 'UNDER_REVIEW', 30_000);
  }
  figures.add('applicationsSoaked');
  return { id, model, mismatches };
}

async function runningExecutions(): Promise<ExecutionListItem[]> {
  const client = new SFNClient({});
  const items: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListExecutionsCommand({
        stateMachineArn: process.env.STATE_MACHINE_ARN,
        statusFilter: 'RUNNING',
        maxResults: 1000,
        nextToken,
      }),
    );
    items.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

describe(`model-based soak (seed ${SEED}, ${APPLICATIONS} applications${SOAK ? ', soak' : ''})`, () => {
  it(
    'agrees with the model on every answer and keeps every invariant',
    async () => {
      const base = await people(fixture.stack, `soak-${Date.now()}`);
      const p = countedPeople(base, figures);
      const driven: Driven[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < APPLICATIONS) {
            const index = next++;
            driven.push(await drive(p, index));
          }
        }),
      );
      expect(driven.flatMap((d) => d.mismatches).slice(0, 10)).toEqual([]);

      // End invariants, application by application.
      const licences: string[] = [];
      for (const { id, model } of driven) {
        const { status, body } = await expectIntact(p, id, figures);
        expect(figures.check(status === model.status), `${id}: status ${status}, model ${model.status}`).toBe(
          true,
        );
        const licence = body.licence as { licenceNumber?: string } | null;
        if (licence?.licenceNumber) licences.push(licence.licenceNumber);
      }
      expect(figures.check(new Set(licences).size === licences.length), 'licence numbers unique').toBe(true);

      // One live execution for each open application, none for a closed one (the relay ends them).
      const ids = new Set(driven.map((d) => d.id));
      const expectedLive = new Map(driven.map((d) => [d.id, isOpen(d.model) ? 1 : 0]));
      const live = await eventually(
        async () => {
          const counts = new Map<string, number>();
          for (const execution of await runningExecutions()) {
            const applicationId = execution.name?.replace(/-\d+$/, '') ?? '';
            if (ids.has(applicationId)) counts.set(applicationId, (counts.get(applicationId) ?? 0) + 1);
          }
          const settled = [...expectedLive].every(([id, count]) => (counts.get(id) ?? 0) === count);
          return settled ? counts : undefined;
        },
        {
          timeoutMs: 60_000,
          intervalMs: 500,
          what: 'one running execution per open application and none per closed one',
        },
      ).catch(() => undefined);
      expect(figures.check(live !== undefined), 'live executions').toBe(true);
      figures.add('invariantsChecked', expectedLive.size - 1);
    },
    SOAK_TIMEOUT_MS,
  );
});
