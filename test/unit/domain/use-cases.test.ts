import { describe, expect, it } from 'vitest';
import {
  addDocument,
  applySystemAction,
  auditTrail,
  createApplication,
  decideAction,
  getDocument,
  listApplications,
  performAction,
  verifyAuditTrail,
} from '#domain/applications/use-cases.ts';
import type { DomainConfig } from '#domain/config.ts';
import type { Dependencies } from '#domain/dependencies.ts';
import { VersionConflictError } from '#domain/errors.ts';
import type { ApplicationRepository, BlobStore, ListQuery, Page, StoredApplication } from '#domain/ports.ts';
import type { Application, AuditEvent, DocumentUpload, UserActor } from '#domain/schemas.ts';
import {
  applicant,
  approvedForEndUserIn,
  auditor,
  completeDetails,
  DAY_MS,
  highValueGoods,
  operator,
  reviewer,
  screeningOutcome,
  senior,
  T0,
  testConfig,
} from '../../support/applications.ts';
import { licenceParts } from '../../support/licence-parts.ts';

/** An in-memory repository with the adapter's contract: conditional commits, atomic counters. */
class MemoryRepository implements ApplicationRepository {
  readonly items = new Map<string, StoredApplication>();
  readonly events = new Map<string, AuditEvent[]>();
  readonly counters = new Map<string, number>();
  /** Commits that lose a race before the next real one. */
  racesToLose = 0;

  async get(applicationId: string): Promise<StoredApplication | null> {
    const stored = this.items.get(applicationId);
    return stored ? structuredClone(stored) : null;
  }

  async commit(application: Application, event: AuditEvent, expectedVersion: number | null): Promise<void> {
    const current = this.items.get(application.applicationId);
    const currentVersion = current?.application.version ?? null;
    if (this.racesToLose > 0) {
      this.racesToLose -= 1;
      throw new VersionConflictError((currentVersion ?? 0) + 1);
    }
    if (currentVersion !== expectedVersion) throw new VersionConflictError(currentVersion ?? undefined);
    this.items.set(application.applicationId, {
      application: structuredClone(application),
      workflow: current?.workflow ?? { generation: 1, pendingTask: null },
    });
    this.events.set(application.applicationId, [
      ...(this.events.get(application.applicationId) ?? []),
      event,
    ]);
  }

  async listByOrg(orgId: string, query: ListQuery): Promise<Page<Application>> {
    return this.page(
      [...this.items.values()].filter((stored) => stored.application.orgId === orgId),
      query,
    );
  }

  async approvedForEndUser(key: string, limit: number): Promise<Application[]> {
    return approvedForEndUserIn(
      [...this.items.values()].map((stored) => stored.application),
      key,
      limit,
    );
  }

  async listAll(query: ListQuery & { submittedOnly: boolean }): Promise<Page<Application>> {
    const all = [...this.items.values()];
    return this.page(
      query.submittedOnly ? all.filter((stored) => stored.application.submission) : all,
      query,
    );
  }

  async auditEvents(applicationId: string): Promise<AuditEvent[]> {
    return structuredClone(this.events.get(applicationId) ?? []);
  }

  async nextSequence(counterId: string): Promise<number> {
    const next = (this.counters.get(counterId) ?? 0) + 1;
    this.counters.set(counterId, next);
    return next;
  }

  private page(items: StoredApplication[], query: ListQuery): Page<Application> {
    const statuses = items.filter((stored) => !query.status || stored.application.status === query.status);
    return { items: statuses.slice(0, query.limit).map((stored) => stored.application), cursor: null };
  }
}

class MemoryBlobs implements BlobStore {
  readonly blobs = new Map<string, Uint8Array>();
  async put(key: string, content: Uint8Array): Promise<void> {
    this.blobs.set(key, content);
  }
  async get(key: string): Promise<Uint8Array | null> {
    return this.blobs.get(key) ?? null;
  }
}

interface World extends Dependencies {
  repository: MemoryRepository;
  blobs: MemoryBlobs;
  /** Moves the clock on. */
  advance(ms: number): void;
}

function world(config: DomainConfig = testConfig()): World {
  let now = T0;
  let ids = 0;
  const repository = new MemoryRepository();
  const blobs = new MemoryBlobs();
  return {
    repository,
    blobs,
    config,
    now: () => now,
    newId: (prefix) => `${prefix}_${String(++ids).padStart(4, '0')}`,
    ...licenceParts(),
    advance: (ms) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

const alice = applicant('alice', 'acme');
const meta = { requestId: 'req-test' };
const PDF_BASE64 = Buffer.from('%PDF-1.7\nbody').toString('base64');
const pdfUpload = (type: DocumentUpload['type'] = 'CONTRACT'): DocumentUpload => ({
  type,
  fileName: 'file.pdf',
  contentType: 'application/pdf',
  contentBase64: PDF_BASE64,
});

/** Drafts, documents and submits through the use cases, then clears screening and lets rita claim it. */
async function underReview(deps: World, details = completeDetails()): Promise<string> {
  const { applicationId } = await createApplication(deps, alice, details, meta);
  for (const type of ['CONTRACT', 'END_USER_CERTIFICATE', 'END_USE_STATEMENT'] as const) {
    await addDocument(deps, alice, applicationId, pdfUpload(type), meta);
  }
  await performAction(deps, alice, applicationId, 'complete-details', {}, meta);
  await performAction(
    deps,
    alice,
    applicationId,
    'submit',
    { declaration: { accurate: true, signedBy: 'A' } },
    meta,
  );
  await applySystemAction(
    deps,
    'screen',
    applicationId,
    'screening-cleared',
    screeningOutcome(),
    'req-screen',
  );
  await performAction(deps, reviewer('rita'), applicationId, 'claim', {}, meta);
  return applicationId;
}

describe('createApplication', () => {
  it('commits the new draft and its first event with no expected version', async () => {
    const deps = world();
    const application = await createApplication(deps, alice, { exporter: { name: 'Acme' } }, meta);
    expect(application).toMatchObject({
      applicationId: 'app_0001',
      orgId: 'acme',
      status: 'DRAFT',
      version: 1,
    });
    expect((await deps.repository.get('app_0001'))?.application).toEqual(application);
    expect(await deps.repository.auditEvents('app_0001')).toHaveLength(1);
  });
});

describe('performAction', () => {
  it('commits the next state conditioned on the version it read', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    const { application, event } = await performAction(
      deps,
      alice,
      applicationId,
      'update',
      { exporter: { name: 'Acme Magnets' } },
      meta,
    );
    expect(event?.seq).toBe(2);
    expect((await deps.repository.get(applicationId))?.application).toEqual(application);
  });

  it('answers 404 for an application that does not exist', async () => {
    await expect(performAction(world(), alice, 'app_missing', 'reopen', {}, meta)).rejects.toMatchObject({
      status: 404,
    });
  });

  it('commits nothing for a repeated claim', async () => {
    const deps = world();
    const applicationId = await underReview(deps);
    const before = await deps.repository.auditEvents(applicationId);
    const result = await performAction(deps, reviewer('rita'), applicationId, 'claim', {}, meta);
    expect(result.event).toBeNull();
    expect(await deps.repository.auditEvents(applicationId)).toEqual(before);
  });

  it('allocates a licence number from the counter only for an approval that issues a licence', async () => {
    const deps = world();
    const first = await underReview(deps);
    const second = await underReview(deps);
    const large = await underReview(deps, completeDetails({ goods: highValueGoods() }));
    const approve = { validityMonths: 12, conditions: [] };
    const one = await performAction(deps, reviewer('rita'), first, 'approve', approve, meta);
    const two = await performAction(deps, reviewer('rita'), second, 'approve', approve, meta);
    const pending = await performAction(deps, reviewer('rita'), large, 'approve', approve, meta);
    expect(one.application.licence?.licenceNumber).toBe('EXL-2025-000001');
    expect(two.application.licence?.licenceNumber).toBe('EXL-2025-000002');
    expect(pending.application).toMatchObject({ status: 'PENDING_SIGN_OFF', licence: null });
    expect([...deps.repository.counters]).toEqual([['licence#EXL#2025', 2]]);
    const signedOff = await performAction(deps, senior('sam'), large, 'sign-off', { agree: true }, meta);
    expect(signedOff.application.licence?.licenceNumber).toBe('EXL-2025-000003');
  });

  it('does not allocate a number when the approval is refused', async () => {
    const deps = world();
    const applicationId = await underReview(deps);
    await expect(
      performAction(
        deps,
        reviewer('ralph'),
        applicationId,
        'approve',
        { validityMonths: 1, conditions: [] },
        meta,
      ),
    ).rejects.toMatchObject({ status: 403, code: 'NOT_ASSIGNED' });
    expect(deps.repository.counters.size).toBe(0);
  });

  it('answers 412 to a lost race when If-Match was sent, and 409 VERSION_CONFLICT otherwise', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    deps.repository.racesToLose = 1;
    await expect(
      performAction(
        deps,
        alice,
        applicationId,
        'update',
        { exporter: { name: 'X' } },
        { ...meta, ifMatch: 1 },
      ),
    ).rejects.toMatchObject({ status: 412, code: 'PRECONDITION_FAILED' });
    deps.repository.racesToLose = 1;
    await expect(
      performAction(deps, alice, applicationId, 'update', { exporter: { name: 'X' } }, meta),
    ).rejects.toMatchObject({ status: 409, code: 'VERSION_CONFLICT' });
  });

  it('decides without storing anything: the decided commit stores exactly the result', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    const change = { exporter: { name: 'Acme Magnets' } };
    const { result, commit } = await decideAction(deps, alice, applicationId, 'update', change, meta);
    expect(result.application.version).toBe(2);
    expect((await deps.repository.get(applicationId))?.application.version).toBe(1);
    await commit();
    expect((await deps.repository.get(applicationId))?.application).toEqual(result.application);
    expect((await deps.repository.auditEvents(applicationId)).at(-1)).toEqual(result.event);
  });

  it('answers 412 when If-Match differs from the stored version', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    await expect(
      performAction(deps, alice, applicationId, 'update', {}, { ...meta, ifMatch: 3 }),
    ).rejects.toMatchObject({ status: 412 });
  });
});

describe('applySystemAction', () => {
  it('applies the action as system:<function>', async () => {
    const deps = world();
    const applicationId = await underReview(deps);
    const events = await deps.repository.auditEvents(applicationId);
    expect(events.find((event) => event.action === 'screening-cleared')?.actor).toEqual({
      kind: 'system',
      sub: 'system:screen',
    });
  });

  it('returns the current application without error when the action no longer applies', async () => {
    const deps = world();
    const applicationId = await underReview(deps);
    await performAction(deps, alice, applicationId, 'withdraw', { reason: 'Cancelled.' }, meta);
    const result = await applySystemAction(
      deps,
      'screen',
      applicationId,
      'screening-cleared',
      screeningOutcome(),
      'r',
    );
    expect(result.application.status).toBe('WITHDRAWN');
  });

  it('re-reads and retries after a lost race', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    deps.advance(90 * DAY_MS);
    deps.repository.racesToLose = 2;
    const result = await applySystemAction(deps, 'system-transition', applicationId, 'abandon', {}, 'r');
    expect(result.application.status).toBe('ABANDONED');
  });

  it('gives up after five lost races', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    deps.advance(90 * DAY_MS);
    deps.repository.racesToLose = 5;
    await expect(
      applySystemAction(deps, 'system-transition', applicationId, 'abandon', {}, 'r'),
    ).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('returns when to wake for a timer that fired early, committing nothing', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    const result = await applySystemAction(deps, 'system-transition', applicationId, 'abandon', {}, 'r');
    expect(result.wakeAt).toBe(new Date(T0.getTime() + 90 * DAY_MS).toISOString());
    expect(await deps.repository.auditEvents(applicationId)).toHaveLength(1);
  });
});

describe('listApplications', () => {
  async function threeApplications(deps: World) {
    await createApplication(deps, alice, {}, meta);
    await createApplication(deps, applicant('bob', 'globex'), {}, meta);
    await underReview(deps);
  }

  it('lists only the applicant’s org', async () => {
    const deps = world();
    await threeApplications(deps);
    const page = await listApplications(deps, alice, { limit: 10 });
    expect(page.items.map((application) => application.orgId)).toEqual(['acme', 'acme']);
  });

  it('lists submitted applications only to reviewers', async () => {
    const deps = world();
    await threeApplications(deps);
    expect((await listApplications(deps, reviewer(), { limit: 10 })).items).toHaveLength(1);
    expect((await listApplications(deps, senior(), { limit: 10 })).items).toHaveLength(1);
  });

  it('lists everything to auditors and operators', async () => {
    const deps = world();
    await threeApplications(deps);
    expect((await listApplications(deps, auditor(), { limit: 10 })).items).toHaveLength(3);
    expect((await listApplications(deps, operator(), { limit: 10 })).items).toHaveLength(3);
  });

  it('refuses a caller without an org or authority role with 403', async () => {
    const orgless: UserActor = { kind: 'user', sub: 'x', org: null, roles: ['applicant'] };
    await expect(listApplications(world(), orgless, { limit: 10 })).rejects.toMatchObject({ status: 403 });
  });
});

describe('documents', () => {
  it('stores the content under the application and records its size and hash', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    const record = await addDocument(deps, alice, applicationId, pdfUpload(), meta);
    const content = Buffer.from(PDF_BASE64, 'base64');
    expect(record).toMatchObject({ type: 'CONTRACT', sizeBytes: content.length, uploadedBy: 'alice' });
    expect(deps.blobs.blobs.get(`${applicationId}/${record.documentId}`)).toEqual(content);
    expect((await deps.repository.get(applicationId))?.application.documents).toEqual([record]);
    expect(await getDocument(deps, alice, applicationId, record.documentId)).toEqual({
      document: record,
      content,
    });
  });

  it('stores nothing when the rules refuse the upload', async () => {
    const deps = world();
    const applicationId = await underReview(deps);
    const blobsBefore = deps.blobs.blobs.size;
    await expect(addDocument(deps, alice, applicationId, pdfUpload(), meta)).rejects.toMatchObject({
      status: 409,
    });
    await expect(
      addDocument(deps, applicant('bob', 'globex'), applicationId, pdfUpload(), meta),
    ).rejects.toMatchObject({ status: 404 });
    expect(deps.blobs.blobs.size).toBe(blobsBefore);
  });

  it('stores nothing when the content is not what it claims to be', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    const upload = { ...pdfUpload(), contentBase64: Buffer.from('plain text').toString('base64') };
    await expect(addDocument(deps, alice, applicationId, upload, meta)).rejects.toMatchObject({
      status: 415,
    });
    expect(deps.blobs.blobs.size).toBe(0);
  });

  it('lets reviewers and auditors read content, not operators', async () => {
    const deps = world();
    const applicationId = await underReview(deps);
    const [document] = (await deps.repository.get(applicationId))?.application.documents ?? [];
    if (!document) throw new Error('no document');
    await expect(getDocument(deps, reviewer(), applicationId, document.documentId)).resolves.toHaveProperty(
      'document',
      document,
    );
    await expect(getDocument(deps, auditor(), applicationId, document.documentId)).resolves.toBeDefined();
    await expect(getDocument(deps, operator(), applicationId, document.documentId)).rejects.toMatchObject({
      status: 403,
    });
  });

  it('answers 404 for an unknown document or another org’s application', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    const record = await addDocument(deps, alice, applicationId, pdfUpload(), meta);
    await expect(getDocument(deps, alice, applicationId, 'doc_nope')).rejects.toMatchObject({ status: 404 });
    await expect(
      getDocument(deps, applicant('bob', 'globex'), applicationId, record.documentId),
    ).rejects.toMatchObject({ status: 404 });
    await expect(getDocument(deps, reviewer(), applicationId, record.documentId)).rejects.toMatchObject({
      status: 404,
    });
  });

  it('keeps a removed document out of the application', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    const record = await addDocument(deps, alice, applicationId, pdfUpload(), meta);
    await performAction(
      deps,
      alice,
      applicationId,
      'remove-document',
      { documentId: record.documentId },
      meta,
    );
    await expect(getDocument(deps, alice, applicationId, record.documentId)).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('audit trail use cases', () => {
  it('gives the applicant the redacted trail and the auditor the stored one', async () => {
    const deps = world();
    const applicationId = await underReview(deps);
    const stored = await deps.repository.auditEvents(applicationId);
    expect(await auditTrail(deps, auditor(), applicationId)).toEqual(stored);
    const redacted = await auditTrail(deps, alice, applicationId);
    expect(redacted.at(-1)).toMatchObject({ action: 'claim', actor: { kind: 'user', role: 'reviewer' } });
  });

  it('verifies the chain for auditors and operators only', async () => {
    const deps = world();
    const applicationId = await underReview(deps);
    const stored = await deps.repository.auditEvents(applicationId);
    await expect(verifyAuditTrail(deps, auditor(), applicationId)).resolves.toEqual({
      valid: true,
      events: stored.length,
      headHash: stored.at(-1)?.hash,
    });
    await expect(verifyAuditTrail(deps, operator(), applicationId)).resolves.toMatchObject({ valid: true });
    await expect(verifyAuditTrail(deps, reviewer(), applicationId)).rejects.toMatchObject({ status: 403 });
    await expect(verifyAuditTrail(deps, alice, applicationId)).rejects.toMatchObject({ status: 403 });
  });

  it('never reports tampering when a commit lands between reading the head and the events', async () => {
    const deps = world();
    const { applicationId } = await createApplication(deps, alice, {}, meta);
    const readEvents = deps.repository.auditEvents.bind(deps.repository);
    let writes = 3;
    deps.repository.auditEvents = async (id) => {
      // Another request commits right after the verifier read the head, three times in a row.
      if (writes-- > 0)
        await performAction(deps, alice, id, 'update', { exporter: { name: `X${writes}` } }, meta);
      return readEvents(id);
    };
    await expect(verifyAuditTrail(deps, auditor(), applicationId)).resolves.toMatchObject({ valid: true });
  });

  it('still reports events appended behind a head that did not move', async () => {
    const deps = world();
    const applicationId = await underReview(deps);
    const events = deps.repository.events.get(applicationId) ?? [];
    const last = events.at(-1);
    if (!last) throw new Error('no event');
    events.push({ ...last, seq: last.seq + 1, prevHash: last.hash });
    await expect(verifyAuditTrail(deps, auditor(), applicationId)).resolves.toMatchObject({
      valid: false,
      brokenAt: last.seq + 1,
    });
  });

  it('reports a rewritten stored event', async () => {
    const deps = world();
    const applicationId = await underReview(deps);
    const events = deps.repository.events.get(applicationId) ?? [];
    const second = events[1];
    if (!second) throw new Error('no event');
    events[1] = { ...second, requestId: 'rewritten' };
    await expect(verifyAuditTrail(deps, auditor(), applicationId)).resolves.toMatchObject({
      valid: false,
      brokenAt: 2,
    });
  });
});
