/**
 * The api function's own timeout. Kept well under API Gateway's 29 s: it is also the longest an
 * `Idempotency-Key` of a request that crashed stays "in progress" (idempotency.ts stores the
 * function's remaining time as the in-progress expiry), so a client's retry is refused for at
 * most this long.
 */
export const API_FUNCTION_TIMEOUT_SECONDS = 10;

/**
 * How long API Gateway keeps a Cognito authorizer's result for a token (the stack's
 * `resultsCacheTtl`); the local API server caches accepted tokens as long.
 */
export const AUTHORIZER_CACHE_SECONDS = 300;
