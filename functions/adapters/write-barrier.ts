import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A request with an `Idempotency-Key` runs its route while its claim on the key is still being
 * written, so the route's reads overlap that write. The adapters that write (DynamoDB, blobs)
 * await `writesAllowed()` first: inside `afterClaim` no write leaves before the claim succeeded,
 * and none leaves at all when it failed (a replay, or the key in use).
 */
const claims = new AsyncLocalStorage<Promise<void>>();

/** Runs `work` so that its writes wait for `claim` (and fail with its error if it rejects). */
export function afterClaim<T>(claim: Promise<void>, work: () => Promise<T>): Promise<T> {
  // Only awaited by the writes: unobserved when the work writes nothing.
  claim.catch(() => {});
  return claims.run(claim, work);
}

/** Resolves at once outside `afterClaim`; inside, when the claim succeeded. */
export async function writesAllowed(): Promise<void> {
  await claims.getStore();
}
