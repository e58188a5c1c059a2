import * as z from 'zod';
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

export const ErrorResponseSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(Object.keys(ERROR_STATUS) as [string, ...string[]]),
      message: z.string(),
      details: z.array(z.record(z.string(), z.unknown())),
    }),
  })
  .meta({ id: 'Error' });

export const HealthSchema = z.strictObject({ status: z.literal('ok') });
export const OpenApiDocumentSchema = z.record(z.string(), z.unknown());
/** `GET /stats` (API.md "Statistics"): figures, or "<5" where a count is suppressed. */
export const PublicStatsSchema = z.record(z.string(), z.unknown());
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item), cursor: z.string().nullable() });
export const DocumentContentSchema = z.strictObject({
  document: DocumentRecordSchema,
  contentBase64: z.string(),
});
/** Applicants see authority actors by role and system actors without their name. */
const AuditActorViewSchema = z.union([
  ActorSchema,
  z.strictObject({ kind: z.literal('user'), role: z.string() }),
  z.strictObject({ kind: z.literal('system') }),
]);
export const AuditTrailSchema = z.strictObject({
  items: z.array(AuditEventSchema.extend({ actor: AuditActorViewSchema })),
});
/** The checkpoint covering a chain (present once one has): RFC 9162 inclusion proof to its signed root. */
const AnchorFields = {
  anchoredAt: z.string().optional(),
  anchoredSeq: z.number().int().optional(),
  checkpoint: z.number().int().optional(),
  inclusionProof: z
    .strictObject({
      leafIndex: z.number().int(),
      treeSize: z.number().int(),
      root: z.string(),
      leafHash: z.string(),
      proof: z.array(z.string()),
      jws: z.string(),
    })
    .meta({ id: 'InclusionProof' })
    .optional(),
};
export const ChainVerificationSchema = z.union([
  z.strictObject({ valid: z.literal(true), events: z.number().int(), headHash: z.string(), ...AnchorFields }),
  z.strictObject({
    valid: z.literal(false),
    brokenAt: z.number().int(),
    reason: z.string(),
    ...AnchorFields,
  }),
]);
export const ExecutionSchema = z.strictObject({
  executionArn: z.string(),
  name: z.string(),
  generation: z.number().int(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
  currentState: z.string().nullable(),
  startDate: z.string(),
  stopDate: z.string().nullable(),
});
export const ExecutionHistorySchema = z.strictObject({
  events: z.array(
    z.strictObject({
      id: z.number().int(),
      timestamp: z.string(),
      type: z.string(),
      state: z.string().nullable(),
    }),
  ),
});
/** `POST /ops/reconcile`: what one reconciler run checked and repaired, and the overdue licences it expired. */
export const ReconcileSummarySchema = z.strictObject({
  checked: z.number().int(),
  started: z.number().int(),
  woken: z.number().int(),
  repaired: z.array(z.strictObject({ applicationId: z.string(), repair: z.enum(['started', 'woken']) })),
  licencesExpired: z.array(z.string()),
});
export const QueuePageSchema = z.strictObject({
  items: z.array(
    z.strictObject({
      applicationId: z.string(),
      status: z.enum(QUEUE_STATUSES),
      lane: LaneSchema.nullable(),
      dueAt: z.string().nullable(),
      nearDue: z.boolean(),
      workingDaysElapsed: z.number().int(),
      workingDaysLeft: z.number().int(),
      paused: z.boolean(),
      assignedTo: z.string().nullable(),
      flags: z.array(FlagSchema),
      exporterCountry: z.string().nullable(),
      endUserCountry: z.string().nullable(),
    }),
  ),
  cursor: z.string().nullable(),
  evaluatedAt: z.string(),
});

// --- Licences (API.md "Licence"): kg and USD as decimals; values only for those who see them ---

const decimal = z.number().nonnegative();
const LicenceGoodsViewSchema = z.strictObject({
  description: z.string().optional(),
  element: z.string().optional(),
  form: z.string().optional(),
  controlCode: z.string().optional(),
  quantityKg: decimal,
  usedQuantityKg: decimal,
  remainingQuantityKg: decimal,
  valueUsd: decimal.optional(),
  usedValueUsd: decimal.optional(),
  remainingValueUsd: decimal.optional(),
});
export const LicenceViewSchema = LicenceRecordSchema.omit({
  goods: true,
  auditHeadHash: true,
  verificationCode: true,
  usageCount: true,
})
  .extend({
    goods: z.array(LicenceGoodsViewSchema),
    allowedActions: z.array(z.enum(LICENCE_ACTIONS)),
    verificationCode: z.string().optional(),
  })
  .meta({ id: 'Licence' });
export const UsageListSchema = z.strictObject({
  items: z.array(
    UsageRecordSchema.omit({ items: true }).extend({
      items: z.array(
        z.strictObject({ goodsIndex: z.number().int(), quantityKg: decimal, valueUsd: decimal.optional() }),
      ),
    }),
  ),
});
export const LicenceAuditTrailSchema = z.strictObject({
  items: z.array(LicenceAuditEventSchema.extend({ actor: AuditActorViewSchema })),
});
const VerifiedPartySchema = z.strictObject({ name: z.string().optional(), country: z.string().optional() });
export const LicenceVerificationSchema = z.strictObject({
  licenceNumber: z.string(),
  status: LicenceStatusSchema,
  validFrom: z.string(),
  validTo: z.string(),
  checkedAt: z.string(),
  exporter: VerifiedPartySchema.optional(),
  consignee: VerifiedPartySchema.optional(),
  endUser: VerifiedPartySchema.optional(),
  goods: z
    .array(
      z.strictObject({
        element: z.string().optional(),
        form: z.string().optional(),
        controlCode: z.string().optional(),
        quantityKg: decimal,
        /** null for TECHNOLOGY, which is limited by value only. */
        remainingQuantityKg: decimal.nullable(),
      }),
    )
    .optional(),
  signed: z.string().nullable().optional(),
});
export const JwksSchema = z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())) });
