/**
 * Response types of the REST API, taken from the server's own definitions (zod schemas and views)
 * through type-only imports: nothing of zod reaches the bundle.
 */

import type * as z from 'zod/mini';
import type {
  JwksSchema,
  LicenceVerificationSchema,
  LicenceViewSchema,
  UsageListSchema,
} from '#handlers/api/responses.ts';

export type { Role } from '#domain/access.ts';
export type { Action, Status } from '#domain/applications/lifecycle.ts';
export type { QueueItem } from '#domain/applications/queue.ts';
export type { ApplicationView as Application } from '#domain/applications/views.ts';
export type { ChainVerification } from '#domain/audit.ts';
export type { DomainEvent } from '#domain/events.ts';
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

/** Licences, usage and the public verification: the handlers' response schemas, as types only. */
type Infer<T extends z.ZodMiniType> = z.infer<T>;
export type Licence = Infer<typeof LicenceViewSchema>;
export type UsageRecord = Infer<typeof UsageListSchema>['items'][number];
export type Verification = Infer<typeof LicenceVerificationSchema>;
export type Jwks = Infer<typeof JwksSchema>;
export type { LicenceAction, LicenceStatus } from '#domain/licences/lifecycle.ts';

export interface Page<T> {
  items: T[];
  cursor: string | null;
}

export interface ErrorDetail {
  path?: string;
  message?: string;
  [key: string]: unknown;
}
