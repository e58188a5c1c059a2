import { GENESIS_HASH } from '../audit.ts';
import { ForbiddenError, IncompleteError, NotFoundError, ValidationError } from '../errors.ts';
import { applyMergePatch } from '../merge-patch.ts';
import {
  type Actor,
  type Application,
  DETAIL_FIELDS,
  type Details,
  DetailsSchema,
  LIMITS,
} from '../schemas.ts';
import type { ActionContext, ActionDefinitions, Change } from './actions.ts';
import { withStatus } from './actions.ts';
import { withdrawAppeal } from './appeals.ts';
import { NOT_STARTED_CLOCK, startClock } from './legal-clock.ts';
import { missingDetails, missingDocuments, policyWarnings } from './rules.ts';
import { abandonDueAt } from './timers.ts';

/** The applicant's drafting actions up to the submission, withdrawal and the draft's abandonment. */

export function create(actor: Actor, details: Details, context: ActionContext): Change {
  if (actor.kind !== 'user' || !actor.org || !context.applicationId) {
    throw new ForbiddenError('Only an applicant of an org may create applications.');
  }
  const at = context.now.toISOString();
  const amendment = context.amendment;
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
    documents: amendment?.documents ?? [],
    lane: null,
    flags: [],
    assignedTo: null,
    clock: NOT_STARTED_CLOCK(context.config),
    informationRequests: [],
    recommendation: null,
    lastReturn: null,
    decision: null,
    licence: null,
    submission: null,
    withdrawal: null,
    appeal: null,
    amends: amendment?.licenceNumber ?? null,
    auditHeadHash: GENESIS_HASH,
  };
  if (!amendment) return { next, changes: { details } };
  return { next, changes: { details, amends: amendment.licenceNumber, documents: amendment.documents } };
}

export const DRAFTING = {
  update: {
    apply(application, patch) {
      const { applicationId, ...current } = application;
      const merged = applyMergePatch(pickDetails(current), patch);
      const parsed = DetailsSchema.safeParse(merged);
      if (!parsed.success) {
        throw ValidationError.fromIssues(parsed.error.issues, 'The patched application is not valid.');
      }
      const next: Application = { ...withoutDetails(application), ...parsed.data, applicationId };
      return { next, changes: { patch } };
    },
  },
  'add-document': {
    apply(application, document) {
      if (application.documents.length >= LIMITS.documents) {
        throw new ValidationError([
          { path: 'documents', message: `at most ${LIMITS.documents} documents per application` },
        ]);
      }
      return {
        next: { ...application, documents: [...application.documents, document] },
        changes: { added: document },
      };
    },
  },
  'remove-document': {
    apply(application, { documentId }) {
      const removed = application.documents.find((document) => document.documentId === documentId);
      if (!removed) throw new NotFoundError('Document not found.');
      const documents = application.documents.filter((document) => document.documentId !== documentId);
      return { next: { ...application, documents }, changes: { removed } };
    },
  },
  'complete-details': {
    apply(application) {
      const missing = missingDetails(application);
      if (missing.length > 0) throw new IncompleteError('Some required details are missing.', missing);
      return {
        next: withStatus(application, 'END_USER_DOCS'),
        changes: {},
        warnings: policyWarnings(application),
      };
    },
  },
  reopen: {
    apply: (application) => ({ next: withStatus(application, 'DRAFT'), changes: {} }),
  },
  submit: {
    apply(application, { declaration }, { context, now, at, sub }) {
      const missing = missingDocuments(application, context.config);
      if (missing.length > 0) throw new IncompleteError('Some required documents are missing.', missing);
      const submission = { submittedAt: at, submittedBy: sub, declaration };
      const clock = startClock(now, context.config);
      return {
        next: withStatus(application, 'SUBMITTED', { submission, clock }),
        changes: { submission, clock },
      };
    },
  },
  withdraw: {
    apply: (application, body, step) =>
      application.status === 'APPEALED'
        ? withdrawAppeal(application, body, step)
        : {
            next: withStatus(application, 'WITHDRAWN', { withdrawal: { reason: body.reason } }),
            changes: { reason: body.reason },
          },
  },
  abandon: {
    apply(application, _input, { context, now }) {
      const due = abandonDueAt(application, context.config);
      if (now.getTime() < due.getTime()) return { wakeAt: due.toISOString() };
      return {
        next: withStatus(application, 'ABANDONED'),
        changes: { lastActivityAt: application.lastActivityAt },
      };
    },
  },
} satisfies ActionDefinitions<
  | 'update'
  | 'add-document'
  | 'remove-document'
  | 'complete-details'
  | 'reopen'
  | 'submit'
  | 'withdraw'
  | 'abandon'
>;

function pickDetails(application: Details): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const key of DETAIL_FIELDS) if (application[key] !== undefined) details[key] = application[key];
  return details;
}

function withoutDetails(application: Application): Omit<Application, keyof Details> {
  const { exporter, goods, consignee, endUser, endUse, ...rest } = application;
  return rest;
}
