/**
 * A deliberately simple, independent model of one application as DESIGN.md describes it: who may
 * do what in which status, and the answer each request should get (in the documented precedence).
 * It shares no code with functions/domain, so it can disagree with `applyAction`.
 */
export type ModelStatus =
  | 'DRAFT'
  | 'END_USER_DOCS'
  | 'UNDER_REVIEW'
  | 'INFORMATION_REQUESTED'
  | 'PENDING_SIGN_OFF'
  | 'APPROVED'
  | 'DENIED'
  | 'WITHDRAWN';
export type Person = 'alice' | 'bob' | 'rita' | 'ravi' | 'sam' | 'sara' | 'audrey' | 'otto';
export const PEOPLE: Person[] = ['alice', 'bob', 'rita', 'ravi', 'sam', 'sara', 'audrey', 'otto'];
const KIND: Record<Person, 'own' | 'other' | 'reviewer' | 'senior' | 'watcher'> = {
  alice: 'own',
  bob: 'other',
  rita: 'reviewer',
  ravi: 'reviewer',
  sam: 'senior',
  sara: 'senior',
  audrey: 'watcher',
  otto: 'watcher',
};

export interface Model {
  status: ModelStatus;
  submitted: boolean;
  assignedTo: Person | null;
  recommendedBy: Person | null;
  recommendation: 'APPROVED' | 'DENIED' | null;
  highValue: boolean;
  extraDocuments: number;
}

export const newModel = (highValue: boolean): Model => ({
  status: 'DRAFT',
  submitted: false,
  assignedTo: null,
  recommendedBy: null,
  recommendation: null,
  highValue,
  extraDocuments: 0,
});

export const MODEL_ACTIONS = [
  'update',
  'add-document',
  'remove-document',
  'complete-details',
  'reopen',
  'submit',
  'claim',
  'release',
  'reassign',
  'request-information',
  'respond',
  'approve',
  'deny',
  'sign-off',
  'withdraw',
  'screening-cleared',
] as const;
export type ModelAction = (typeof MODEL_ACTIONS)[number];

export interface Answer {
  status: number;
  code?: string;
}

const FINAL: ModelStatus[] = ['APPROVED', 'DENIED', 'WITHDRAWN'];
export const isOpen = (model: Model) => !FINAL.includes(model.status);

/** The answer to `action` by `who`, and the model after it (unchanged when refused). */
export function step(
  model: Model,
  action: ModelAction,
  who: Person,
  options: { badBody: boolean; reassignTo: Person },
): { answer: Answer; next: Model } {
  const refuse = (status: number, code: string) => ({ answer: { status, code }, next: model });
  const kind = KIND[who];
  // No body schema exists for a DELETE or for a system action (never callable), so no 400 either.
  const bodyless = action === 'remove-document' || action === 'screening-cleared';
  if (options.badBody && !bodyless) return refuse(400, 'VALIDATION_FAILED');
  // visibility
  if (kind === 'other') return refuse(404, 'NOT_FOUND');
  if ((kind === 'reviewer' || kind === 'senior') && !model.submitted) return refuse(404, 'NOT_FOUND');
  const ok = (next: Partial<Model>, status = 200) => ({ answer: { status }, next: { ...model, ...next } });
  const s = model.status;
  const reviewing = s === 'UNDER_REVIEW' || s === 'INFORMATION_REQUESTED';
  const applicantOnly = () => kind !== 'own';
  const reviewerOnly = () => kind !== 'reviewer' && kind !== 'senior';
  switch (action) {
    case 'screening-cleared':
      return refuse(403, 'FORBIDDEN');
    case 'update':
      if (applicantOnly()) return refuse(403, 'FORBIDDEN');
      return s === 'DRAFT' ? ok({}) : refuse(409, 'INVALID_TRANSITION');
    case 'add-document':
      if (applicantOnly()) return refuse(403, 'FORBIDDEN');
      return ['DRAFT', 'END_USER_DOCS', 'INFORMATION_REQUESTED'].includes(s)
        ? ok({ extraDocuments: model.extraDocuments + 1 }, 201)
        : refuse(409, 'INVALID_TRANSITION');
    case 'remove-document':
      if (applicantOnly()) return refuse(403, 'FORBIDDEN');
      return s === 'DRAFT' || s === 'END_USER_DOCS'
        ? ok({ extraDocuments: model.extraDocuments - 1 })
        : refuse(409, 'INVALID_TRANSITION');
    case 'complete-details':
      if (applicantOnly()) return refuse(403, 'FORBIDDEN');
      return s === 'DRAFT' ? ok({ status: 'END_USER_DOCS' }) : refuse(409, 'INVALID_TRANSITION');
    case 'reopen':
      if (applicantOnly()) return refuse(403, 'FORBIDDEN');
      return s === 'END_USER_DOCS' ? ok({ status: 'DRAFT' }) : refuse(409, 'INVALID_TRANSITION');
    case 'submit':
      if (applicantOnly()) return refuse(403, 'FORBIDDEN');
      // Clean parties and goods: screening clears it, unassigned.
      return s === 'END_USER_DOCS'
        ? ok({ status: 'UNDER_REVIEW', submitted: true })
        : refuse(409, 'INVALID_TRANSITION');
    case 'claim':
      if (reviewerOnly()) return refuse(403, 'FORBIDDEN');
      if (!reviewing) return refuse(409, 'INVALID_TRANSITION');
      if (model.assignedTo !== null && model.assignedTo !== who) return refuse(409, 'ALREADY_ASSIGNED');
      return ok({ assignedTo: who });
    case 'release':
      if (reviewerOnly()) return refuse(403, 'FORBIDDEN');
      if (!reviewing) return refuse(409, 'INVALID_TRANSITION');
      return model.assignedTo === who ? ok({ assignedTo: null }) : refuse(403, 'NOT_ASSIGNED');
    case 'reassign':
      if (kind !== 'senior') return refuse(403, 'FORBIDDEN');
      if (!reviewing) return refuse(409, 'INVALID_TRANSITION');
      return ok({ assignedTo: options.reassignTo });
    case 'request-information':
      if (reviewerOnly()) return refuse(403, 'FORBIDDEN');
      if (s !== 'UNDER_REVIEW') return refuse(409, 'INVALID_TRANSITION');
      return model.assignedTo === who ? ok({ status: 'INFORMATION_REQUESTED' }) : refuse(403, 'NOT_ASSIGNED');
    case 'respond':
      if (applicantOnly()) return refuse(403, 'FORBIDDEN');
      return s === 'INFORMATION_REQUESTED'
        ? ok({ status: 'UNDER_REVIEW' })
        : refuse(409, 'INVALID_TRANSITION');
    case 'approve':
    case 'deny': {
      if (reviewerOnly()) return refuse(403, 'FORBIDDEN');
      if (s !== 'UNDER_REVIEW') return refuse(409, 'INVALID_TRANSITION');
      if (model.assignedTo !== who) return refuse(403, 'NOT_ASSIGNED');
      const outcome = action === 'approve' ? 'APPROVED' : 'DENIED';
      // Every denial by a person, and an approval at or over the threshold, needs a sign-off.
      if (action === 'approve' && !model.highValue) return ok({ status: 'APPROVED' });
      return ok({ status: 'PENDING_SIGN_OFF', recommendedBy: who, recommendation: outcome });
    }
    case 'sign-off':
      if (kind !== 'senior') return refuse(403, 'FORBIDDEN');
      if (s !== 'PENDING_SIGN_OFF') return refuse(409, 'INVALID_TRANSITION');
      if (model.recommendedBy === who) return refuse(403, 'SEPARATION_OF_DUTIES');
      return ok({ status: model.recommendation === 'DENIED' ? 'DENIED' : 'APPROVED' });
    case 'withdraw':
      if (applicantOnly()) return refuse(403, 'FORBIDDEN');
      return isOpen(model) ? ok({ status: 'WITHDRAWN' }) : refuse(409, 'INVALID_TRANSITION');
  }
}

/** mulberry32: a small seeded PRNG, so a failing soak can be replayed with its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
