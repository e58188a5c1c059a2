import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../domain/errors.ts';
import type { HttpResult } from './http.ts';
import { tableNamesFromEnv } from './table-definitions.ts';
import { API_FUNCTION_TIMEOUT_SECONDS } from './timeouts.ts';

/**
 * `Idempotency-Key` with Powertools Idempotency on DynamoDB: the key is scoped to caller, method and
 * path; the body is validated so a reused key with another body is refused. Only successful
 * responses are stored (a thrown error deletes the in-progress record).
 */
interface IdempotentRequest {
  scope: string;
  body: string;
}

const config = new IdempotencyConfig({
  eventKeyJmesPath: 'scope',
  payloadValidationJmesPath: 'body',
  expiresAfterSeconds: 24 * 60 * 60,
});

const persistenceStore = new DynamoDBPersistenceLayer({ tableName: tableNamesFromEnv().idempotency });

const runOnce = makeIdempotent(
  async (_request: IdempotentRequest, run: () => Promise<HttpResult>): Promise<HttpResult> => run(),
  { persistenceStore, config },
);

export async function idempotent(
  request: IdempotentRequest,
  context: Context,
  run: () => Promise<HttpResult>,
): Promise<HttpResult> {
  config.registerLambdaContext(context);
  try {
    return await runOnce(request, run);
  } catch (error) {
    if (error instanceof IdempotencyValidationError) throw new IdempotencyKeyReusedError();
    if (error instanceof IdempotencyAlreadyInProgressError) {
      throw new IdempotencyInProgressError(await secondsUntilClaimLapses(request));
    }
    throw error;
  }
}

/**
 * The in-progress record expires when the function that wrote it would have timed out
 * (API_FUNCTION_TIMEOUT_SECONDS at most); a record gone meanwhile means "retry now" (1 s).
 */
async function secondsUntilClaimLapses(request: IdempotentRequest): Promise<number> {
  try {
    const expiry = (await persistenceStore.getRecord({ ...request })).inProgressExpiryTimestamp;
    if (expiry === undefined) return API_FUNCTION_TIMEOUT_SECONDS;
    return Math.min(API_FUNCTION_TIMEOUT_SECONDS, Math.max(1, Math.ceil((expiry - Date.now()) / 1000)));
  } catch {
    return 1;
  }
}
