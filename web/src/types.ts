/**
 * Response types of the REST API, taken from the server's own definitions (zod schemas and views)
 * through type-only imports: nothing of zod reaches the bundle.
 */

export type { Role } from '#domain/access.ts';
export type { Action, Status } from '#domain/applications/lifecycle.ts';
export type { QueueItem } from '#domain/applications/queue.ts';
export type { ApplicationView as Application } from '#domain/applications/views.ts';
export type { ChainVerification } from '#domain/audit.ts';
export type { ExecutionEvent, ExecutionInfo } from '#domain/ports.ts';
export type {
  AuditEvent,
  Details,
  DocumentRecord,
  GoodsItem,
  InformationRequest,
  LegalClock,
  Missing,
} from '#domain/schemas.ts';

export interface Page<T> {
  items: T[];
  cursor: string | null;
}

export interface ErrorDetail {
  path?: string;
  message?: string;
  [key: string]: unknown;
}
