import { AsyncLocalStorage } from 'node:async_hooks';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from './dynamodb-sdk.ts';
import type { HttpResult } from './http.ts';

/**
 * A request with an `Idempotency-Key` runs its route at once. The adapters that write (DynamoDB,
 * blobs) await `writesAllowed()` first: inside `afterClaim`, a write first stores a claim on the
 * key (once per request), so none leaves when another request holds or answered the key, and a
 * duplicate arriving meanwhile is told the key is in use.
 *
 * A route whose change is one transaction hands its response over before committing it
 * (`committing`): that transaction then also stores the response as the request's answer
 * (`transactWrite`), conditioned on the key being free, so the change and its stored answer commit
 * together or not at all, and it needs no claim.
 */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface ClaimedRequest {
  /** Stores the claim on the key (once; later calls get the same promise); rejects when refused. */
  readonly claim: () => Promise<void>;
  /** Settles once a claim asked for is stored or refused; at once when none was asked for. */
  readonly claimSettled: () => Promise<void>;
  /**
   * The write that stores `response` as the answer, conditioned on the key being as this request
   * left it: still free, or still this request's claim.
   */
  readonly completion: (response: HttpResult) => TransactItem;
  /** True once a transaction carried the completion and committed. */
  completed: boolean;
  /** The response being committed, while `committing`. */
  answering?: HttpResult | undefined;
}

/**
 * The key was no longer as this request left it when its change was to commit (another request
 * with the key answered or claimed it meanwhile): nothing was written.
 */
export class ClaimLostError extends Error {
  /** The record the completion's condition found (ALL_OLD); none when a concurrent commit held it. */
  constructor(readonly record: Record<string, AttributeValue> | undefined) {
    super('the idempotency key was no longer this request’s');
  }
}

const claims = new AsyncLocalStorage<ClaimedRequest>();
/** Set while the transaction that carries the request's answer is sent: it needs no claim. */
const answering = new AsyncLocalStorage<boolean>();

/** Runs `work` so that its writes claim the key first (and fail when another request holds it). */
export function afterClaim<T>(request: ClaimedRequest, work: () => Promise<T>): Promise<T> {
  return claims.run(request, work);
}

/**
 * Resolves at once outside `afterClaim` and for the transaction carrying the answer (its condition
 * stands in for the claim); any other write waits for the claim to be stored.
 */
export async function writesAllowed(): Promise<void> {
  const request = claims.getStore();
  // The claim's own write leaves outside the request's barrier.
  if (request && !answering.getStore()) await claims.exit(() => request.claim());
}

/**
 * Commits a route's change (`commit` sends one transaction through `transactWrite`) answered by
 * `response`: under a claim the transaction stores the response too; outside, it only commits.
 */
export async function committing(response: HttpResult, commit: () => Promise<void>): Promise<HttpResult> {
  const request = claims.getStore();
  if (request) request.answering = response;
  try {
    await commit();
  } finally {
    if (request) request.answering = undefined;
  }
  return response;
}

/**
 * Sends a commit's transaction, with the completion of the answer being committed as its last item
 * (taken once). When that item cancelled it (another request with the key answered or claimed it
 * meanwhile), ClaimLostError.
 */
export async function transactWrite(
  items: TransactItem[],
  send: (items: TransactItem[]) => Promise<unknown>,
): Promise<void> {
  const request = claims.getStore();
  const response = request?.answering;
  if (!request || !response) {
    await send(items);
    return;
  }
  request.answering = undefined;
  // A claim already asked for decides the answer's condition: still ours, or the key still free.
  await request.claimSettled();
  const completion = request.completion(response);
  try {
    await answering.run(true, () => send([...items, completion]));
  } catch (error) {
    const refusal =
      error instanceof TransactionCanceledException ? error.CancellationReasons?.[items.length] : undefined;
    if (refusal?.Code === 'ConditionalCheckFailed') throw new ClaimLostError(refusal.Item);
    // A duplicate's commit was writing the same record at that moment.
    if (refusal?.Code === 'TransactionConflict') throw new ClaimLostError(undefined);
    throw error;
  }
  request.completed = true;
}
