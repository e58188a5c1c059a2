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
import * as z from './zod.ts';

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

export const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
const country = z.string().check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "DE"'));
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

export const ExporterSchema = z.deferred(() => z.strictObject({ name: text(LIMITS.name), country }));
export const GoodsItemSchema = z.deferred(() =>
  z.strictObject({
    description: z.optional(text(LIMITS.description)),
    element: z.optional(z.enum(ELEMENTS)),
    form: z.optional(z.enum(FORMS)),
    controlCode: z.optional(
      z
        .string()
        .check(
          z.regex(/^[A-Za-z0-9][A-Za-z0-9.\-/ ]*$/, 'letters, digits, ".", "-", "/" and spaces'),
          z.maxLength(LIMITS.controlCode),
        ),
    ),
    quantityKg: z.optional(z.number().check(z.positive(), z.lte(1e9))),
    valueUsd: z.optional(z.number().check(z.nonnegative(), z.lte(1e12))),
  }),
);
export const PartySchema = z.deferred(() =>
  z.strictObject({
    name: z.optional(text(LIMITS.name)),
    country: z.optional(country),
    address: z.optional(text(LIMITS.address)),
  }),
);
export const EndUserSchema = z.deferred(() =>
  z.extend(PartySchema, { type: z.optional(z.enum(END_USER_TYPES)) }),
);
export const EndUseSchema = z.deferred(() =>
  z.strictObject({
    description: z.optional(text(LIMITS.description)),
    military: z.optional(z.boolean()),
  }),
);

export const DetailsSchema = z.deferred(() =>
  z.strictObject({
    exporter: z.optional(z.partial(ExporterSchema)),
    goods: z.optional(z.array(GoodsItemSchema).check(z.maxLength(LIMITS.goods))),
    consignee: z.optional(PartySchema),
    endUser: z.optional(EndUserSchema),
    endUse: z.optional(EndUseSchema),
  }),
);
export type Details = z.infer<typeof DetailsSchema>;
export type GoodsItem = z.infer<typeof GoodsItemSchema>;
export const DETAIL_FIELDS = ['exporter', 'goods', 'consignee', 'endUser', 'endUse'] as const;

/** PATCH body: a JSON merge patch (RFC 7396) of the details; `null` deletes a field. */
const nullableRecord = z.deferred(() => z.record(z.string().check(z.maxLength(64)), z.unknown()));
export const DetailsPatchSchema = z.deferred(() =>
  z.strictObject({
    exporter: z.optional(z.nullable(nullableRecord)),
    goods: z.optional(z.nullable(z.array(z.unknown()).check(z.maxLength(LIMITS.goods)))),
    consignee: z.optional(z.nullable(nullableRecord)),
    endUser: z.optional(z.nullable(nullableRecord)),
    endUse: z.optional(z.nullable(nullableRecord)),
  }),
);
export type DetailsPatch = z.infer<typeof DetailsPatchSchema>;

// --- Documents ---

export const DocumentUploadSchema = z.deferred(() =>
  z.strictObject({
    type: z.enum(DOCUMENT_TYPES),
    fileName: z.string().check(
      z.minLength(1),
      z.maxLength(LIMITS.name),
      z.refine(
        (name) => !/[/\\]/.test(name) && ![...name].some((char) => (char.codePointAt(0) ?? 0) < 0x20),
        'a plain file name without path separators or control characters',
      ),
    ),
    contentType: z.enum(CONTENT_TYPES),
    // Bounded by the upload body; the decoded size is checked after decoding (413 naming both sizes).
    contentBase64: z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(LIMITS.documentBodyBytes),
        z.regex(/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/, 'must be base64'),
      ),
  }),
);
export type DocumentUpload = z.infer<typeof DocumentUploadSchema>;

export const DocumentRecordSchema = z.deferred(() =>
  z.strictObject({
    documentId: z.string().check(z.maxLength(64)),
    type: z.enum(DOCUMENT_TYPES),
    fileName: z.string().check(z.maxLength(LIMITS.name)),
    contentType: z.enum(CONTENT_TYPES),
    sizeBytes: z.number().check(z.int(), z.nonnegative()),
    sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    uploadedAt: isoDateTime,
    uploadedBy: z.string().check(z.maxLength(LIMITS.name)),
    /** A reference to a document of another application (an amendment's original): its content lives there. */
    sourceApplicationId: z.optional(z.string().check(z.maxLength(64))),
  }),
);
export type DocumentRecord = z.infer<typeof DocumentRecordSchema>;

// --- Action bodies ---

const questions = z.deferred(() =>
  z.array(text(LIMITS.questionLength)).check(z.minLength(1), z.maxLength(LIMITS.questions)),
);
const answers = z.deferred(() =>
  z.array(text(LIMITS.answerLength)).check(z.minLength(1), z.maxLength(LIMITS.questions)),
);
export const conditions = z.array(text(LIMITS.conditionLength)).check(z.maxLength(LIMITS.conditions));
export const note = text(LIMITS.note);

export const APPEAL_OUTCOMES = ['UPHELD', 'OVERTURNED'] as const;
/** Facts a senior reviewer corrects when overturning a screening refusal: a merge patch of endUser/endUse. */
export const CorrectionsSchema = z.deferred(() =>
  z.strictObject({ endUser: z.optional(nullableRecord), endUse: z.optional(nullableRecord) }).check(
    z.refine((patch) => patch.endUser !== undefined || patch.endUse !== undefined, {
      message: 'corrections must patch endUser or endUse',
    }),
  ),
);
export type Corrections = z.infer<typeof CorrectionsSchema>;

export const ActionBodySchemas = {
  'complete-details': z.deferred(() => z.strictObject({})),
  reopen: z.deferred(() => z.strictObject({})),
  claim: z.deferred(() => z.strictObject({})),
  release: z.deferred(() => z.strictObject({})),
  reassign: z.deferred(() => z.strictObject({ to: text(LIMITS.name) })),
  submit: z.deferred(() =>
    z.strictObject({
      declaration: z.strictObject({
        accurate: z.literal(true, 'the declaration must confirm the information is accurate'),
        signedBy: text(LIMITS.name),
      }),
    }),
  ),
  'request-information': z.deferred(() =>
    z.strictObject({
      questions,
      dueInWorkingDays: z.number().check(z.int(), z.gte(1), z.lte(20)),
    }),
  ),
  respond: z.deferred(() => z.strictObject({ answers })),
  approve: z.deferred(() =>
    z.strictObject({
      validityMonths: z.number().check(z.int(), z.gte(1), z.lte(36)),
      conditions: z._default(conditions, []),
      note: z.optional(note),
    }),
  ),
  deny: z.deferred(() =>
    z.strictObject({
      reasons: z.array(z.enum(DENIAL_REASONS)).check(
        z.minLength(1),
        z.maxLength(DENIAL_REASONS.length),
        z.refine((reasons) => new Set(reasons).size === reasons.length, 'reasons must not repeat'),
      ),
      note: z.optional(note),
    }),
  ),
  'sign-off': z.deferred(() => z.strictObject({ agree: z.boolean(), note: z.optional(note) })),
  withdraw: z.deferred(() => z.strictObject({ reason: text(LIMITS.reason) })),
  appeal: z.deferred(() => z.strictObject({ grounds: text(LIMITS.grounds) })),
  'decide-appeal': z.deferred(() =>
    z
      .strictObject({
        outcome: z.enum(APPEAL_OUTCOMES),
        note,
        corrections: z.optional(CorrectionsSchema),
      })
      .check(
        z.refine((body) => body.corrections === undefined || body.outcome === 'OVERTURNED', {
          path: ['corrections'],
          message: 'corrections apply only to an overturned appeal',
        }),
      ),
  ),
} as const;
export type HumanActionWithBody = keyof typeof ActionBodySchemas;
export type ActionBody<A extends HumanActionWithBody> = z.output<(typeof ActionBodySchemas)[A]>;

/** A listing's query: an optional status filter, the page size and the previous page's cursor. */
export const listQuery = <S extends z.ZodMiniType>(status: S) =>
  z.strictObject({
    status: z.optional(status),
    limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(LIMITS.listLimit)), 20),
    cursor: z.optional(z.string().check(z.maxLength(2048))),
  });
export const ListQuerySchema = z.deferred(() => listQuery(StatusSchema));

// --- Stored application ---

export const ActorSchema = z.deferred(() =>
  z.union([
    z.strictObject({
      kind: z.literal('user'),
      sub: z.string().check(z.maxLength(LIMITS.name)),
      org: z.nullable(z.string().check(z.maxLength(LIMITS.name))),
      roles: z.array(RoleSchema).check(z.maxLength(ROLES.length)),
    }),
    z.strictObject({ kind: z.literal('system'), sub: z.string().check(z.regex(/^system:[a-z-]+$/)) }),
  ]),
);
export type Actor = z.infer<typeof ActorSchema>;
export type UserActor = Extract<Actor, { kind: 'user' }>;

export const FlagSchema = z.deferred(() =>
  z.strictObject({
    code: z.enum(FLAG_CODES),
    source: z.enum(['screening', 'workflow', 'appeal']),
    at: isoDateTime,
  }),
);
export type Flag = z.infer<typeof FlagSchema>;

export const PauseSchema = z.deferred(() =>
  z.strictObject({
    from: isoDateTime,
    to: z.nullable(isoDateTime),
    reason: z.enum(['INFORMATION_REQUESTED', 'APPEAL']),
  }),
);
export type Pause = z.infer<typeof PauseSchema>;

export const LegalClockSchema = z.deferred(() =>
  z.strictObject({
    startedAt: z.nullable(isoDateTime),
    dueAt: z.nullable(isoDateTime),
    workingDaysElapsed: z.number().check(z.int(), z.nonnegative()),
    workingDaysLimit: z.number().check(z.int(), z.positive()),
    paused: z.boolean(),
    // One pause per information request, and one for the (single) appeal.
    pauses: z.array(PauseSchema).check(z.maxLength(LIMITS.informationRequests + 1)),
    stoppedAt: z.nullable(isoDateTime),
  }),
);
export type LegalClock = z.infer<typeof LegalClockSchema>;

export const InformationRequestSchema = z.deferred(() =>
  z.strictObject({
    questions,
    requestedBy: z.string().check(z.maxLength(LIMITS.name)),
    requestedByRole: z.string().check(z.maxLength(LIMITS.name)),
    requestedAt: isoDateTime,
    dueAt: isoDateTime,
    answers: z.nullable(answers),
    answeredAt: z.nullable(isoDateTime),
    overdue: z.boolean(),
  }),
);
export type InformationRequest = z.infer<typeof InformationRequestSchema>;

export const RecommendationSchema = z.deferred(() =>
  z.strictObject({
    outcome: z.enum(['APPROVED', 'DENIED']),
    reasons: z.array(z.enum(DENIAL_REASONS)).check(z.maxLength(DENIAL_REASONS.length)),
    validityMonths: z.nullable(z.number().check(z.int(), z.gte(1), z.lte(36))),
    conditions,
    note: z.nullable(z.string().check(z.maxLength(LIMITS.note))),
    recommendedBy: z.string().check(z.maxLength(LIMITS.name)),
    recommendedByRole: z.string().check(z.maxLength(LIMITS.name)),
    recommendedAt: isoDateTime,
  }),
);
export type Recommendation = z.infer<typeof RecommendationSchema>;

const DecisionFields = z.deferred(() =>
  z.strictObject({
    outcome: z.enum(['APPROVED', 'DENIED']),
    reasons: z.array(z.enum(DENIAL_REASONS)).check(z.maxLength(DENIAL_REASONS.length)),
    note: z.nullable(z.string().check(z.maxLength(LIMITS.note))),
    decidedBy: z.string().check(z.maxLength(LIMITS.name)),
    decidedByRole: z.string().check(z.maxLength(LIMITS.name)),
    decidedAt: isoDateTime,
    appealDeadline: z.nullable(isoDateTime),
  }),
);
/** An earlier decision, overturned on appeal. */
export type PastDecision = z.infer<typeof DecisionFields>;
export const DecisionSchema = z.deferred(() =>
  z.extend(DecisionFields, {
    /** Earlier decisions overturned on appeal (an application is appealed at most once). */
    history: z._default(z.array(DecisionFields).check(z.maxLength(1)), []),
  }),
);
export type Decision = z.infer<typeof DecisionSchema>;

export const AppealSchema = z.deferred(() =>
  z.strictObject({
    grounds: z.string().check(z.maxLength(LIMITS.grounds)),
    lodgedAt: isoDateTime,
    lodgedBy: z.string().check(z.maxLength(LIMITS.name)),
    /** The appeal's own clock in working days, like the legal clock. */
    clock: LegalClockSchema,
    outcome: z.nullable(z.enum(APPEAL_OUTCOMES)),
    decidedBy: z.nullable(z.string().check(z.maxLength(LIMITS.name))),
    decidedByRole: z.nullable(z.string().check(z.maxLength(LIMITS.name))),
    decidedAt: z.nullable(isoDateTime),
    note: z.nullable(z.string().check(z.maxLength(LIMITS.note))),
    corrections: z.nullable(CorrectionsSchema),
    withdrawal: z.nullable(
      z.strictObject({ reason: z.string().check(z.maxLength(LIMITS.reason)), at: isoDateTime }),
    ),
    /** The denial appealed against; it moves to `decision.history` when the appeal is overturned. */
    appealedDecision: DecisionFields,
    /** Who took part in the denial (its recommender and signer): none of them may decide the appeal. */
    denialParticipants: z.array(z.string().check(z.maxLength(LIMITS.name))).check(z.maxLength(2)),
  }),
);
export type Appeal = z.infer<typeof AppealSchema>;

export const LicenceSchema = z.deferred(() =>
  z.strictObject({
    licenceNumber: z.string().check(z.maxLength(64)),
    validFrom: isoDateTime,
    validTo: isoDateTime,
    conditions,
    goods: z.array(GoodsItemSchema).check(z.maxLength(LIMITS.goods)),
  }),
);
export type Licence = z.infer<typeof LicenceSchema>;

export const LaneSchema = z.deferred(() =>
  z.strictObject({
    name: z.enum(LANES),
    reason: z.string().check(z.maxLength(LIMITS.reason)),
  }),
);
export type Lane = z.infer<typeof LaneSchema>;

export const SubmissionSchema = z.deferred(() =>
  z.strictObject({
    submittedAt: isoDateTime,
    submittedBy: z.string().check(z.maxLength(LIMITS.name)),
    declaration: z.strictObject({
      accurate: z.literal(true),
      signedBy: z.string().check(z.maxLength(LIMITS.name)),
    }),
  }),
);

/** The latest recommendation a senior reviewer sent back to review (`sign-off` with `agree: false`). */
export const ReturnedRecommendationSchema = z.deferred(() =>
  z.strictObject({
    recommendation: RecommendationSchema,
    /** The sign-off's note: why it went back. */
    note: z.nullable(z.string().check(z.maxLength(LIMITS.note))),
    returnedBy: z.string().check(z.maxLength(LIMITS.name)),
    returnedByRole: z.string().check(z.maxLength(LIMITS.name)),
    returnedAt: isoDateTime,
  }),
);
export type ReturnedRecommendation = z.infer<typeof ReturnedRecommendationSchema>;

export const ApplicationSchema = z.deferred(() =>
  z.extend(DetailsSchema, {
    applicationId: z.string().check(z.maxLength(64)),
    orgId: z.string().check(z.maxLength(LIMITS.name)),
    status: StatusSchema,
    version: z.number().check(z.int(), z.positive()),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
    lastActivityAt: isoDateTime,
    createdBy: z.string().check(z.maxLength(LIMITS.name)),
    documents: z.array(DocumentRecordSchema).check(z.maxLength(LIMITS.documents)),
    lane: z.nullable(LaneSchema),
    flags: z.array(FlagSchema).check(z.maxLength(LIMITS.flags)),
    assignedTo: z.nullable(z.string().check(z.maxLength(LIMITS.name))),
    clock: LegalClockSchema,
    informationRequests: z.array(InformationRequestSchema).check(z.maxLength(LIMITS.informationRequests)),
    recommendation: z.nullable(RecommendationSchema),
    // Items stored before this field existed read as null.
    lastReturn: z._default(z.nullable(ReturnedRecommendationSchema), null),
    decision: z.nullable(DecisionSchema),
    licence: z.nullable(LicenceSchema),
    submission: z.nullable(SubmissionSchema),
    withdrawal: z.nullable(z.strictObject({ reason: z.string().check(z.maxLength(LIMITS.reason)) })),
    appeal: z._default(z.nullable(AppealSchema), null),
    /** The licence number this application varies (an amendment), or null. */
    amends: z._default(z.nullable(z.string().check(z.maxLength(64))), null),
    auditHeadHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  }),
);
export type Application = z.infer<typeof ApplicationSchema>;

// --- Views (what the API answers) ---

export const ClockViewSchema = z.deferred(() =>
  z.extend(LegalClockSchema, {
    overdue: z.boolean().check(z.meta({ description: 'Past `dueAt` (at the stop, once stopped).' })),
    workingDaysLeft: z.nullable(z.number().check(z.int())).check(
      z.meta({
        description: 'Working days of the limit left (negative once past it); null before submission.',
      }),
    ),
  }),
);
export type ClockView = z.infer<typeof ClockViewSchema>;

export const WARNING_CODES = ['MILITARY_END_USE'] as const;
export const WarningSchema = z.deferred(() =>
  z.strictObject({
    code: z.enum(WARNING_CODES),
    path: z.string().check(z.maxLength(64)),
    message: z.string().check(z.maxLength(LIMITS.reason)),
  }),
);
export type Warning = z.infer<typeof WarningSchema>;

/** One thing `complete-details` or `submit` still needs: the detail its 422 `INCOMPLETE` would carry. */
export const MissingSchema = z.deferred(() =>
  z.strictObject({
    path: z.string().check(z.maxLength(64)),
    message: z.string().check(z.maxLength(LIMITS.reason)),
    documentType: z.optional(z.enum(DOCUMENT_TYPES)),
  }),
);
export type Missing = z.infer<typeof MissingSchema>;

export const CompletenessSchema = z.deferred(() =>
  z
    .strictObject({
      details: z
        .array(MissingSchema)
        .check(z.meta({ description: 'What `complete-details` still requires.' })),
      documents: z.array(MissingSchema).check(z.meta({ description: 'Documents `submit` still requires.' })),
      warnings: z.array(WarningSchema).check(z.maxLength(10)),
    })
    .check(
      z.meta({
        description:
          'While DRAFT or END_USER_DOCS: what the completeness rules say now (the same rules complete-details and submit apply); null otherwise.',
      }),
    ),
);
export type Completeness = z.infer<typeof CompletenessSchema>;

/** An application as the API answers it (per-role redactions in views.ts). */
export const ApplicationViewSchema = z.deferred(() =>
  z.extend(z.omit(ApplicationSchema, { auditHeadHash: true }), {
    clock: ClockViewSchema,
    appeal: z.nullable(z.extend(AppealSchema, { clock: ClockViewSchema })),
    completeness: z.nullable(CompletenessSchema),
    allowedActions: z.array(ActionSchema).check(z.meta({ description: 'What the caller may do now.' })),
  }),
);
export type ApplicationView = z.infer<typeof ApplicationViewSchema>;

/** The answer to an action: the application after it, and warnings when there are any. */
export const ActionResponseSchema = z.deferred(() =>
  z.extend(ApplicationViewSchema, {
    warnings: z.optional(z.array(WarningSchema).check(z.maxLength(10))),
  }),
);
export type ActionResponse = z.infer<typeof ActionResponseSchema>;

// --- Audit ---

export const AuditEventSchema = z.deferred(() =>
  z.strictObject({
    applicationId: z.string().check(z.maxLength(64)),
    seq: z.number().check(z.int(), z.positive()),
    at: isoDateTime,
    actor: ActorSchema,
    action: ActionSchema,
    fromStatus: z.nullable(StatusSchema),
    toStatus: StatusSchema,
    changes: z.record(z.string(), z.unknown()),
    reasons: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(20)),
    requestId: z.string().check(z.maxLength(128)),
    prevHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    hash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  }),
);
export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type UnsealedAuditEvent = Omit<AuditEvent, 'hash'>;
