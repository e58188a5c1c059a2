/**
 * Fixture builders for domain tests. Every application is built by running real `applyAction`
 * sequences, so a fixture is always a state the system could have stored, with its audit events.
 * Time is passed in: a flow starts at a fixed instant and each action advances it by one minute.
 */
import { createHash } from 'node:crypto';
import {
  type ActionContext,
  type ActionInputs,
  type ActionResult,
  applyAction,
} from '#domain/applications/apply-action.ts';
import type { Action, Status } from '#domain/applications/lifecycle.ts';
import { requiredDocuments } from '#domain/applications/rules.ts';
import { endUserKey } from '#domain/applications/screening.ts';
import { DEFAULT_CONFIG, type DomainConfig } from '#domain/config.ts';
import { DomainError } from '#domain/errors.ts';
import type {
  Actor,
  Application,
  AuditEvent,
  Details,
  DocumentRecord,
  DocumentType,
  GoodsItem,
  UserActor,
} from '#domain/schemas.ts';

// --- Actors ---------------------------------------------------------------------------------------

export const applicant = (sub = 'alice', org = 'acme'): UserActor => ({
  kind: 'user',
  sub,
  org,
  roles: ['applicant'],
});
export const reviewer = (sub = 'rita'): UserActor => ({ kind: 'user', sub, org: null, roles: ['reviewer'] });
export const senior = (sub = 'sam'): UserActor => ({
  kind: 'user',
  sub,
  org: null,
  roles: ['senior-reviewer'],
});
export const auditor = (sub = 'audrey'): UserActor => ({ kind: 'user', sub, org: null, roles: ['auditor'] });
export const operator = (sub = 'oscar'): UserActor => ({ kind: 'user', sub, org: null, roles: ['operator'] });
export const system = (fn = 'screen'): Actor => ({ kind: 'system', sub: `system:${fn}` });

/** The DomainError `run` throws (any other outcome fails the test). */
export const thrownBy = (run: () => unknown): DomainError => {
  try {
    run();
  } catch (thrown) {
    if (thrown instanceof DomainError) return thrown;
    throw thrown;
  }
  throw new Error('expected a DomainError');
};

// --- Data -----------------------------------------------------------------------------------------

/** Monday 2 June 2025, 08:00 UTC: a working day in a week without holidays. */
export const T0 = new Date('2025-06-02T08:00:00.000Z');
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export const testConfig = (overrides: Partial<DomainConfig> = {}): DomainConfig => ({
  ...DEFAULT_CONFIG,
  ...overrides,
});

/** Details that pass `complete-details`: one magnet shipment to a German end user, below the threshold. */
export const completeDetails = (overrides: Partial<Details> = {}): Details => ({
  exporter: { name: 'Acme Rare Earths Co', country: 'CN' },
  goods: [
    {
      description: 'Sintered NdFeB magnets with dysprosium',
      element: 'DYSPROSIUM',
      form: 'MAGNET',
      controlCode: '1C902.b',
      quantityKg: 120.5,
      valueUsd: 250_000,
    },
  ],
  consignee: { name: 'Motoren Werke GmbH', country: 'DE', address: 'Industriestrasse 1, Stuttgart' },
  endUser: {
    name: 'Motoren Werke GmbH',
    country: 'DE',
    address: 'Industriestrasse 1, Stuttgart',
    type: 'COMMERCIAL',
  },
  endUse: { description: 'Electric vehicle traction motors', military: false },
  ...overrides,
});

/** Goods worth exactly the default sign-off threshold (USD 1,000,000): an approval needs a senior sign-off. */
export const highValueGoods = (): GoodsItem[] => [
  {
    description: 'Terbium oxide',
    element: 'TERBIUM',
    form: 'OXIDE',
    controlCode: '1C903',
    quantityKg: 900,
    valueUsd: 1_000_000,
  },
];

let documentCounter = 0;

/** A stored document record as `add-document` receives it from the API (content already in the blob store). */
export function pdfDocument(type: DocumentType, overrides: Partial<DocumentRecord> = {}): DocumentRecord {
  documentCounter += 1;
  const documentId = `doc_${String(documentCounter).padStart(6, '0')}`;
  return {
    documentId,
    type,
    fileName: `${type.toLowerCase()}.pdf`,
    contentType: 'application/pdf',
    sizeBytes: 1234,
    sha256: createHash('sha256').update(documentId).digest('hex'),
    uploadedAt: T0.toISOString(),
    uploadedBy: 'alice',
    ...overrides,
  };
}

export const screeningOutcome = (
  overrides: Partial<ActionInputs['screening-cleared']> = {},
): ActionInputs['screening-cleared'] => ({
  report: { listVersion: '2025-06-01', partiesChecked: 2, scores: [] },
  flags: [],
  recentApprovalForEndUser: false,
  ...overrides,
});

// --- Flows ----------------------------------------------------------------------------------------

export interface FlowOptions {
  config?: DomainConfig;
  /** When `create` runs; each later action advances the time by one minute. */
  start?: Date;
  details?: Details;
  owner?: UserActor;
  applicationId?: string;
}

let applicationCounter = 0;

/** One application and its audit trail, advanced by real `applyAction` calls. */
export class ApplicationFlow {
  application: Application;
  readonly events: AuditEvent[] = [];
  now: Date;
  readonly config: DomainConfig;
  readonly owner: UserActor;
  private requests = 0;
  private licences = 0;

  constructor(options: FlowOptions = {}) {
    this.config = options.config ?? testConfig();
    this.now = options.start ?? T0;
    this.owner = options.owner ?? applicant();
    applicationCounter += 1;
    const applicationId = options.applicationId ?? `app_${String(applicationCounter).padStart(6, '0')}`;
    const created = applyAction(null, 'create', this.owner, options.details ?? completeDetails(), {
      ...this.context(),
      applicationId,
    });
    this.application = created.application;
    if (created.event) this.events.push(created.event);
  }

  /** A context at the flow's current time; a fresh request id and licence number each time. */
  context(extra: Partial<ActionContext> = {}): ActionContext {
    this.requests += 1;
    this.licences += 1;
    return {
      now: this.now,
      requestId: `req-${this.requests}`,
      config: this.config,
      licenceNumber: `${this.config.licenceNumberPrefix}-${this.now.getUTCFullYear()}-${String(this.licences).padStart(6, '0')}`,
      ...extra,
    };
  }

  advance(ms: number): this {
    this.now = new Date(this.now.getTime() + ms);
    return this;
  }

  at(instant: Date | string): this {
    this.now = new Date(instant);
    return this;
  }

  /** Advances one minute, applies the action and keeps the result (and its event, if any). */
  apply<A extends Action>(
    action: A,
    actor: Actor,
    input: ActionInputs[A],
    extra: Partial<ActionContext> = {},
  ): ActionResult {
    this.advance(MINUTE_MS);
    const result = applyAction(this.application, action, actor, input, this.context(extra));
    this.application = result.application;
    if (result.event) this.events.push(result.event);
    return result;
  }

  addRequiredDocuments(): this {
    for (const type of requiredDocuments(this.application, this.config)) {
      this.apply('add-document', this.owner, pdfDocument(type, { uploadedBy: this.owner.sub }));
    }
    return this;
  }
}

export const draftApplication = (options: FlowOptions = {}): ApplicationFlow => new ApplicationFlow(options);

export interface InStatusOptions extends FlowOptions {
  /**
   * Who holds the case. Undefined: the natural default (UNDER_REVIEW unassigned, later statuses held by
   * reviewer rita). Null: unassigned where the lifecycle allows it (PENDING_SIGN_OFF and DENIED then come
   * from screening). A user: that reviewer or senior reviewer claimed it and made the recommendation.
   */
  heldBy?: UserActor | null;
  /** Status withdrawn from (WITHDRAWN only); default UNDER_REVIEW. */
  withdrawnFrom?: Exclude<Status, 'APPROVED' | 'DENIED' | 'WITHDRAWN' | 'ABANDONED' | 'APPEALED'>;
  /** Screening result for UNDER_REVIEW and later. */
  screening?: Partial<ActionInputs['screening-cleared']>;
}

/** A senior reviewer other than `holder`, for four-eyes sign-offs. */
export const otherSenior = (holder: Actor | null | undefined): UserActor =>
  holder?.sub === 'sam' ? senior('sue') : senior('sam');

export const APPEAL_GROUNDS = 'The end user makes civilian motors only; see the attached audit.';

const DECLARATION: ActionInputs['submit'] = { declaration: { accurate: true, signedBy: 'Alice Applicant' } };

/** An application in `status`, reached through the lifecycle from `create`. */
export function applicationIn(status: Status, options: InStatusOptions = {}): ApplicationFlow {
  const flow = draftApplication(options);
  advanceTo(flow, status, options);
  if (flow.application.status !== status) {
    throw new Error(`fixture reached ${flow.application.status}, not ${status}`);
  }
  return flow;
}

function advanceTo(flow: ApplicationFlow, status: Status, options: InStatusOptions): void {
  const { heldBy } = options;
  const holder = heldBy ?? reviewer();
  switch (status) {
    case 'DRAFT':
      flow.addRequiredDocuments();
      return;
    case 'END_USER_DOCS':
      advanceTo(flow, 'DRAFT', options);
      flow.apply('complete-details', flow.owner, {});
      return;
    case 'SUBMITTED':
      advanceTo(flow, 'END_USER_DOCS', options);
      flow.apply('submit', flow.owner, DECLARATION);
      return;
    case 'UNDER_REVIEW':
      advanceTo(flow, 'SUBMITTED', options);
      flow.apply('screening-cleared', system('screen'), screeningOutcome(options.screening));
      if (heldBy) flow.apply('claim', heldBy, {});
      return;
    case 'INFORMATION_REQUESTED':
      advanceTo(flow, 'UNDER_REVIEW', { ...options, heldBy: holder });
      flow.apply('request-information', holder, {
        questions: ['Who owns the end user?'],
        dueInWorkingDays: 5,
      });
      if (heldBy === null) flow.apply('release', holder, {});
      return;
    case 'PENDING_SIGN_OFF':
      if (heldBy === null) {
        advanceTo(flow, 'SUBMITTED', options);
        flow.apply('screening-matched', system('screen'), screeningOutcome(options.screening));
        return;
      }
      advanceTo(flow, 'UNDER_REVIEW', { ...options, heldBy: holder });
      flow.apply('deny', holder, {
        reasons: ['RISK_OF_DIVERSION'],
        note: 'End user links to a re-exporter.',
      });
      return;
    case 'APPROVED':
      advanceTo(flow, 'UNDER_REVIEW', { ...options, heldBy: holder });
      flow.apply('approve', holder, { validityMonths: 12, conditions: ['No re-export'] });
      if (flow.application.status === 'PENDING_SIGN_OFF')
        flow.apply('sign-off', otherSenior(holder), { agree: true });
      return;
    case 'DENIED':
      if (heldBy === null) {
        advanceTo(flow, 'SUBMITTED', options);
        flow.apply('screening-refused', system('screen'), screeningOutcome(options.screening));
        return;
      }
      advanceTo(flow, 'PENDING_SIGN_OFF', { ...options, heldBy: holder });
      flow.apply('sign-off', otherSenior(holder), { agree: true });
      return;
    case 'APPEALED':
      advanceTo(flow, 'DENIED', options);
      flow.apply('appeal', flow.owner, { grounds: APPEAL_GROUNDS });
      return;
    case 'WITHDRAWN':
      advanceTo(flow, options.withdrawnFrom ?? 'UNDER_REVIEW', options);
      flow.apply('withdraw', flow.owner, { reason: 'The contract was cancelled.' });
      return;
    case 'ABANDONED':
      advanceTo(flow, 'DRAFT', options);
      flow.advance(flow.config.abandonAfterDays * DAY_MS);
      flow.apply('abandon', system('system-transition'), {});
      return;
  }
}

/** A senior reviewer who takes part in no fixture's denial: decides fixture appeals. */
export const appealDecider = (): UserActor => senior('dana');

/**
 * An appeal of a denial held by `heldBy` (null: a screening refusal), ended as asked: upheld or
 * withdrawn (DENIED), or overturned (UNDER_REVIEW; SUBMITTED with corrections for a screening refusal).
 */
export function appealEndedIn(
  end: 'upheld' | 'withdrawn' | 'overturned',
  heldBy: UserActor | null,
  options: InStatusOptions = {},
): ApplicationFlow {
  const flow = applicationIn('APPEALED', { ...options, heldBy });
  if (end === 'withdrawn') {
    flow.apply('withdraw', flow.owner, { reason: 'We accept the refusal.' });
  } else if (end === 'upheld') {
    flow.apply('decide-appeal', appealDecider(), { outcome: 'UPHELD', note: 'The denial was sound.' });
  } else {
    flow.apply('decide-appeal', appealDecider(), {
      outcome: 'OVERTURNED',
      note: 'The denial rested on a misread end use.',
      ...(heldBy === null && { corrections: { endUse: { military: false } } }),
    });
  }
  return flow;
}

/** What `ApplicationRepository.approvedForEndUser` answers, over applications held in memory. */
export function approvedForEndUserIn(
  applications: Iterable<Application>,
  key: string,
  limit: number,
): Application[] {
  return [...applications]
    .filter((application) => application.status === 'APPROVED' && endUserKey(application) === key)
    .sort((a, b) => (b.decision?.decidedAt ?? '').localeCompare(a.decision?.decidedAt ?? ''))
    .slice(0, limit);
}
