import { createHash } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../domain/errors.ts';
import * as z from '../domain/zod.ts';
import { documentClient } from './dynamodb.ts';
import { ConditionalCheckFailedException, DeleteCommand, PutCommand, unmarshall } from './dynamodb-sdk.ts';
import type { HttpResult } from './http.ts';
import { logger } from './observability.ts';
import { IDEMPOTENCY_TTL_ATTRIBUTE, tableNamesFromEnv } from './table-definitions.ts';
import { API_FUNCTION_TIMEOUT_SECONDS } from './timeouts.ts';
import { afterClaim, type ClaimedRequest, ClaimLostError, type TransactItem } from './write-barrier.ts';

/**
 * `Idempotency-Key` on the Idempotency table: the key is scoped to caller, method and path; the
 * body is validated so a reused key with another body is refused; only successful responses are
 * stored (a thrown error deletes the claim). The record keeps the layout Powertools Idempotency
 * wrote (id `<function name>#<md5 of the scope>`, `status`, `expiration` in seconds for the TTL,
 * `in_progress_expiration` in ms, `validation`, `data`), so records written before stay valid.
 *
 * The conditional claim is sent together with the route, whose reads overlap it and whose writes
 * wait for it (write-barrier.ts); a claim refused returns the record it found (ALL_OLD), so
 * replays and conflicts cost no extra read. A route that commits its change in one transaction
 * stores the response in it (`committing`, conditioned on the claim still being ours); any other
 * route's response is stored by one write after it.
 */
export interface IdempotentRequest {
  scope: string;
  body: string;
}

const EXPIRES_AFTER_SECONDS = 24 * 60 * 60;
const IN_PROGRESS = 'INPROGRESS';
const COMPLETED = 'COMPLETED';

const StoredRecordSchema = z.deferred(() =>
  z.object({
    status: z.enum([IN_PROGRESS, COMPLETED]),
    validation: z.optional(z.string()),
    in_progress_expiration: z.optional(z.number()),
    data: z.optional(
      z.object({
        statusCode: z.number(),
        headers: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
        body: z.string(),
        isBase64Encoded: z.optional(z.boolean()),
      }),
    ),
  }),
);
type StoredRecord = z.infer<typeof StoredRecordSchema>;

type Claim = { held: true } | { held: false; record: StoredRecord };

/** Why the route's writes were stopped; never leaves this module (the stored record answers). */
class ClaimRefusedError extends Error {}

const table = tableNamesFromEnv().idempotency;
const keyPrefix = process.env.AWS_LAMBDA_FUNCTION_NAME ?? '';
/** Powertools' hash of a value: md5 of its JSON text, base64. */
const hashOf = (value: string): string => createHash('md5').update(JSON.stringify(value)).digest('base64');

/** The record's key: scoped as Powertools scoped it (the function's name, then the hash). */
export const idempotencyRecordId = (scope: string): string => `${keyPrefix}#${hashOf(scope)}`;

export async function idempotent(
  request: IdempotentRequest,
  context: Context,
  run: () => Promise<HttpResult>,
): Promise<HttpResult> {
  const id = idempotencyRecordId(request.scope);
  const validation = hashOf(request.body);
  const inProgressUntil = Date.now() + context.getRemainingTimeInMillis();
  const claiming = claim(id, validation, inProgressUntil);
  const claimed: ClaimedRequest = {
    held: claiming.then((result) => {
      if (!result.held) throw new ClaimRefusedError();
    }),
    completion: (response) => completionInTransaction(id, validation, inProgressUntil, response),
    completed: false,
  };
  const [claimOutcome, routed] = await Promise.allSettled([claiming, afterClaim(claimed, run)]);
  if (claimOutcome.status === 'rejected') throw claimOutcome.reason;
  if (!claimOutcome.value.held) return answerFrom(claimOutcome.value.record, validation);
  if (routed.status === 'rejected') {
    // The claim is another request's now: answer as that request's claim answers (nothing was written).
    if (routed.reason instanceof ClaimLostError) return answerFromLost(routed.reason, validation);
    await release(id);
    throw routed.reason;
  }
  if (!claimed.completed) await complete(id, validation, routed.value);
  return routed.value;
}

/**
 * Puts the in-progress record unless a live one is there: none, one past its 24 h expiry, or an
 * in-progress one whose function has timed out (it crashed) may be replaced.
 */
async function claim(id: string, validation: string, inProgressUntil: number): Promise<Claim> {
  const now = Date.now();
  try {
    await documentClient.send(
      new PutCommand({
        TableName: table,
        Item: {
          id,
          status: IN_PROGRESS,
          [IDEMPOTENCY_TTL_ATTRIBUTE]: Math.round(now / 1000 + EXPIRES_AFTER_SECONDS),
          in_progress_expiration: inProgressUntil,
          validation,
        },
        ConditionExpression:
          'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inProgress AND #inProgressExpiry < :nowMs)',
        ExpressionAttributeNames: {
          '#id': 'id',
          '#expiry': IDEMPOTENCY_TTL_ATTRIBUTE,
          '#status': 'status',
          '#inProgressExpiry': 'in_progress_expiration',
        },
        ExpressionAttributeValues: { ':now': now / 1000, ':nowMs': now, ':inProgress': IN_PROGRESS },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { held: true };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException && error.Item) {
      return { held: false, record: StoredRecordSchema.parse(unmarshall(error.Item)) };
    }
    throw error;
  }
}

/** The first request's response; another body is refused; a live claim says when it lapses. */
function answerFrom(record: StoredRecord, validation: string): HttpResult {
  if (record.validation !== validation) throw new IdempotencyKeyReusedError();
  if (record.status === IN_PROGRESS || !record.data) {
    throw new IdempotencyInProgressError(secondsUntilLapse(record.in_progress_expiration));
  }
  return record.data;
}

function answerFromLost(lost: ClaimLostError, validation: string): HttpResult {
  if (!lost.record) throw new IdempotencyInProgressError();
  return answerFrom(StoredRecordSchema.parse(unmarshall(lost.record)), validation);
}

/** At most the function's timeout; a claim without an expiry holds the key that long. */
function secondsUntilLapse(inProgressUntil: number | undefined): number {
  if (inProgressUntil === undefined) return API_FUNCTION_TIMEOUT_SECONDS;
  return Math.min(
    API_FUNCTION_TIMEOUT_SECONDS,
    Math.max(1, Math.ceil((inProgressUntil - Date.now()) / 1000)),
  );
}

/**
 * Stores the response for replays. The route has committed: if this write fails the response is
 * still returned (a 500 would invite the retry that, once the claim lapses, runs the route again).
 */
async function complete(id: string, validation: string, response: HttpResult): Promise<void> {
  try {
    await documentClient.send(
      new PutCommand({ TableName: table, Item: completedRecord(id, validation, response) }),
    );
  } catch (error) {
    logger.error('idempotency record not completed; the key is held until the claim lapses', {
      error: error instanceof Error ? error : String(error),
    });
  }
}

/**
 * The completion as an item of the route's commit transaction: only while the record is still this
 * request's claim (in progress, with the expiry it wrote), else the whole change is cancelled and
 * the record found answers (ALL_OLD).
 */
function completionInTransaction(
  id: string,
  validation: string,
  inProgressUntil: number,
  response: HttpResult,
): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: completedRecord(id, validation, response),
      ConditionExpression: '#status = :inProgress AND #inProgressExpiry = :ours',
      ExpressionAttributeNames: { '#status': 'status', '#inProgressExpiry': 'in_progress_expiration' },
      ExpressionAttributeValues: { ':inProgress': IN_PROGRESS, ':ours': inProgressUntil },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

function completedRecord(id: string, validation: string, response: HttpResult): Record<string, unknown> {
  return {
    id,
    status: COMPLETED,
    [IDEMPOTENCY_TTL_ATTRIBUTE]: Math.round(Date.now() / 1000 + EXPIRES_AFTER_SECONDS),
    validation,
    data: response,
  };
}

/** Frees the key of a request that failed (errors are not stored); if that fails, the claim lapses. */
async function release(id: string): Promise<void> {
  try {
    await documentClient.send(new DeleteCommand({ TableName: table, Key: { id } }));
  } catch (error) {
    logger.warn('idempotency claim not released; the key is held until it lapses', {
      error: error instanceof Error ? error : String(error),
    });
  }
}
