import * as z from 'zod';
import { ROLES } from './access.ts';
import { ACTIONS, STATUSES } from './applications/lifecycle.ts';
import {
  CONTENT_TYPES,
  DENIAL_REASONS,
  DOCUMENT_TYPES,
  ELEMENTS,
  END_USER_TYPES,
  FLAG_CODES,
  FORMS,
  LANES,
} from './codes.ts';

/**
 * zod schemas: the single source of request validation, stored shapes and TypeScript types.
 * Every string and array is bounded so an application item stays far below DynamoDB's 400 KB:
 * at most about 100 KB of goods, 5 information requests of 30 KB, 20 KB of conditions and 30 KB
 * of documents, notes and parties — about 300 KB in the worst case.
 */
export const LIMITS = {
  name: 200,
  description: 2_000,
  address: 500,
  controlCode: 50,
  goods: 50,
  documents: 20,
  questions: 10,
  questionLength: 1_000,
  answerLength: 2_000,
  conditions: 20,
  conditionLength: 500,
  note: 4_000,
  reason: 2_000,
  grounds: 4_000,
  informationRequests: 5,
  flags: 20,
  documentBytes: 3 * 1024 * 1024,
  bodyBytes: 4 * 1024 * 1024,
  /** A document upload's body: 3 MiB as base64 (4 MiB) and room for the JSON around it. */
  documentBodyBytes: 4 * 1024 * 1024 + 64 * 1024,
  listLimit: 100,
} as const;

export const text = (max: number) => z.string().trim().min(1).max(max);
const country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "DE"');
export const isoDateTime = z.iso.datetime({ offset: true });

export { CONTENT_TYPES, DENIAL_REASONS, DOCUMENT_TYPES, ELEMENTS, END_USER_TYPES, FLAG_CODES, FORMS, LANES };

export const StatusSchema = z.enum(STATUSES);
export const RoleSchema = z.enum(ROLES);
export const ActionSchema = z.enum(ACTIONS);
export type DocumentType = (typeof DOCUMENT_TYPES)[number];
export type DenialReason = (typeof DENIAL_REASONS)[number];
export type LaneName = (typeof LANES)[number];
export type FlagCode = (typeof FLAG_CODES)[number];

// --- Application details (partial while DRAFT; completeness is checked by complete-details) ---

export const ExporterSchema = z.strictObject({ name: text(LIMITS.name), country });
export const GoodsItemSchema = z.strictObject({
  description: text(LIMITS.description).optional(),
  element: z.enum(ELEMENTS).optional(),
  form: z.enum(FORMS).optional(),
  controlCode: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9.\-/ ]*$/, 'letters, digits, ".", "-", "/" and spaces')
    .max(LIMITS.controlCode)
    .optional(),
  quantityKg: z.number().positive().max(1e9).optional(),
  valueUsd: z.number().nonnegative().max(1e12).optional(),
});
export const PartySchema = z.strictObject({
  name: text(LIMITS.name).optional(),
  country: country.optional(),
  address: text(LIMITS.address).optional(),
});
export const EndUserSchema = PartySchema.extend({ type: z.enum(END_USER_TYPES).optional() });
export const EndUseSchema = z.strictObject({
  description: text(LIMITS.description).optional(),
  military: z.boolean().optional(),
});

export const DetailsSchema = z.strictObject({
  exporter: ExporterSchema.partial().optional(),
  goods: z.array(GoodsItemSchema).max(LIMITS.goods).optional(),
  consignee: PartySchema.optional(),
  endUser: EndUserSchema.optional(),
  endUse: EndUseSchema.optional(),
});
export type Details = z.infer<typeof DetailsSchema>;
export type GoodsItem = z.infer<typeof GoodsItemSchema>;
export const DETAIL_FIELDS = ['exporter', 'goods', 'consignee', 'endUser', 'endUse'] as const;

/** PATCH body: a JSON merge patch (RFC 7396) of the details; `null` deletes a field. */
const nullableRecord = z.record(z.string().max(64), z.unknown());
export const DetailsPatchSchema = z.strictObject({
  exporter: nullableRecord.nullable().optional(),
  goods: z.array(z.unknown()).max(LIMITS.goods).nullable().optional(),
  consignee: nullableRecord.nullable().optional(),
  endUser: nullableRecord.nullable().optional(),
  endUse: nullableRecord.nullable().optional(),
});
export type DetailsPatch = z.infer<typeof DetailsPatchSchema>;

// --- Documents ---

export const DocumentUploadSchema = z.strictObject({
  type: z.enum(DOCUMENT_TYPES),
  fileName: z
    .string()
    .min(1)
    .max(LIMITS.name)
    .refine(
      (name) => !/[/\\]/.test(name) && ![...name].some((char) => (char.codePointAt(0) ?? 0) < 0x20),
      'a plain file name without path separators or control characters',
    ),
  contentType: z.enum(CONTENT_TYPES),
  // Bounded by the upload body; the decoded size is checked after decoding (413 naming both sizes).
  contentBase64: z
    .string()
    .min(1)
    .max(LIMITS.documentBodyBytes)
    .regex(/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/, 'must be base64'),
});
export type DocumentUpload = z.infer<typeof DocumentUploadSchema>;

export const DocumentRecordSchema = z.strictObject({
  documentId: z.string().max(64),
  type: z.enum(DOCUMENT_TYPES),
  fileName: z.string().max(LIMITS.name),
  contentType: z.enum(CONTENT_TYPES),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  uploadedAt: isoDateTime,
  uploadedBy: z.string().max(LIMITS.name),
  /** A reference to a document of another application (an amendment's original): its content lives there. */
  sourceApplicationId: z.string().max(64).optional(),
});
export type DocumentRecord = z.infer<typeof DocumentRecordSchema>;

// --- Action bodies ---

const questions = z.array(text(LIMITS.questionLength)).min(1).max(LIMITS.questions);
const answers = z.array(text(LIMITS.answerLength)).min(1).max(LIMITS.questions);
export const conditions = z.array(text(LIMITS.conditionLength)).max(LIMITS.conditions);
export const note = text(LIMITS.note);

export const APPEAL_OUTCOMES = ['UPHELD', 'OVERTURNED'] as const;
/** Facts a senior reviewer corrects when overturning a screening refusal: a merge patch of endUser/endUse. */
export const CorrectionsSchema = z
  .strictObject({ endUser: nullableRecord.optional(), endUse: nullableRecord.optional() })
  .refine((patch) => patch.endUser !== undefined || patch.endUse !== undefined, {
    message: 'corrections must patch endUser or endUse',
  });
export type Corrections = z.infer<typeof CorrectionsSchema>;

export const ActionBodySchemas = {
  'complete-details': z.strictObject({}),
  reopen: z.strictObject({}),
  claim: z.strictObject({}),
  release: z.strictObject({}),
  reassign: z.strictObject({ to: text(LIMITS.name) }),
  submit: z.strictObject({
    declaration: z.strictObject({
      accurate: z.literal(true, 'the declaration must confirm the information is accurate'),
      signedBy: text(LIMITS.name),
    }),
  }),
  'request-information': z.strictObject({
    questions,
    dueInWorkingDays: z.number().int().min(1).max(20),
  }),
  respond: z.strictObject({ answers }),
  approve: z.strictObject({
    validityMonths: z.number().int().min(1).max(36),
    conditions: conditions.default([]),
    note: note.optional(),
  }),
  deny: z.strictObject({
    reasons: z
      .array(z.enum(DENIAL_REASONS))
      .min(1)
      .max(DENIAL_REASONS.length)
      .refine((reasons) => new Set(reasons).size === reasons.length, 'reasons must not repeat'),
    note: note.optional(),
  }),
  'sign-off': z.strictObject({ agree: z.boolean(), note: note.optional() }),
  withdraw: z.strictObject({ reason: text(LIMITS.reason) }),
  appeal: z.strictObject({ grounds: text(LIMITS.grounds) }),
  'decide-appeal': z
    .strictObject({
      outcome: z.enum(APPEAL_OUTCOMES),
      note,
      corrections: CorrectionsSchema.optional(),
    })
    .refine((body) => body.corrections === undefined || body.outcome === 'OVERTURNED', {
      path: ['corrections'],
      message: 'corrections apply only to an overturned appeal',
    }),
} as const;
export type HumanActionWithBody = keyof typeof ActionBodySchemas;
export type ActionBody<A extends HumanActionWithBody> = z.output<(typeof ActionBodySchemas)[A]>;

export const ListQuerySchema = z.strictObject({
  status: StatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.listLimit).default(20),
  cursor: z.string().max(2048).optional(),
});

// --- Stored application ---

export const ActorSchema = z.union([
  z.strictObject({
    kind: z.literal('user'),
    sub: z.string().max(LIMITS.name),
    org: z.string().max(LIMITS.name).nullable(),
    roles: z.array(RoleSchema).max(ROLES.length),
  }),
  z.strictObject({ kind: z.literal('system'), sub: z.string().regex(/^system:[a-z-]+$/) }),
]);
export type Actor = z.infer<typeof ActorSchema>;
export type UserActor = Extract<Actor, { kind: 'user' }>;

export const FlagSchema = z.strictObject({
  code: z.enum(FLAG_CODES),
  source: z.enum(['screening', 'workflow', 'appeal']),
  at: isoDateTime,
});
export type Flag = z.infer<typeof FlagSchema>;

export const PauseSchema = z.strictObject({
  from: isoDateTime,
  to: isoDateTime.nullable(),
  reason: z.enum(['INFORMATION_REQUESTED', 'APPEAL']),
});
export type Pause = z.infer<typeof PauseSchema>;

export const LegalClockSchema = z.strictObject({
  startedAt: isoDateTime.nullable(),
  dueAt: isoDateTime.nullable(),
  workingDaysElapsed: z.number().int().nonnegative(),
  workingDaysLimit: z.number().int().positive(),
  paused: z.boolean(),
  // One pause per information request, and one for the (single) appeal.
  pauses: z.array(PauseSchema).max(LIMITS.informationRequests + 1),
  stoppedAt: isoDateTime.nullable(),
});
export type LegalClock = z.infer<typeof LegalClockSchema>;

export const InformationRequestSchema = z.strictObject({
  questions,
  requestedBy: z.string().max(LIMITS.name),
  requestedByRole: z.string().max(LIMITS.name),
  requestedAt: isoDateTime,
  dueAt: isoDateTime,
  answers: answers.nullable(),
  answeredAt: isoDateTime.nullable(),
  overdue: z.boolean(),
});
export type InformationRequest = z.infer<typeof InformationRequestSchema>;

export const RecommendationSchema = z.strictObject({
  outcome: z.enum(['APPROVED', 'DENIED']),
  reasons: z.array(z.enum(DENIAL_REASONS)).max(DENIAL_REASONS.length),
  validityMonths: z.number().int().min(1).max(36).nullable(),
  conditions,
  note: z.string().max(LIMITS.note).nullable(),
  recommendedBy: z.string().max(LIMITS.name),
  recommendedByRole: z.string().max(LIMITS.name),
  recommendedAt: isoDateTime,
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

const DecisionFields = z.strictObject({
  outcome: z.enum(['APPROVED', 'DENIED']),
  reasons: z.array(z.enum(DENIAL_REASONS)).max(DENIAL_REASONS.length),
  note: z.string().max(LIMITS.note).nullable(),
  decidedBy: z.string().max(LIMITS.name),
  decidedByRole: z.string().max(LIMITS.name),
  decidedAt: isoDateTime,
  appealDeadline: isoDateTime.nullable(),
});
/** An earlier decision, overturned on appeal. */
export type PastDecision = z.infer<typeof DecisionFields>;
export const DecisionSchema = DecisionFields.extend({
  /** Earlier decisions overturned on appeal (an application is appealed at most once). */
  history: z.array(DecisionFields).max(1).default([]),
});
export type Decision = z.infer<typeof DecisionSchema>;

export const AppealSchema = z.strictObject({
  grounds: z.string().max(LIMITS.grounds),
  lodgedAt: isoDateTime,
  lodgedBy: z.string().max(LIMITS.name),
  /** The appeal's own clock in working days, like the legal clock. */
  clock: LegalClockSchema,
  outcome: z.enum(APPEAL_OUTCOMES).nullable(),
  decidedBy: z.string().max(LIMITS.name).nullable(),
  decidedByRole: z.string().max(LIMITS.name).nullable(),
  decidedAt: isoDateTime.nullable(),
  note: z.string().max(LIMITS.note).nullable(),
  corrections: CorrectionsSchema.nullable(),
  withdrawal: z.strictObject({ reason: z.string().max(LIMITS.reason), at: isoDateTime }).nullable(),
  /** The denial appealed against; it moves to `decision.history` when the appeal is overturned. */
  appealedDecision: DecisionFields,
  /** Who took part in the denial (its recommender and signer): none of them may decide the appeal. */
  denialParticipants: z.array(z.string().max(LIMITS.name)).max(2),
});
export type Appeal = z.infer<typeof AppealSchema>;

export const LicenceSchema = z.strictObject({
  licenceNumber: z.string().max(64),
  validFrom: isoDateTime,
  validTo: isoDateTime,
  conditions,
  goods: z.array(GoodsItemSchema).max(LIMITS.goods),
});
export type Licence = z.infer<typeof LicenceSchema>;

export const LaneSchema = z.strictObject({ name: z.enum(LANES), reason: z.string().max(LIMITS.reason) });
export type Lane = z.infer<typeof LaneSchema>;

export const SubmissionSchema = z.strictObject({
  submittedAt: isoDateTime,
  submittedBy: z.string().max(LIMITS.name),
  declaration: z.strictObject({ accurate: z.literal(true), signedBy: z.string().max(LIMITS.name) }),
});

/** The latest recommendation a senior reviewer sent back to review (`sign-off` with `agree: false`). */
export const ReturnedRecommendationSchema = z.strictObject({
  recommendation: RecommendationSchema,
  /** The sign-off's note: why it went back. */
  note: z.string().max(LIMITS.note).nullable(),
  returnedBy: z.string().max(LIMITS.name),
  returnedByRole: z.string().max(LIMITS.name),
  returnedAt: isoDateTime,
});
export type ReturnedRecommendation = z.infer<typeof ReturnedRecommendationSchema>;

export const ApplicationSchema = DetailsSchema.extend({
  applicationId: z.string().max(64),
  orgId: z.string().max(LIMITS.name),
  status: StatusSchema,
  version: z.number().int().positive(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  lastActivityAt: isoDateTime,
  createdBy: z.string().max(LIMITS.name),
  documents: z.array(DocumentRecordSchema).max(LIMITS.documents),
  lane: LaneSchema.nullable(),
  flags: z.array(FlagSchema).max(LIMITS.flags),
  assignedTo: z.string().max(LIMITS.name).nullable(),
  clock: LegalClockSchema,
  informationRequests: z.array(InformationRequestSchema).max(LIMITS.informationRequests),
  recommendation: RecommendationSchema.nullable(),
  // Items stored before this field existed read as null.
  lastReturn: ReturnedRecommendationSchema.nullable().default(null),
  decision: DecisionSchema.nullable(),
  licence: LicenceSchema.nullable(),
  submission: SubmissionSchema.nullable(),
  withdrawal: z.strictObject({ reason: z.string().max(LIMITS.reason) }).nullable(),
  appeal: AppealSchema.nullable().default(null),
  /** The licence number this application varies (an amendment), or null. */
  amends: z.string().max(64).nullable().default(null),
  auditHeadHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Application = z.infer<typeof ApplicationSchema>;

// --- Views (what the API answers) ---

export const ClockViewSchema = LegalClockSchema.extend({
  overdue: z.boolean().meta({ description: 'Past `dueAt` (at the stop, once stopped).' }),
  workingDaysLeft: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'Working days of the limit left (negative once past it); null before submission.' }),
});
export type ClockView = z.infer<typeof ClockViewSchema>;

export const WARNING_CODES = ['MILITARY_END_USE'] as const;
export const WarningSchema = z.strictObject({
  code: z.enum(WARNING_CODES),
  path: z.string().max(64),
  message: z.string().max(LIMITS.reason),
});
export type Warning = z.infer<typeof WarningSchema>;

/** One thing `complete-details` or `submit` still needs: the detail its 422 `INCOMPLETE` would carry. */
export const MissingSchema = z.strictObject({
  path: z.string().max(64),
  message: z.string().max(LIMITS.reason),
  documentType: z.enum(DOCUMENT_TYPES).optional(),
});
export type Missing = z.infer<typeof MissingSchema>;

export const CompletenessSchema = z
  .strictObject({
    details: z.array(MissingSchema).meta({ description: 'What `complete-details` still requires.' }),
    documents: z.array(MissingSchema).meta({ description: 'Documents `submit` still requires.' }),
    warnings: z.array(WarningSchema).max(10),
  })
  .meta({
    description:
      'While DRAFT or END_USER_DOCS: what the completeness rules say now (the same rules complete-details and submit apply); null otherwise.',
  });
export type Completeness = z.infer<typeof CompletenessSchema>;

/** An application as the API answers it (per-role redactions in views.ts). */
export const ApplicationViewSchema = ApplicationSchema.omit({ auditHeadHash: true }).extend({
  clock: ClockViewSchema,
  appeal: AppealSchema.extend({ clock: ClockViewSchema }).nullable(),
  completeness: CompletenessSchema.nullable(),
  allowedActions: z.array(ActionSchema).meta({ description: 'What the caller may do now.' }),
});
export type ApplicationView = z.infer<typeof ApplicationViewSchema>;

/** The answer to an action: the application after it, and warnings when there are any. */
export const ActionResponseSchema = ApplicationViewSchema.extend({
  warnings: z.array(WarningSchema).max(10).optional(),
});
export type ActionResponse = z.infer<typeof ActionResponseSchema>;

// --- Audit ---

export const AuditEventSchema = z.strictObject({
  applicationId: z.string().max(64),
  seq: z.number().int().positive(),
  at: isoDateTime,
  actor: ActorSchema,
  action: ActionSchema,
  fromStatus: StatusSchema.nullable(),
  toStatus: StatusSchema,
  changes: z.record(z.string(), z.unknown()),
  reasons: z.array(z.string().max(64)).max(20),
  requestId: z.string().max(128),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type UnsealedAuditEvent = Omit<AuditEvent, 'hash'>;
