import type { Status } from './lifecycle.ts';
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
  /** Commits the application and its audit event in one transaction (VersionConflictError on a lost race). */
  commit(application: Application, event: AuditEvent, expectedVersion: number | null): Promise<void>;
  listByOrg(orgId: string, query: ListQuery): Promise<Page<Application>>;
  listAll(query: ListQuery & { submittedOnly: boolean }): Promise<Page<Application>>;
  auditEvents(applicationId: string): Promise<AuditEvent[]>;
  /** Next value of an atomic counter. */
  nextSequence(counterId: string): Promise<number>;
}

export interface BlobStore {
  put(key: string, content: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
}
