import { AsyncLocalStorage } from 'node:async_hooks';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from './dynamodb-sdk.ts';
import type { HttpResult } from './http.ts';

/**
 * A request with an `Idempotency-Key` runs its route while its claim on the key is still being
 * written, so the route's reads overlap that write. The adapters that write (DynamoDB, blobs)
 * await `writesAllowed()` first: inside `afterClaim` no write leaves before the claim succeeded,
 * and none leaves at all when it failed (a replay, or the key in use).
 *
 * A route whose change is one transaction hands its response over before committing it
 * (`committing`): that transaction then also stores the response as the request's answer
 * (`transactWrite`), so the change and its stored answer commit together or not at all, and no
 * write follows the commit.
 */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface ClaimedRequest {
  /** Resolves once the claim on the key is stored; rejects when it was refused. */
  readonly held: Promise<void>;
  /** The write that stores `response` as the answer, conditioned on the claim still being this request's. */
  readonly completion: (response: HttpResult) => TransactItem;
  /** True once a transaction carried the completion and committed. */
  completed: boolean;
  /** The completion of the response being committed, while `committing`. */
  answering?: TransactItem | undefined;
}

/** The claim was no longer this request's when its change was to commit: nothing was written. */
export class ClaimLostError extends Error {
  /** The record the completion's condition found (ALL_OLD), if any. */
  constructor(readonly record: Record<string, AttributeValue> | undefined) {
    super('the idempotency claim was no longer this request’s');
  }
}

const claims = new AsyncLocalStorage<ClaimedRequest>();

/** Runs `work` so that its writes wait for `request.held` (and fail with its error if it rejects). */
export function afterClaim<T>(request: ClaimedRequest, work: () => Promise<T>): Promise<T> {
  // Only awaited by the writes: unobserved when the work writes nothing.
  request.held.catch(() => {});
  return claims.run(request, work);
}

/** Resolves at once outside `afterClaim`; inside, when the claim succeeded. */
export async function writesAllowed(): Promise<void> {
  await claims.getStore()?.held;
}

/**
 * Commits a route's change (`commit` sends one transaction through `transactWrite`) answered by
 * `response`: under a claim the transaction stores the response too; outside, it only commits.
 */
export async function committing(response: HttpResult, commit: () => Promise<void>): Promise<HttpResult> {
  const request = claims.getStore();
  if (request) request.answering = request.completion(response);
  try {
    await commit();
  } finally {
    if (request) request.answering = undefined;
  }
  return response;
}

/**
 * Sends a commit's transaction, with the completion of the answer being committed as its last item
 * (taken once). When that item's condition cancelled it (the claim lapsed and another request
 * holds the key), ClaimLostError.
 */
export async function transactWrite(
  items: TransactItem[],
  send: (items: TransactItem[]) => Promise<unknown>,
): Promise<void> {
  const request = claims.getStore();
  const completion = request?.answering;
  if (!request || !completion) {
    await send(items);
    return;
  }
  request.answering = undefined;
  try {
    await send([...items, completion]);
  } catch (error) {
    const refusal =
      error instanceof TransactionCanceledException ? error.CancellationReasons?.[items.length] : undefined;
    if (refusal?.Code === 'ConditionalCheckFailed') throw new ClaimLostError(refusal.Item);
    throw error;
  }
  request.completed = true;
}
