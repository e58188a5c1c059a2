import { checkPerformer, displayRole, hasRole, mayPerform } from '../access.ts';
import { sealTransition } from '../audit.ts';
import type { DomainConfig } from '../config.ts';
import { InvalidTransitionError, NotFoundError, PreconditionFailedError } from '../errors.ts';
import type { Actor, Application } from '../schemas.ts';
import type {
  ActionContext,
  ActionDefinition,
  ActionDefinitions,
  ActionInputs,
  ActionResult,
  ActorRule,
  Change,
  UpdateAction,
} from './actions.ts';
import { APPEALS } from './appeals.ts';
import { DECISION } from './decision.ts';
import { create, DRAFTING } from './drafting.ts';
import { refreshClock, stopClock } from './legal-clock.ts';
import { ACTIONS, type Action, isFinal, type Status, TRANSITIONS } from './lifecycle.ts';
import { REVIEW } from './review.ts';
import { SCREENING_RESULTS } from './screening-results.ts';
import { canSee } from './visibility.ts';

export type { ActionContext, ActionInputs, ActionResult, ScreeningOutcome } from './actions.ts';

/**
 * `applyAction`: the one transition function. The API, the workflow's system steps and the
 * tests all change applications only through it. It checks, in the documented precedence,
 * visibility (404), role (403), If-Match (412), status and assignment (409), actor rules (403)
 * and completeness (422), and returns the next state with its sealed audit event.
 */

/** `create`: the one action without an application to act on. */
interface CreateDefinition<A extends Action> {
  create: (actor: Actor, input: ActionInputs[A], context: ActionContext) => Change;
}
type Definition<A extends Action> = ActionDefinition<A> | CreateDefinition<A>;

/**
 * Every action on an existing application, each defined once (lifecycle.ts has the table). Merged
 * by a call marked pure, not by object spread (which esbuild must keep, as a spread may run
 * getters): a bundle that never applies an action (ops-api) then leaves every definition out.
 */
const DEFINITIONS: ActionDefinitions<UpdateAction> = /* @__PURE__ */ Object.assign(
  {},
  DRAFTING,
  SCREENING_RESULTS,
  REVIEW,
  DECISION,
  APPEALS,
);
const ALL_DEFINITIONS: { [A in Action]: Definition<A> } = /* @__PURE__ */ Object.assign(
  { create: { create } },
  DEFINITIONS,
);

const statusAllows = (action: Action, status: Status): boolean =>
  (TRANSITIONS[action].from as readonly Status[]).includes(status);

/** The status allows the action and, where the action has one, its availability rule too. */
const transitionAllows = (action: Action, application: Application): boolean =>
  statusAllows(action, application.status) &&
  (action === 'create' || (DEFINITIONS[action].available?.(application) ?? true));

const checkRole = (action: Action, actor: Actor): void =>
  checkPerformer(action, TRANSITIONS[action].by, actor);

function actorRuleRefusal(application: Application, rule: ActorRule | undefined, actor: Actor): Error | null {
  return actor.kind === 'system' || !rule ? null : rule(application, actor);
}

/**
 * What the caller may do at `now`: role-, status-, assignment- and actor-rule-aware. Without
 * `now`, time rules (the appeal deadline) are not applied.
 */
export function allowedActions(application: Application, actor: Actor, now?: Date): Action[] {
  if (!canSee(actor, application)) return [];
  return ACTIONS.filter((action): action is UpdateAction => {
    if (action === 'create' || !transitionAllows(action, application)) return false;
    if (!mayPerform(TRANSITIONS[action].by, actor)) return false;
    const definition = DEFINITIONS[action];
    if (definition.offered && !definition.offered(application, now)) return false;
    return actorRuleRefusal(application, definition.actorRule, actor) === null;
  });
}

/** Whether this action, if it succeeds, issues a licence (the caller then allocates a number). */
export function willIssueLicence<A extends Action>(
  application: Application,
  action: A,
  input: ActionInputs[A],
  config: DomainConfig,
): boolean {
  const definition: Definition<A> = ALL_DEFINITIONS[action];
  if ('create' in definition) return false;
  return definition.issuesLicence?.(application, input, config) ?? false;
}

export function applyAction<A extends Action>(
  application: Application | null,
  action: A,
  actor: Actor,
  input: ActionInputs[A],
  context: ActionContext,
): ActionResult {
  const definition: Definition<A> = ALL_DEFINITIONS[action];
  if ('create' in definition) {
    checkRole(action, actor);
    return seal(null, definition.create(actor, input, context), action, actor, context);
  }
  if (!application || !canSee(actor, application)) throw new NotFoundError('Application not found.');
  checkRole(action, actor);
  if (context.ifMatch !== undefined && context.ifMatch !== application.version) {
    throw new PreconditionFailedError(context.ifMatch, application.version);
  }
  if (!transitionAllows(action, application)) {
    throw new InvalidTransitionError(
      action,
      application.status,
      allowedActions(application, actor, context.now),
    );
  }
  const refusal = actorRuleRefusal(application, definition.actorRule, actor);
  if (refusal) throw refusal;
  const now = context.now;
  const change = definition.apply(application, input, {
    actor,
    context,
    now,
    at: now.toISOString(),
    sub: actor.sub,
    role: displayRole(actor),
  });
  if (change === null) return { application, event: null };
  if ('wakeAt' in change) return { application, event: null, wakeAt: change.wakeAt };
  return seal(application, change, action, actor, context);
}

/** Bumps the version, stamps times, stops the clock at a final status and seals the event. */
function seal(
  previous: Application | null,
  { next, changes, reasons = [], warnings = [] }: Change,
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
  const fromStatus = previous?.status ?? null;
  const transition = { action, actor, fromStatus, toStatus: next.status, changes, reasons };
  const event = sealTransition(next, { applicationId: next.applicationId }, transition, context);
  const application: Application = {
    ...next,
    clock,
    version: event.seq,
    updatedAt: at,
    lastActivityAt: byApplicant ? at : next.lastActivityAt,
    auditHeadHash: event.hash,
  };
  return warnings.length > 0 ? { application, event, warnings } : { application, event };
}
