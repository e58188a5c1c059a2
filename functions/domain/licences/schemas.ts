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
  listQuery,
  note,
  PartySchema,
  text,
} from '../schemas.ts';
import * as z from '../zod.ts';
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
export const quantityKg = z.deferred(() =>
  z.number().check(z.nonnegative(), z.lte(1e9), z.refine(decimals(3), 'at most 3 decimals (whole grams)')),
);
/** USD with at most 2 decimals (whole cents). */
export const valueUsd = z.deferred(() =>
  z.number().check(z.nonnegative(), z.lte(1e12), z.refine(decimals(2), 'at most 2 decimals (whole cents)')),
);

const distinct = <T>(items: readonly T[]) => new Set(items).size === items.length;
const reasons = z.deferred(() =>
  z
    .array(z.enum(LICENCE_REASONS))
    .check(
      z.minLength(1),
      z.maxLength(LICENCE_REASONS.length),
      z.refine(distinct, 'reasons must not repeat'),
    ),
);

export const USAGE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export const LicenceActionBodySchemas = {
  'record-usage': z.deferred(() =>
    z.strictObject({
      usageId: z
        .string()
        .check(z.regex(USAGE_ID_PATTERN, 'letters, digits, "_", ".", ":", "-"; at most 128')),
      shippedAt: isoDateTime,
      declarationRef: text(64),
      items: z
        .array(
          z.strictObject({
            goodsIndex: z.number().check(z.int(), z.nonnegative(), z.lte(LIMITS.goods - 1)),
            quantityKg,
            valueUsd,
          }),
        )
        .check(
          z.minLength(1),
          z.maxLength(LIMITS.goods),
          z.refine((items) => distinct(items.map((item) => item.goodsIndex)), 'each goods item at most once'),
        ),
    }),
  ),
  suspend: z.deferred(() => z.strictObject({ reasons, note: z.optional(note) })),
  reinstate: z.deferred(() => z.strictObject({ note: z.optional(note) })),
  revoke: z.deferred(() => z.strictObject({ reasons, note: z.optional(note) })),
  surrender: z.deferred(() => z.strictObject({ reason: text(LIMITS.reason) })),
  amend: z.deferred(() => z.strictObject({})),
} as const;
export type RequestableLicenceAction = keyof typeof LicenceActionBodySchemas;
export type LicenceActionBody<A extends RequestableLicenceAction> = z.output<
  (typeof LicenceActionBodySchemas)[A]
>;

export const LicenceListQuerySchema = z.deferred(() => listQuery(LicenceStatusSchema));

/** `GET /verify/{number}?code=`: the licence's verification code, if the caller holds it. */
export const VerifyQuerySchema = z.deferred(() =>
  z.strictObject({ code: z.optional(z.string().check(z.maxLength(64))) }),
);

// --- Stored licence ---

const amount = z.number().check(z.int(), z.nonnegative(), z.lte(Number.MAX_SAFE_INTEGER));
export const LicenceGoodsSchema = z.deferred(() =>
  z.strictObject({
    description: z.optional(z.string().check(z.maxLength(LIMITS.description))),
    element: z.optional(z.enum(ELEMENTS)),
    form: z.optional(z.enum(FORMS)),
    controlCode: z.optional(z.string().check(z.maxLength(LIMITS.controlCode))),
    licensedGrams: amount,
    licensedCents: amount,
    usedGrams: amount,
    usedCents: amount,
  }),
);
export type LicenceGoods = z.infer<typeof LicenceGoodsSchema>;

const by = {
  by: z.string().check(z.maxLength(LIMITS.name)),
  byRole: z.string().check(z.maxLength(LIMITS.name)),
  at: isoDateTime,
};

export const SuspensionSchema = z.deferred(() =>
  z.strictObject({
    reasons: z.array(z.enum(LICENCE_REASONS)).check(z.maxLength(LICENCE_REASONS.length)),
    note: z.nullable(z.string().check(z.maxLength(LIMITS.note))),
    ...by,
  }),
);
export const EndedSchema = z.deferred(() =>
  z.strictObject({
    status: LicenceStatusSchema,
    reasons: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(LICENCE_REASONS.length)),
    note: z.nullable(z.string().check(z.maxLength(LIMITS.note))),
    ...by,
  }),
);

/** The licence the approval wrote onto the application (number, validity, conditions), in force. */
export const LicenceRecordSchema = z.deferred(() =>
  z.extend(z.omit(LicenceSchema, { goods: true }), {
    status: LicenceStatusSchema,
    version: z.number().check(z.int(), z.positive()),
    issuedAt: isoDateTime,
    /** The holder: the org of the application. */
    orgId: z.string().check(z.maxLength(LIMITS.name)),
    applicationId: z.string().check(z.maxLength(64)),
    updatedAt: isoDateTime,
    exporter: z.partial(ExporterSchema),
    consignee: PartySchema,
    endUser: EndUserSchema,
    goods: z.array(LicenceGoodsSchema).check(z.minLength(1), z.maxLength(LIMITS.goods)),
    suspension: z.nullable(SuspensionSchema),
    ended: z.nullable(EndedSchema),
    supersededBy: z.nullable(z.string().check(z.maxLength(64))),
    amends: z.nullable(z.string().check(z.maxLength(64))),
    /** The open variation application, while there is one. */
    openAmendment: z.nullable(z.string().check(z.maxLength(64))),
    usageCount: z.number().check(z.int(), z.nonnegative()),
    /** 128 random bits, base64url: lets whoever holds the printed licence see its parties on /verify. */
    verificationCode: z.string().check(z.regex(/^[A-Za-z0-9_-]{22}$/)),
    /** The current signed document (compact JWS); set by the use case after each status change. */
    signed: z.nullable(z.string().check(z.maxLength(20_000))),
    auditHeadHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  }),
);
export type LicenceRecord = z.infer<typeof LicenceRecordSchema>;

export const UsageRecordSchema = z.deferred(() =>
  z.strictObject({
    usageId: z.string().check(z.regex(USAGE_ID_PATTERN)),
    licenceNumber: z.string().check(z.maxLength(64)),
    shippedAt: isoDateTime,
    declarationRef: z.string().check(z.maxLength(64)),
    items: z
      .array(
        z.strictObject({
          goodsIndex: z.number().check(z.int(), z.nonnegative()),
          grams: amount,
          cents: amount,
        }),
      )
      .check(z.maxLength(LIMITS.goods)),
    recordedAt: isoDateTime,
    recordedBy: z.string().check(z.maxLength(LIMITS.name)),
    recordedByRole: z.string().check(z.maxLength(LIMITS.name)),
    requestId: z.string().check(z.maxLength(128)),
  }),
);
export type UsageRecord = z.infer<typeof UsageRecordSchema>;

/** The application audit event's format, under the licence's own key with the licence's actions and statuses. */
export const LicenceAuditEventSchema = z.deferred(() =>
  z.extend(
    z.omit(AuditEventSchema, {
      applicationId: true,
      action: true,
      fromStatus: true,
      toStatus: true,
    }),
    {
      licenceNumber: z.string().check(z.maxLength(64)),
      action: LicenceActionSchema,
      fromStatus: z.nullable(LicenceStatusSchema),
      toStatus: LicenceStatusSchema,
    },
  ),
);
export type LicenceAuditEvent = z.infer<typeof LicenceAuditEventSchema>;
