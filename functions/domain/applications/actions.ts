import type { DomainConfig } from '../config.ts';
import type {
  ActionBody,
  Actor,
  Application,
  AuditEvent,
  Details,
  DetailsPatch,
  DocumentRecord,
  Flag,
  FlagCode,
  UserActor,
  Warning,
} from '../schemas.ts';
import type { Action, Status } from './lifecycle.ts';

/**
 * The vocabulary of application actions: each action's input, the context it runs in, and the
 * shape of one action's definition. Each action is one small function in `drafting.ts`,
 * `screening-results.ts`, `review.ts` or `decision.ts`; `apply-action.ts` runs them.
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
  /** `create` of an amendment: the licence it varies and the original application's documents. */
  amendment?: { licenceNumber: string; documents: DocumentRecord[] };
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
  appeal: ActionBody<'appeal'>;
  'decide-appeal': ActionBody<'decide-appeal'>;
}

export interface ActionResult {
  application: Application;
  /** Null when nothing changed (a repeated claim, a timer that fired before its time). */
  event: AuditEvent | null;
  /** For timer actions that fired early: when the rule can apply. */
  wakeAt?: string;
  /** What the caller should know although the action succeeded (e.g. a certain refusal ahead). */
  warnings?: Warning[];
}

/** What one action changes: the next state, the audit event's `changes` and its reason codes. */
export interface Change {
  next: Application;
  changes: Record<string, unknown>;
  reasons?: string[];
  warnings?: Warning[];
}

/** A change; `{ wakeAt }` for a timer that fired before its time; null when nothing changes. */
export type TransitionResult = Change | { wakeAt: string } | null;

/** What an action's function gets besides the application and its input. */
export interface Step {
  actor: Actor;
  context: ActionContext;
  now: Date;
  /** `now` as stored. */
  at: string;
  sub: string;
  /** The role by which the caller appears to applicants. */
  role: string;
}

/** 403 NOT_ASSIGNED / SEPARATION_OF_DUTIES or 409 ALREADY_ASSIGNED for a user the action's rule excludes. */
export type ActorRule = (application: Application, actor: UserActor) => Error | null;

/** One action on an existing application. */
export interface ActionDefinition<A extends Action> {
  apply: (application: Application, input: ActionInputs[A], step: Step) => TransitionResult;
  actorRule?: ActorRule;
  /** Beyond the status: whether the action is open at all (otherwise 409 INVALID_TRANSITION, like a wrong status). */
  available?: (application: Application) => boolean;
  /**
   * Whether `allowedActions` offers it (when it would succeed but do nothing, or is refused at
   * `now`, it is not offered). Without `now`, time rules are not applied.
   */
  offered?: (application: Application, now: Date | undefined) => boolean;
  /** Whether it issues a licence when it succeeds (the caller then allocates a number). */
  issuesLicence?: (application: Application, input: ActionInputs[A], config: DomainConfig) => boolean;
}

export type UpdateAction = Exclude<Action, 'create'>;
export type ActionDefinitions<A extends UpdateAction> = { [K in A]: ActionDefinition<K> };

export const withStatus = (application: Application, status: Status, patch: Partial<Application> = {}) => ({
  ...application,
  ...patch,
  status,
});

export function mergeFlags(
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
