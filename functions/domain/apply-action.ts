import { addDays, addMonths } from 'date-fns';
import { canSee, displayRole, hasRole } from './access.ts';
import { GENESIS_HASH, sealEvent } from './audit.ts';
import type { DomainConfig } from './config.ts';
import {
  AlreadyAssignedError,
  ForbiddenError,
  IncompleteError,
  InvalidTransitionError,
  NotAssignedError,
  NotFoundError,
  PreconditionFailedError,
  SeparationOfDutiesError,
  ValidationError,
} from './errors.ts';
import {
  addWorkingDays,
  NOT_STARTED_CLOCK,
  pauseClock,
  refreshClock,
  resumeClock,
  startClock,
  stopClock,
} from './legal-clock.ts';
import {
  ACTIONS,
  type Action,
  isFinal,
  type Performer,
  type Role,
  type Status,
  TRANSITIONS,
} from './lifecycle.ts';
import { applyMergePatch } from './merge-patch.ts';
import { approvalNeedsSignOff, assignLane, missingDetails, missingDocuments } from './rules.ts';
import {
  type ActionBody,
  type Actor,
  type Application,
  type AuditEvent,
  DETAIL_FIELDS,
  type Decision,
  type Details,
  type DetailsPatch,
  DetailsSchema,
  type DocumentRecord,
  type Flag,
  type FlagCode,
  LIMITS,
  type Recommendation,
} from './schemas.ts';
import { abandonDueAt, openInformationRequest } from './timers.ts';

/**
 * `applyAction`: the one transition function. The API, the workflow's system steps and the
 * tests all change applications only through it. It checks, in the documented precedence,
 * visibility (404), role (403), If-Match (412), status and assignment (409), actor rules (403)
 * and completeness (422), and returns the next state with its sealed audit event.
 */

export interface ActionContext {
  now: Date;
  requestId: string;
  config: DomainConfig;
  /** Version from `If-Match`, when the caller sent one. */
  ifMatch?: number | undefined;
  /** Id for a new application (`create`). */
  applicationId?: string;
  /** Licence number allocated by the caller when `willIssueLicence` said so. */
  licenceNumber?: string;
}

export interface ScreeningOutcome {
  /** List version, parties checked and scores: goes into the audit event, not the applicant's view. */
  report: Record<string, unknown>;
  flags: FlagCode[];
  recentApprovalForEndUser: boolean;
}

export interface ActionInputs {
  create: Details;
  update: DetailsPatch;
  'add-document': DocumentRecord;
  'remove-document': { documentId: string };
  'complete-details': ActionBody<'complete-details'>;
  reopen: ActionBody<'reopen'>;
  submit: ActionBody<'submit'>;
  'screening-cleared': ScreeningOutcome;
  'screening-matched': ScreeningOutcome;
  'screening-refused': ScreeningOutcome;
  'screening-failed': { error: string };
  claim: ActionBody<'claim'>;
  release: ActionBody<'release'>;
  reassign: ActionBody<'reassign'>;
  'request-information': ActionBody<'request-information'>;
  respond: ActionBody<'respond'>;
  'information-overdue': Record<string, never>;
  approve: ActionBody<'approve'>;
  deny: ActionBody<'deny'>;
  'sign-off': ActionBody<'sign-off'>;
  withdraw: ActionBody<'withdraw'>;
  abandon: Record<string, never>;
}

export interface ActionResult {
  application: Application;
  /** Null when nothing changed (a repeated claim, a timer that fired before its time). */
  event: AuditEvent | null;
  /** For timer actions that fired early: when the rule can apply. */
  wakeAt?: string;
}

interface Change {
  next: Application;
  changes: Record<string, unknown>;
  reasons?: string[];
}

// --- Authorisation, in the documented precedence -------------------------------------------------

const PERFORMERS: readonly string[] = ['applicant', 'reviewer', 'senior-reviewer', 'system'];
const performersOf = (actor: Actor): Performer[] =>
  actor.kind === 'system'
    ? ['system']
    : actor.roles.filter((role): role is Extract<Role, Performer> => PERFORMERS.includes(role));

function checkRole(action: Action, actor: Actor): void {
  const allowed: readonly Performer[] = TRANSITIONS[action].by;
  if (!performersOf(actor).some((performer) => allowed.includes(performer))) {
    throw new ForbiddenError(
      allowed.includes('system')
        ? `"${action}" is a system action and cannot be requested.`
        : `Your role may not "${action}".`,
    );
  }
}

const statusAllows = (action: Action, status: Status): boolean =>
  (TRANSITIONS[action].from as readonly Status[]).includes(status);

/** Status, assignment and actor rules (409 / 403 NOT_ASSIGNED / SEPARATION_OF_DUTIES). */
function checkState(application: Application, action: Action, actor: Actor): void {
  if (!statusAllows(action, application.status)) {
    throw new InvalidTransitionError(action, application.status, allowedActions(application, actor));
  }
  const refusal = actorRuleRefusal(application, action, actor);
  if (refusal) throw refusal;
}

function actorRuleRefusal(application: Application, action: Action, actor: Actor): Error | null {
  if (actor.kind === 'system') return null;
  const assignedToCaller = application.assignedTo === actor.sub;
  switch (action) {
    case 'claim':
      return application.assignedTo !== null && !assignedToCaller ? new AlreadyAssignedError() : null;
    case 'release':
    case 'request-information':
    case 'approve':
    case 'deny':
      return assignedToCaller ? null : new NotAssignedError();
    case 'sign-off':
      return application.recommendation?.recommendedBy === actor.sub ? new SeparationOfDutiesError() : null;
    default:
      return null;
  }
}

/** What the caller may do now: role-, status-, assignment- and actor-rule-aware. */
export function allowedActions(application: Application, actor: Actor): Action[] {
  if (!canSee(actor, application)) return [];
  return ACTIONS.filter((action) => {
    if (action === 'create' || !statusAllows(action, application.status)) return false;
    try {
      checkRole(action, actor);
    } catch {
      return false;
    }
    if (action === 'claim' && application.assignedTo !== null) return false;
    return actorRuleRefusal(application, action, actor) === null;
  });
}

/** Whether this action, if it succeeds, issues a licence (the caller then allocates a number). */
export function willIssueLicence(
  application: Application,
  action: Action,
  input: unknown,
  config: DomainConfig,
) {
  if (action === 'approve') return !approvalNeedsSignOff(application, config);
  if (action === 'sign-off') {
    const agree = (input as Partial<ActionInputs['sign-off']>).agree === true;
    return agree && application.recommendation?.outcome === 'APPROVED';
  }
  return false;
}

export function applyAction<A extends Action>(
  application: Application | null,
  action: A,
  actor: Actor,
  input: ActionInputs[A],
  context: ActionContext,
): ActionResult {
  if (action === 'create') {
    checkRole(action, actor);
    return seal(null, create(actor, input as Details, context), action, actor, context);
  }
  if (!application || !canSee(actor, application)) throw new NotFoundError('Application not found.');
  checkRole(action, actor);
  if (context.ifMatch !== undefined && context.ifMatch !== application.version) {
    throw new PreconditionFailedError(context.ifMatch, application.version);
  }
  checkState(application, action, actor);
  const change = transition(application, action, actor, input, context);
  if (change === null) return { application, event: null };
  if ('wakeAt' in change) return { application, event: null, wakeAt: change.wakeAt };
  return seal(application, change, action, actor, context);
}

// --- Transitions -----------------------------------------------------------------------------------

type TransitionResult = Change | { wakeAt: string } | null;

function transition(
  application: Application,
  action: Action,
  actor: Actor,
  input: unknown,
  context: ActionContext,
): TransitionResult {
  const { now, config } = context;
  const at = now.toISOString();
  const sub = actor.sub;
  const role = displayRole(actor);
  const withStatus = (status: Status, patch: Partial<Application> = {}): Application => ({
    ...application,
    ...patch,
    status,
  });

  switch (action) {
    case 'update': {
      const { applicationId, ...current } = application;
      const merged = applyMergePatch(pickDetails(current), input as DetailsPatch);
      const parsed = DetailsSchema.safeParse(merged);
      if (!parsed.success) {
        throw ValidationError.fromIssues(parsed.error.issues, 'The patched application is not valid.');
      }
      const next = { ...withoutDetails(application), ...parsed.data, applicationId } as Application;
      return { next, changes: { patch: input } };
    }
    case 'add-document': {
      const document = input as DocumentRecord;
      if (application.documents.length >= LIMITS.documents) {
        throw new ValidationError([
          { path: 'documents', message: `at most ${LIMITS.documents} documents per application` },
        ]);
      }
      return {
        next: { ...application, documents: [...application.documents, document] },
        changes: { added: document },
      };
    }
    case 'remove-document': {
      const { documentId } = input as ActionInputs['remove-document'];
      const removed = application.documents.find((document) => document.documentId === documentId);
      if (!removed) throw new NotFoundError('Document not found.');
      const documents = application.documents.filter((document) => document.documentId !== documentId);
      return { next: { ...application, documents }, changes: { removed } };
    }
    case 'complete-details': {
      const missing = missingDetails(application);
      if (missing.length > 0) throw new IncompleteError('Some required details are missing.', missing);
      return { next: withStatus('END_USER_DOCS'), changes: {} };
    }
    case 'reopen':
      return { next: withStatus('DRAFT'), changes: {} };
    case 'submit': {
      const missing = missingDocuments(application, config);
      if (missing.length > 0) throw new IncompleteError('Some required documents are missing.', missing);
      const { declaration } = input as ActionInputs['submit'];
      const submission = { submittedAt: at, submittedBy: sub, declaration };
      const clock = startClock(now, config);
      return { next: withStatus('SUBMITTED', { submission, clock }), changes: { submission, clock } };
    }
    case 'screening-cleared': {
      const outcome = input as ScreeningOutcome;
      const flags = mergeFlags(application.flags, outcome.flags, 'screening', at);
      const lane = assignLane(application, flags, outcome.recentApprovalForEndUser);
      return {
        next: withStatus('UNDER_REVIEW', { flags, lane }),
        changes: { lane, flags, screening: outcome.report },
        reasons: outcome.flags,
      };
    }
    case 'screening-matched': {
      const outcome = input as ScreeningOutcome;
      const flags = mergeFlags(application.flags, ['DENIED_PARTY_MATCH', ...outcome.flags], 'screening', at);
      const recommendation: Recommendation = {
        outcome: 'DENIED',
        reasons: ['DENIED_PARTY'],
        validityMonths: null,
        conditions: [],
        note: 'A party matches the denied-party list exactly.',
        recommendedBy: sub,
        recommendedByRole: role,
        recommendedAt: at,
      };
      const lane = assignLane(application, flags, false);
      return {
        next: withStatus('PENDING_SIGN_OFF', { flags, lane, recommendation }),
        changes: { lane, flags, recommendation, screening: outcome.report },
        reasons: ['DENIED_PARTY'],
      };
    }
    case 'screening-refused': {
      const outcome = input as ScreeningOutcome;
      const decision = deny(
        ['MILITARY_END_USE'],
        'Published policy: applications for military end use or end users are not approved.',
      );
      return {
        next: withStatus('DENIED', { decision }),
        changes: { decision, screening: outcome.report },
        reasons: ['MILITARY_END_USE'],
      };
    }
    case 'screening-failed': {
      const flags = mergeFlags(application.flags, ['SCREENING_ERROR'], 'screening', at);
      const lane = {
        name: 'ENHANCED' as const,
        reason: 'Screening could not run; checks will be done by hand.',
      };
      const { error } = input as ActionInputs['screening-failed'];
      return {
        next: withStatus('UNDER_REVIEW', { flags, lane }),
        changes: { flags, lane, error },
        reasons: ['SCREENING_ERROR'],
      };
    }
    case 'claim':
      if (application.assignedTo === sub) return null;
      return { next: { ...application, assignedTo: sub }, changes: { assignedTo: sub } };
    case 'release':
      return { next: { ...application, assignedTo: null }, changes: { assignedTo: null } };
    case 'reassign': {
      const { to } = input as ActionInputs['reassign'];
      return {
        next: { ...application, assignedTo: to },
        changes: { assignedTo: to, from: application.assignedTo },
      };
    }
    case 'request-information': {
      const { questions, dueInWorkingDays } = input as ActionInputs['request-information'];
      if (application.informationRequests.length >= LIMITS.informationRequests) {
        throw new ValidationError([
          {
            path: 'questions',
            message: `at most ${LIMITS.informationRequests} information requests per application`,
          },
        ]);
      }
      const request = {
        questions,
        requestedBy: sub,
        requestedByRole: role,
        requestedAt: at,
        dueAt: addWorkingDays(now, dueInWorkingDays, config),
        answers: null,
        answeredAt: null,
        overdue: false,
      };
      const clock = pauseClock(application.clock, now, config);
      const informationRequests = [...application.informationRequests, request];
      return {
        next: withStatus('INFORMATION_REQUESTED', { informationRequests, clock }),
        changes: { request, clock },
      };
    }
    case 'respond': {
      const { answers } = input as ActionInputs['respond'];
      const open = openRequest(application);
      if (answers.length !== open.questions.length) {
        throw new ValidationError([
          { path: 'answers', message: `expected ${open.questions.length} answers, one per question` },
        ]);
      }
      const informationRequests = replaceOpenRequest(application, { ...open, answers, answeredAt: at });
      const clock = resumeClock(application.clock, now, config);
      return {
        next: withStatus('UNDER_REVIEW', { informationRequests, clock }),
        changes: { answers, clock },
      };
    }
    case 'information-overdue': {
      const open = openRequest(application);
      if (now.getTime() < Date.parse(open.dueAt)) return { wakeAt: open.dueAt };
      const informationRequests = replaceOpenRequest(application, { ...open, overdue: true });
      const flags = mergeFlags(application.flags, ['RFI_OVERDUE'], 'workflow', at);
      const clock = resumeClock(application.clock, now, config);
      return {
        next: withStatus('UNDER_REVIEW', { informationRequests, flags, clock }),
        changes: { flags, clock },
        reasons: ['RFI_OVERDUE'],
      };
    }
    case 'approve': {
      const body = input as ActionInputs['approve'];
      const recommendation: Recommendation = {
        outcome: 'APPROVED',
        reasons: [],
        validityMonths: body.validityMonths,
        conditions: body.conditions,
        note: body.note ?? null,
        recommendedBy: sub,
        recommendedByRole: role,
        recommendedAt: at,
      };
      if (approvalNeedsSignOff(application, config)) {
        return { next: withStatus('PENDING_SIGN_OFF', { recommendation }), changes: { recommendation } };
      }
      return issue(application, recommendation, null);
    }
    case 'deny': {
      const body = input as ActionInputs['deny'];
      const recommendation: Recommendation = {
        outcome: 'DENIED',
        reasons: body.reasons,
        validityMonths: null,
        conditions: [],
        note: body.note ?? null,
        recommendedBy: sub,
        recommendedByRole: role,
        recommendedAt: at,
      };
      return {
        next: withStatus('PENDING_SIGN_OFF', { recommendation }),
        changes: { recommendation },
        reasons: body.reasons,
      };
    }
    case 'sign-off': {
      const body = input as ActionInputs['sign-off'];
      const recommendation = application.recommendation;
      if (!recommendation) throw new InvalidTransitionError(action, application.status, []);
      if (!body.agree) {
        return {
          next: withStatus('UNDER_REVIEW', { recommendation: null }),
          changes: { agree: false, note: body.note ?? null, returnedRecommendation: recommendation },
        };
      }
      if (recommendation.outcome === 'DENIED') {
        // The recommendation's note is internal; only the sign-off note is published with the decision.
        const decision = deny(recommendation.reasons, body.note ?? null);
        return {
          next: withStatus('DENIED', { decision }),
          changes: { agree: true, decision },
          reasons: decision.reasons,
        };
      }
      return issue(application, recommendation, body.note ?? null);
    }
    case 'withdraw': {
      const { reason } = input as ActionInputs['withdraw'];
      return { next: withStatus('WITHDRAWN', { withdrawal: { reason } }), changes: { reason } };
    }
    case 'abandon': {
      const due = abandonDueAt(application, config);
      if (now.getTime() < due.getTime()) return { wakeAt: due.toISOString() };
      return { next: withStatus('ABANDONED'), changes: { lastActivityAt: application.lastActivityAt } };
    }
    case 'create':
      throw new InvalidTransitionError(action, application.status, allowedActions(application, actor));
  }

  function deny(reasons: Decision['reasons'], note: string | null): Decision {
    return {
      outcome: 'DENIED',
      reasons,
      note,
      decidedBy: sub,
      decidedByRole: role,
      decidedAt: at,
      appealDeadline: addDays(now, config.appealDays).toISOString(),
    };
  }

  function issue(current: Application, recommendation: Recommendation, note: string | null): Change {
    const licenceNumber = context.licenceNumber;
    if (!licenceNumber) throw new Error('a licence number must be allocated before issuing a licence');
    const validityMonths = recommendation.validityMonths ?? 12;
    const licence = {
      licenceNumber,
      validFrom: at,
      validTo: addMonths(now, validityMonths).toISOString(),
      conditions: recommendation.conditions,
      goods: current.goods ?? [],
    };
    const decision: Decision = {
      outcome: 'APPROVED',
      reasons: [],
      note,
      decidedBy: sub,
      decidedByRole: role,
      decidedAt: at,
      appealDeadline: null,
    };
    return {
      next: { ...current, status: 'APPROVED', recommendation, decision, licence },
      changes: { decision, licence },
    };
  }
}

// --- Helpers ---------------------------------------------------------------------------------------

function create(actor: Actor, details: Details, context: ActionContext): Change {
  if (actor.kind !== 'user' || !actor.org || !context.applicationId) {
    throw new ForbiddenError('Only an applicant of an org may create applications.');
  }
  const at = context.now.toISOString();
  const next: Application = {
    ...details,
    applicationId: context.applicationId,
    orgId: actor.org,
    status: 'DRAFT',
    version: 0,
    createdAt: at,
    updatedAt: at,
    lastActivityAt: at,
    createdBy: actor.sub,
    documents: [],
    lane: null,
    flags: [],
    assignedTo: null,
    clock: NOT_STARTED_CLOCK(context.config),
    informationRequests: [],
    recommendation: null,
    decision: null,
    licence: null,
    submission: null,
    withdrawal: null,
    auditHeadHash: GENESIS_HASH,
  };
  return { next, changes: { details } };
}

/** Bumps the version, stamps times, stops the clock at a final status and seals the event. */
function seal(
  previous: Application | null,
  { next, changes, reasons = [] }: Change,
  action: Action,
  actor: Actor,
  context: ActionContext,
): ActionResult {
  const at = context.now.toISOString();
  const reachedFinal = isFinal(next.status) && (previous === null || !isFinal(previous.status));
  const clock = reachedFinal
    ? stopClock(next.clock, context.now, context.config)
    : refreshClock(next.clock, context.now, context.config);
  const byApplicant = actor.kind === 'user' && hasRole(actor, 'applicant');
  const event = sealEvent({
    applicationId: next.applicationId,
    seq: next.version + 1,
    at,
    actor:
      actor.kind === 'user'
        ? { kind: 'user', sub: actor.sub, org: actor.org, roles: [...actor.roles] }
        : actor,
    action,
    fromStatus: previous?.status ?? null,
    toStatus: next.status,
    changes: stripUndefined(changes),
    reasons,
    requestId: context.requestId,
    prevHash: next.auditHeadHash,
  });
  const application: Application = {
    ...next,
    clock,
    version: event.seq,
    updatedAt: at,
    lastActivityAt: byApplicant ? at : next.lastActivityAt,
    auditHeadHash: event.hash,
  };
  return { application, event };
}

function mergeFlags(
  existing: readonly Flag[],
  codes: readonly FlagCode[],
  source: Flag['source'],
  at: string,
): Flag[] {
  const flags = [...existing];
  for (const code of codes) {
    if (!flags.some((flag) => flag.code === code)) flags.push({ code, source, at });
  }
  return flags;
}

function openRequest(application: Application) {
  const open = openInformationRequest(application);
  if (!open) throw new InvalidTransitionError('respond', application.status, []);
  return open;
}

function replaceOpenRequest(application: Application, request: Application['informationRequests'][number]) {
  return [...application.informationRequests.slice(0, -1), request];
}

function pickDetails(application: Details): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const key of DETAIL_FIELDS) if (application[key] !== undefined) details[key] = application[key];
  return details;
}

function withoutDetails(application: Application): Omit<Application, keyof Details> {
  const { exporter, goods, consignee, endUser, endUse, ...rest } = application;
  return rest;
}

/** DynamoDB drops undefined attributes; the stored form (which the hash covers) has none. */
function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
