import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dependencies } from '#domain/dependencies.ts';
import { VersionConflictError } from '#domain/errors.ts';
import type { ApplicationRepository, ListQuery, Page, StoredApplication } from '#domain/ports.ts';
import type { Application, AuditEvent } from '#domain/schemas.ts';
import { loadDeniedPartyList, screen } from '#handlers/screen.ts';
import { systemTransition } from '#handlers/system-transition.ts';
import {
  type ApplicationFlow,
  applicationIn,
  approvedForEndUserIn,
  DAY_MS,
  testConfig,
} from '../../support/applications.ts';
import { licenceParts } from '../../support/licence-parts.ts';

const PARTS = licenceParts();

/** screen and system-transition over an in-memory repository: the domain decides, they commit. */
class MemoryRepository implements ApplicationRepository {
  readonly applications = new Map<string, Application>();
  readonly events: AuditEvent[] = [];

  add(...applications: Application[]): this {
    for (const application of applications) this.applications.set(application.applicationId, application);
    return this;
  }
  async get(applicationId: string): Promise<StoredApplication | null> {
    const application = this.applications.get(applicationId);
    return application ? { application, workflow: { generation: 1, pendingTask: null } } : null;
  }
  async commit(application: Application, event: AuditEvent, expectedVersion: number | null): Promise<void> {
    const current = this.applications.get(application.applicationId);
    if ((current?.version ?? null) !== expectedVersion) throw new VersionConflictError(current?.version);
    this.applications.set(application.applicationId, application);
    this.events.push(event);
  }
  async listByOrg(orgId: string, query: ListQuery): Promise<Page<Application>> {
    const items = [...this.applications.values()].filter(
      (application) => application.orgId === orgId && (!query.status || application.status === query.status),
    );
    return { items, cursor: null };
  }
  async approvedForEndUser(key: string, limit: number): Promise<Application[]> {
    return approvedForEndUserIn(this.applications.values(), key, limit);
  }
  listAll(): Promise<Page<Application>> {
    throw new Error('not used');
  }
  auditEvents(): Promise<AuditEvent[]> {
    throw new Error('not used');
  }
  nextSequence(): Promise<number> {
    throw new Error('not used');
  }
}

const config = testConfig();
function depsAt(flow: ApplicationFlow, repository: MemoryRepository, advanceMs = 60_000): Dependencies {
  const now = new Date(flow.now.getTime() + advanceMs);
  return {
    repository,
    blobs: { put: () => Promise.reject(new Error('no blobs')), get: () => Promise.resolve(null) },
    config,
    now: () => now,
    newId: (prefix) => `${prefix}_test`,
    ...PARTS,
  };
}

let tempDir: string | undefined;
afterEach(async () => {
  delete process.env.DENIED_PARTY_LIST_FILE;
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
  tempDir = undefined;
});

describe('screen', () => {
  it('screens a submitted application as system:screen and answers the step result', async () => {
    const flow = applicationIn('SUBMITTED');
    const repository = new MemoryRepository().add(flow.application);
    const id = flow.application.applicationId;
    const result = await screen(depsAt(flow, repository), { applicationId: id, generation: 4 }, 'req-1');

    expect(result).toEqual({ applicationId: id, generation: 4, status: 'UNDER_REVIEW' });
    expect(repository.events).toHaveLength(1);
    expect(repository.events[0]).toMatchObject({
      action: 'screening-cleared',
      actor: { kind: 'system', sub: 'system:screen' },
      requestId: 'req-1',
      changes: { screening: { listVersion: (await loadDeniedPartyList()).version } },
    });
  });

  it('answers the current status without screening again (a retry, or a withdrawal meanwhile)', async () => {
    const review = applicationIn('UNDER_REVIEW');
    const withdrawn = applicationIn('WITHDRAWN', { withdrawnFrom: 'SUBMITTED' });
    const repository = new MemoryRepository().add(review.application, withdrawn.application);
    const deps = depsAt(review, repository);
    const of = (flow: ApplicationFlow) => ({ applicationId: flow.application.applicationId, generation: 1 });
    expect((await screen(deps, of(review), 'r')).status).toBe('UNDER_REVIEW');
    expect((await screen(deps, of(withdrawn), 'r')).status).toBe('WITHDRAWN');
    expect(repository.events).toEqual([]);
  });

  it('puts a repeat end user in the EXPEDITED lane when the org had it approved within 12 months', async () => {
    const approved = applicationIn('APPROVED');
    const flow = applicationIn('SUBMITTED', { start: new Date(approved.now.getTime() + 30 * DAY_MS) });
    const repository = new MemoryRepository().add(approved.application, flow.application);
    const id = flow.application.applicationId;
    await screen(depsAt(flow, repository), { applicationId: id, generation: 1 }, 'r');
    expect(repository.applications.get(id)?.lane?.name).toBe('EXPEDITED');
  });

  it('fails, changing nothing, when the denied-party list cannot be read', async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'screen-'));
    process.env.DENIED_PARTY_LIST_FILE = join(tempDir, 'list.json');
    await writeFile(process.env.DENIED_PARTY_LIST_FILE, JSON.stringify({ version: 'x', parties: [] }));
    const flow = applicationIn('SUBMITTED');
    const repository = new MemoryRepository().add(flow.application);
    const payload = { applicationId: flow.application.applicationId, generation: 1 };
    await expect(screen(depsAt(flow, repository), payload, 'r')).rejects.toThrow();
    expect(repository.events).toEqual([]);
  });

  it('validates the bundled list of fictional denied parties', async () => {
    const list = await loadDeniedPartyList({});
    expect(list.parties.length).toBeGreaterThan(0);
    expect(list.parties.every((party) => party.source.includes('Fictional'))).toBe(true);
  });
});

describe('system-transition', () => {
  it('answers a draft timer that fired early with the remaining seconds, changing nothing', async () => {
    const flow = applicationIn('DRAFT');
    const repository = new MemoryRepository().add(flow.application);
    const id = flow.application.applicationId;
    const deps = depsAt(flow, repository, 30 * DAY_MS);
    const result = await systemTransition(deps, { applicationId: id, generation: 1, action: 'abandon' }, 'r');
    const due = Date.parse(flow.application.lastActivityAt) + 90 * DAY_MS;
    expect(result).toEqual({
      applicationId: id,
      generation: 1,
      status: 'DRAFT',
      timerSeconds: Math.ceil((due - deps.now().getTime()) / 1000),
    });
    expect(repository.events).toEqual([]);
  });

  it('abandons a draft 90 days after its last activity, as system:system-transition', async () => {
    const flow = applicationIn('END_USER_DOCS');
    const repository = new MemoryRepository().add(flow.application);
    const id = flow.application.applicationId;
    const deps = depsAt(flow, repository, 90 * DAY_MS);
    const result = await systemTransition(deps, { applicationId: id, generation: 1, action: 'abandon' }, 'r');
    expect(result).toEqual({ applicationId: id, generation: 1, status: 'ABANDONED' });
    expect(repository.events[0]?.actor).toEqual({ kind: 'system', sub: 'system:system-transition' });
  });

  it('returns an overdue request to review, and a failed screening to an enhanced review', async () => {
    const rfi = applicationIn('INFORMATION_REQUESTED');
    const submitted = applicationIn('SUBMITTED');
    const repository = new MemoryRepository().add(rfi.application, submitted.application);
    const deps = depsAt(rfi, repository, 30 * DAY_MS);
    const overdue = {
      applicationId: rfi.application.applicationId,
      generation: 1,
      action: 'information-overdue' as const,
    };
    const failed = {
      applicationId: submitted.application.applicationId,
      generation: 1,
      action: 'screening-failed' as const,
    };
    expect((await systemTransition(deps, overdue, 'r')).status).toBe('UNDER_REVIEW');
    expect((await systemTransition(deps, failed, 'r')).status).toBe('UNDER_REVIEW');
    expect(repository.applications.get(submitted.application.applicationId)?.lane?.name).toBe('ENHANCED');
    expect(repository.events.map((event) => event.reasons)).toEqual([['RFI_OVERDUE'], ['SCREENING_ERROR']]);
  });

  it('answers the current status when the action no longer applies', async () => {
    const flow = applicationIn('WITHDRAWN', { withdrawnFrom: 'DRAFT' });
    const repository = new MemoryRepository().add(flow.application);
    const payload = {
      applicationId: flow.application.applicationId,
      generation: 1,
      action: 'abandon' as const,
    };
    const result = await systemTransition(depsAt(flow, repository, 100 * DAY_MS), payload, 'r');
    expect(result.status).toBe('WITHDRAWN');
    expect(repository.events).toEqual([]);
  });
});
