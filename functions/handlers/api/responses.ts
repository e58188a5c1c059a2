import { QUEUE_STATUSES } from '../../domain/applications/queue.ts';
import { LICENCE_ACTIONS } from '../../domain/licences/lifecycle.ts';
import {
  LicenceAuditEventSchema,
  LicenceRecordSchema,
  LicenceStatusSchema,
  UsageRecordSchema,
} from '../../domain/licences/schemas.ts';
import {
  ActorSchema,
  AuditEventSchema,
  DocumentRecordSchema,
  FlagSchema,
  LaneSchema,
} from '../../domain/schemas.ts';
import * as z from '../../domain/zod.ts';

/**
 * The zod schemas of the API's own responses (those not in the domain), named in the route table
 * (routes.ts) and documented by openapi.ts.
 */

/** Every error code the API answers, with its status (API.md "Errors"). */
export const ERROR_STATUS: Record<string, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_ASSIGNED: 403,
  SEPARATION_OF_DUTIES: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INVALID_TRANSITION: 409,
  ALREADY_ASSIGNED: 409,
  VERSION_CONFLICT: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INCOMPLETE: 422,
  EXCEEDS_LICENCE: 422,
  USAGE_ID_REUSED: 422,
  OUTSIDE_VALIDITY: 422,
  LICENCE_NOT_ACTIVE: 409,
  AMENDMENT_OPEN: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  THROTTLED: 429,
  INTERNAL: 500,
};

export const ErrorResponseSchema = z.deferred(() =>
  z
    .strictObject({
      error: z.strictObject({
        code: z.enum(Object.keys(ERROR_STATUS) as [string, ...string[]]),
        message: z.string(),
        details: z.array(z.record(z.string(), z.unknown())),
      }),
    })
    .check(z.meta({ id: 'Error' })),
);

export const HealthSchema = z.deferred(() => z.strictObject({ status: z.literal('ok') }));
export const OpenApiDocumentSchema = z.deferred(() => z.record(z.string(), z.unknown()));
/** `GET /stats` (API.md "Statistics"): figures, or "<5" where a count is suppressed. */
export const PublicStatsSchema = z.deferred(() => z.record(z.string(), z.unknown()));
/** A page of `item`s, built on first use (the route table names pages at import). */
export const pageOf = <T extends z.ZodMiniType>(item: T) =>
  z.deferred(() => z.strictObject({ items: z.array(item), cursor: z.nullable(z.string()) }));
export const DocumentContentSchema = z.deferred(() =>
  z.strictObject({
    document: DocumentRecordSchema,
    contentBase64: z.string(),
  }),
);
/** Applicants see authority actors by role and system actors without their name. */
const AuditActorViewSchema = z.deferred(() =>
  z.union([
    ActorSchema,
    z.strictObject({ kind: z.literal('user'), role: z.string() }),
    z.strictObject({ kind: z.literal('system') }),
  ]),
);
export const AuditTrailSchema = z.deferred(() =>
  z.strictObject({
    items: z.array(z.extend(AuditEventSchema, { actor: AuditActorViewSchema })),
  }),
);
/** The checkpoint covering a chain (present once one has): RFC 9162 inclusion proof to its signed root. */
const AnchorFields = {
  anchoredAt: z.deferred(() => z.optional(z.string())),
  anchoredSeq: z.deferred(() => z.optional(z.number().check(z.int()))),
  checkpoint: z.deferred(() => z.optional(z.number().check(z.int()))),
  inclusionProof: z.deferred(() =>
    z.optional(
      z
        .strictObject({
          leafIndex: z.number().check(z.int()),
          treeSize: z.number().check(z.int()),
          root: z.string(),
          leafHash: z.string(),
          proof: z.array(z.string()),
          jws: z.string(),
        })
        .check(z.meta({ id: 'InclusionProof' })),
    ),
  ),
};
export const ChainVerificationSchema = z.deferred(() =>
  z.union([
    z.strictObject({
      valid: z.literal(true),
      events: z.number().check(z.int()),
      headHash: z.string(),
      ...AnchorFields,
    }),
    z.strictObject({
      valid: z.literal(false),
      brokenAt: z.number().check(z.int()),
      reason: z.string(),
      ...AnchorFields,
    }),
  ]),
);
export const ExecutionSchema = z.deferred(() =>
  z.strictObject({
    executionArn: z.string(),
    name: z.string(),
    generation: z.number().check(z.int()),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
    currentState: z.nullable(z.string()),
    startDate: z.string(),
    stopDate: z.nullable(z.string()),
  }),
);
export const ExecutionHistorySchema = z.deferred(() =>
  z.strictObject({
    events: z.array(
      z.strictObject({
        id: z.number().check(z.int()),
        timestamp: z.string(),
        type: z.string(),
        state: z.nullable(z.string()),
      }),
    ),
  }),
);
/** `POST /ops/reconcile`: what one reconciler run checked and repaired, and the overdue licences it expired. */
export const ReconcileSummarySchema = z.deferred(() =>
  z.strictObject({
    checked: z.number().check(z.int()),
    started: z.number().check(z.int()),
    woken: z.number().check(z.int()),
    repaired: z.array(z.strictObject({ applicationId: z.string(), repair: z.enum(['started', 'woken']) })),
    licencesExpired: z.array(z.string()),
  }),
);
export const QueuePageSchema = z.deferred(() =>
  z.strictObject({
    items: z.array(
      z.strictObject({
        applicationId: z.string(),
        status: z.enum(QUEUE_STATUSES),
        lane: z.nullable(LaneSchema),
        dueAt: z.nullable(z.string()),
        nearDue: z.boolean(),
        workingDaysElapsed: z.number().check(z.int()),
        workingDaysLeft: z.number().check(z.int()),
        paused: z.boolean(),
        assignedTo: z.nullable(z.string()),
        flags: z.array(FlagSchema),
        exporterCountry: z.nullable(z.string()),
        endUserCountry: z.nullable(z.string()),
      }),
    ),
    cursor: z.nullable(z.string()),
    evaluatedAt: z.string(),
  }),
);

// --- Licences (API.md "Licence"): kg and USD as decimals; values only for those who see them ---

const decimal = z.deferred(() => z.number().check(z.nonnegative()));
const LicenceGoodsViewSchema = z.deferred(() =>
  z.strictObject({
    description: z.optional(z.string()),
    element: z.optional(z.string()),
    form: z.optional(z.string()),
    controlCode: z.optional(z.string()),
    quantityKg: decimal,
    usedQuantityKg: decimal,
    remainingQuantityKg: decimal,
    valueUsd: z.optional(decimal),
    usedValueUsd: z.optional(decimal),
    remainingValueUsd: z.optional(decimal),
  }),
);
export const LicenceViewSchema = z.deferred(() =>
  z
    .extend(
      z.omit(LicenceRecordSchema, {
        goods: true,
        auditHeadHash: true,
        verificationCode: true,
        usageCount: true,
      }),
      {
        goods: z.array(LicenceGoodsViewSchema),
        allowedActions: z.array(z.enum(LICENCE_ACTIONS)),
        verificationCode: z.optional(z.string()),
      },
    )
    .check(z.meta({ id: 'Licence' })),
);
export const UsageListSchema = z.deferred(() =>
  z.strictObject({
    items: z.array(
      z.extend(z.omit(UsageRecordSchema, { items: true }), {
        items: z.array(
          z.strictObject({
            goodsIndex: z.number().check(z.int()),
            quantityKg: decimal,
            valueUsd: z.optional(decimal),
          }),
        ),
      }),
    ),
  }),
);
export const LicenceAuditTrailSchema = z.deferred(() =>
  z.strictObject({
    items: z.array(z.extend(LicenceAuditEventSchema, { actor: AuditActorViewSchema })),
  }),
);
const VerifiedPartySchema = z.deferred(() =>
  z.strictObject({ name: z.optional(z.string()), country: z.optional(z.string()) }),
);
export const LicenceVerificationSchema = z.deferred(() =>
  z.strictObject({
    licenceNumber: z.string(),
    status: LicenceStatusSchema,
    validFrom: z.string(),
    validTo: z.string(),
    checkedAt: z.string(),
    exporter: z.optional(VerifiedPartySchema),
    consignee: z.optional(VerifiedPartySchema),
    endUser: z.optional(VerifiedPartySchema),
    goods: z.optional(
      z.array(
        z.strictObject({
          element: z.optional(z.string()),
          form: z.optional(z.string()),
          controlCode: z.optional(z.string()),
          quantityKg: decimal,
          /** null for TECHNOLOGY, which is limited by value only. */
          remainingQuantityKg: z.nullable(decimal),
        }),
      ),
    ),
    signed: z.optional(z.nullable(z.string())),
  }),
);
export const JwksSchema = z.deferred(() =>
  z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())) }),
);
