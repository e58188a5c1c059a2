import * as z from 'zod';
import { LICENCE_REASONS } from '../codes.ts';
import {
  AuditEventSchema,
  ELEMENTS,
  EndUserSchema,
  ExporterSchema,
  FORMS,
  isoDateTime,
  LIMITS,
  LicenceSchema,
  note,
  PartySchema,
  text,
} from '../schemas.ts';
import { LICENCE_ACTIONS, LICENCE_STATUSES } from './lifecycle.ts';

export { LICENCE_REASONS };

/**
 * The licence aggregate's shapes. Amounts are stored as integers (grams and cents) so that "used
 * up" is exact; requests and responses carry kg and USD as decimals.
 */
export const LicenceStatusSchema = z.enum(LICENCE_STATUSES);
export const LicenceActionSchema = z.enum(LICENCE_ACTIONS);

export type LicenceReason = (typeof LICENCE_REASONS)[number];

const decimals = (places: number) => (value: number) => {
  const [, fraction = ''] = String(value).split('.');
  return /^\d+(\.\d+)?$/.test(String(value)) && fraction.length <= places;
};
/** kg with at most 3 decimals (whole grams). */
export const quantityKg = z
  .number()
  .nonnegative()
  .max(1e9)
  .refine(decimals(3), 'at most 3 decimals (whole grams)');
/** USD with at most 2 decimals (whole cents). */
export const valueUsd = z
  .number()
  .nonnegative()
  .max(1e12)
  .refine(decimals(2), 'at most 2 decimals (whole cents)');

const distinct = <T>(items: readonly T[]) => new Set(items).size === items.length;
const reasons = z
  .array(z.enum(LICENCE_REASONS))
  .min(1)
  .max(LICENCE_REASONS.length)
  .refine(distinct, 'reasons must not repeat');

export const USAGE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export const LicenceActionBodySchemas = {
  'record-usage': z.strictObject({
    usageId: z.string().regex(USAGE_ID_PATTERN, 'letters, digits, "_", ".", ":", "-"; at most 128'),
    shippedAt: isoDateTime,
    declarationRef: text(64),
    items: z
      .array(
        z.strictObject({
          goodsIndex: z
            .number()
            .int()
            .nonnegative()
            .max(LIMITS.goods - 1),
          quantityKg,
          valueUsd,
        }),
      )
      .min(1)
      .max(LIMITS.goods)
      .refine((items) => distinct(items.map((item) => item.goodsIndex)), 'each goods item at most once'),
  }),
  suspend: z.strictObject({ reasons, note: note.optional() }),
  reinstate: z.strictObject({ note: note.optional() }),
  revoke: z.strictObject({ reasons, note: note.optional() }),
  surrender: z.strictObject({ reason: text(LIMITS.reason) }),
  amend: z.strictObject({}),
} as const;
export type RequestableLicenceAction = keyof typeof LicenceActionBodySchemas;
export type LicenceActionBody<A extends RequestableLicenceAction> = z.output<
  (typeof LicenceActionBodySchemas)[A]
>;

export const LicenceListQuerySchema = z.strictObject({
  status: LicenceStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.listLimit).default(20),
  cursor: z.string().max(2048).optional(),
});

/** `GET /verify/{number}?code=`: the licence's verification code, if the caller holds it. */
export const VerifyQuerySchema = z.strictObject({ code: z.string().max(64).optional() });

// --- Stored licence ---

const amount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const LicenceGoodsSchema = z.strictObject({
  description: z.string().max(LIMITS.description).optional(),
  element: z.enum(ELEMENTS).optional(),
  form: z.enum(FORMS).optional(),
  controlCode: z.string().max(LIMITS.controlCode).optional(),
  licensedGrams: amount,
  licensedCents: amount,
  usedGrams: amount,
  usedCents: amount,
});
export type LicenceGoods = z.infer<typeof LicenceGoodsSchema>;

const by = { by: z.string().max(LIMITS.name), byRole: z.string().max(LIMITS.name), at: isoDateTime };

export const SuspensionSchema = z.strictObject({
  reasons: z.array(z.enum(LICENCE_REASONS)).max(LICENCE_REASONS.length),
  note: z.string().max(LIMITS.note).nullable(),
  ...by,
});
export const EndedSchema = z.strictObject({
  status: LicenceStatusSchema,
  reasons: z.array(z.string().max(64)).max(LICENCE_REASONS.length),
  note: z.string().max(LIMITS.note).nullable(),
  ...by,
});

/** The licence the approval wrote onto the application (number, validity, conditions), in force. */
export const LicenceRecordSchema = LicenceSchema.omit({ goods: true }).extend({
  status: LicenceStatusSchema,
  version: z.number().int().positive(),
  issuedAt: isoDateTime,
  /** The holder: the org of the application. */
  orgId: z.string().max(LIMITS.name),
  applicationId: z.string().max(64),
  updatedAt: isoDateTime,
  exporter: ExporterSchema.partial(),
  consignee: PartySchema,
  endUser: EndUserSchema,
  goods: z.array(LicenceGoodsSchema).min(1).max(LIMITS.goods),
  suspension: SuspensionSchema.nullable(),
  ended: EndedSchema.nullable(),
  supersededBy: z.string().max(64).nullable(),
  amends: z.string().max(64).nullable(),
  /** The open variation application, while there is one. */
  openAmendment: z.string().max(64).nullable(),
  usageCount: z.number().int().nonnegative(),
  /** 128 random bits, base64url: lets whoever holds the printed licence see its parties on /verify. */
  verificationCode: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  /** The current signed document (compact JWS); set by the use case after each status change. */
  signed: z.string().max(20_000).nullable(),
  auditHeadHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type LicenceRecord = z.infer<typeof LicenceRecordSchema>;

export const UsageRecordSchema = z.strictObject({
  usageId: z.string().regex(USAGE_ID_PATTERN),
  licenceNumber: z.string().max(64),
  shippedAt: isoDateTime,
  declarationRef: z.string().max(64),
  items: z
    .array(z.strictObject({ goodsIndex: z.number().int().nonnegative(), grams: amount, cents: amount }))
    .max(LIMITS.goods),
  recordedAt: isoDateTime,
  recordedBy: z.string().max(LIMITS.name),
  recordedByRole: z.string().max(LIMITS.name),
  requestId: z.string().max(128),
});
export type UsageRecord = z.infer<typeof UsageRecordSchema>;

/** The application audit event's format, under the licence's own key with the licence's actions and statuses. */
export const LicenceAuditEventSchema = AuditEventSchema.omit({
  applicationId: true,
  action: true,
  fromStatus: true,
  toStatus: true,
}).extend({
  licenceNumber: z.string().max(64),
  action: LicenceActionSchema,
  fromStatus: LicenceStatusSchema.nullable(),
  toStatus: LicenceStatusSchema,
});
export type LicenceAuditEvent = z.infer<typeof LicenceAuditEventSchema>;
