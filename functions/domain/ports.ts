import type { Status } from './applications/lifecycle.ts';
import type { AnchoredHead, AnchoredKind } from './checkpoints.ts';
import type { LicenceStatus } from './licences/lifecycle.ts';
import type { LicenceAuditEvent, LicenceRecord, UsageRecord } from './licences/schemas.ts';
import type { Application, AuditEvent } from './schemas.ts';

/** What the use cases need from the outside world; adapters implement these. */

/** Workflow bookkeeping kept on the application item beside the domain attributes. */
export interface WorkflowMeta {
  generation: number;
  pendingTask: { token: string; state: string; generation: number } | null;
}

export interface StoredApplication {
  application: Application;
  workflow: WorkflowMeta;
}

export interface Page<T> {
  items: T[];
  cursor: string | null;
}

export interface ListQuery {
  status?: Status | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface ApplicationRepository {
  get(applicationId: string): Promise<StoredApplication | null>;
  /**
   * Commits the application and its audit event in one transaction (VersionConflictError on a lost
   * race); with `licences`, those licence changes and their audit events in the same transaction.
   * With `previous` (the version the change was computed from), only what changed is written.
   */
  commit(
    application: Application,
    event: AuditEvent,
    expectedVersion: number | null,
    licences?: readonly LicenceWrite[],
    previous?: Application,
  ): Promise<void>;
  listByOrg(orgId: string, query: ListQuery): Promise<Page<Application>>;
  /** The newest `limit` approved applications whose end user has this `endUserKey`, newest first. */
  approvedForEndUser(endUserKey: string, limit: number): Promise<Application[]>;
  listAll(query: ListQuery & { submittedOnly: boolean }): Promise<Page<Application>>;
  auditEvents(applicationId: string): Promise<AuditEvent[]>;
  /** Next value of an atomic counter. */
  nextSequence(counterId: string): Promise<number>;
}

export interface BlobStore {
  put(key: string, content: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
}

/**
 * What the state machine carries between its states (execution input and every step result): ids,
 * the status and the seconds until the step's timer fires — no personal or commercial data.
 */
export interface WorkflowData {
  applicationId: string;
  /** The generation of the execution this data belongs to (its name is `<applicationId>-<generation>`). */
  generation: number;
  status: Status;
  /** Present (an integer ≥ 1) for DRAFT, END_USER_DOCS and INFORMATION_REQUESTED. */
  timerSeconds?: number;
}

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

export interface ExecutionInfo {
  executionArn: string;
  name: string;
  generation: number;
  status: ExecutionStatus;
  /** The state entered last (the one waiting, while RUNNING). */
  currentState: string | null;
  startDate: string;
  stopDate: string | null;
}

/** One history event without its data: the state it belongs to, never parameters or tokens. */
export interface ExecutionEvent {
  id: number;
  timestamp: string;
  type: string;
  state: string | null;
}

/** The workflow engine (Step Functions) as the handlers and the API use it. */
export interface WorkflowEngine {
  /** Starts execution `<applicationId>-<generation>`; false when that name is already taken. */
  start(data: WorkflowData): Promise<boolean>;
  /** Completes a waiting step; false when its task is already over (timed out, or an unknown token). */
  sendTaskSuccess(token: string, data: WorkflowData): Promise<boolean>;
  /** The execution of this generation, or null when none is known. */
  describe(applicationId: string, generation: number): Promise<ExecutionInfo | null>;
  history(applicationId: string, generation: number): Promise<ExecutionEvent[] | null>;
  /** The task token the execution waits on in `state`, read from its history; null when not waiting there. */
  waitingToken(applicationId: string, generation: number, state: string): Promise<string | null>;
  stop(applicationId: string, generation: number, cause: string): Promise<void>;
}

/** A JSON Web Key Set (RFC 7517) of public keys. */
export interface JsonWebKeySet {
  keys: Record<string, unknown>[];
}

/**
 * The authority's signature (compact JWS, ES256, `kid` = RFC 7638 thumbprint): licences today,
 * any document the authority publishes (e.g. audit checkpoints) with its own `typ`. The payload is
 * signed as its RFC 8785 canonical JSON.
 */
export interface LicenceSigner {
  sign(payload: Record<string, unknown>, typ: string): Promise<string>;
  /** Every key a published signature may carry, retired keys included. */
  jwks(): Promise<JsonWebKeySet>;
}

/**
 * A licence change written in the application's transaction: the licence an approval issues
 * (`expectedVersion` null: it must not exist yet), the licence an approved amendment supersedes,
 * or the licence an amendment opens on (guarded by the version it was computed from).
 */
export interface LicenceWrite {
  licence: LicenceRecord;
  event: LicenceAuditEvent;
  expectedVersion: number | null;
}

export interface LicenceListQuery {
  status?: LicenceStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface LicenceRepository {
  get(licenceNumber: string): Promise<LicenceRecord | null>;
  usage(licenceNumber: string, usageId: string): Promise<UsageRecord | null>;
  /** The usage recorded under this customs declaration, if any. */
  usageByDeclaration(licenceNumber: string, declarationRef: string): Promise<UsageRecord | null>;
  usages(licenceNumber: string): Promise<UsageRecord[]>;
  /**
   * Commits the licence (guarded by `expectedVersion`), its audit event and a new usage record in
   * one transaction; VersionConflictError on a lost race.
   */
  commit(
    licence: LicenceRecord,
    event: LicenceAuditEvent,
    expectedVersion: number,
    usage?: UsageRecord,
  ): Promise<void>;
  listByHolder(orgId: string, query: LicenceListQuery): Promise<Page<LicenceRecord>>;
  listAll(query: LicenceListQuery): Promise<Page<LicenceRecord>>;
  auditEvents(licenceNumber: string): Promise<LicenceAuditEvent[]>;
  /** Licences not yet ended whose `validTo` is at or before `at` (the sparse expiry index). */
  dueForExpiry(at: string, limit: number): Promise<string[]>;
}

/**
 * One expiry timer per licence, named after its number (EventBridge Scheduler on AWS, a scheduler
 * on the shared clock locally). Both calls are idempotent: `schedule` creates or replaces the
 * licence's timer, `cancel` of a timer that is gone (fired, never made) does nothing.
 */
export interface ExpirySchedules {
  schedule(licenceNumber: string, at: Date): Promise<void>;
  cancel(licenceNumber: string): Promise<void>;
}

/** One stored, signed checkpoint: the compact JWS and the leaves it was built over (in tree order). */
export interface StoredCheckpoint {
  number: number;
  jws: string;
  heads: AnchoredHead[];
}

/** Write-once checkpoint storage: S3 with Object Lock on AWS, a folder under LOCAL_DATA_DIR locally. */
export interface CheckpointStore {
  /** The checkpoint with the highest number, or null before the first. */
  latest(): Promise<StoredCheckpoint | null>;
  /** Writes a new checkpoint; refuses (throws) to overwrite an existing number. */
  put(checkpoint: StoredCheckpoint): Promise<void>;
  /** The newest checkpoint whose leaves include this chain, or null when none covers it. */
  latestCovering(kind: AnchoredKind, id: string): Promise<StoredCheckpoint | null>;
}

/**
 * The heads of the chains changed since the previous checkpoint, found without a scan (a sparse
 * index set in the same write as each change); `clear` drops the marks a checkpoint has covered
 * (a mark whose head moved on since it was read stays pending).
 */
export interface PendingHeads {
  pending(): Promise<AnchoredHead[]>;
  clear(heads: readonly AnchoredHead[]): Promise<void>;
}
