import { createHash, randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../domain/errors.ts';
import * as z from '../domain/zod.ts';
import { documentClient } from './dynamodb.ts';
import {
  ConditionalCheckFailedException,
  DeleteCommand,
  GetCommand,
  PutCommand,
  unmarshall,
} from './dynamodb-sdk.ts';
import type { HttpResult } from './http.ts';
import { logger } from './observability.ts';
import { IDEMPOTENCY_TTL_ATTRIBUTE, tableNamesFromEnv } from './table-definitions.ts';
import { API_FUNCTION_TIMEOUT_SECONDS } from './timeouts.ts';
import { afterClaim, type ClaimedRequest, ClaimLostError } from './write-barrier.ts';

/**
 * `Idempotency-Key` on the Idempotency table: the key is scoped to caller, method and path; the
 * body is validated so a reused key with another body is refused; only successful responses are
 * stored (a thrown error deletes the claim). The record keeps the layout Powertools Idempotency
 * wrote (id `<function name>#<md5 of the scope>`, `status`, `expiration` in seconds for the TTL,
 * `in_progress_expiration` in ms, `validation`, `data`), so records written before stay valid; a
 * claim also carries `claim_id`, this request's own, which other readers ignore.
 *
 * Nothing is read or written before the route runs (write-barrier.ts). A route that commits its
 * change in one transaction stores the response in it (`committing`), conditioned on the key being
 * free: no claim is written, and of concurrent duplicates one commits and the others answer with
 * its response. Any other route stores a conditional claim before its first write and its response
 * by one write after it. Every refusal returns the record it found (ALL_OLD), which answers: the
 * stored response (a replay), IDEMPOTENCY_IN_PROGRESS, or IDEMPOTENCY_KEY_REUSED. A replay's route
 * thus runs its reads again, but none of its writes leaves.
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
    claim_id: z.optional(z.string()),
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
/** The record a refused condition returned (ALL_OLD). */
const recordFound = (item: Record<string, AttributeValue>): StoredRecord =>
  StoredRecordSchema.parse(unmarshall(item));

/** Why the route's writes were stopped; never leaves this module (the record found answers). */
class ClaimRefusedError extends Error {}

const table = tableNamesFromEnv().idempotency;
const keyPrefix = process.env.AWS_LAMBDA_FUNCTION_NAME ?? '';
/** Powertools' hash of a value: md5 of its JSON text, base64. */
const hashOf = (value: string): string => createHash('md5').update(JSON.stringify(value)).digest('base64');

/** The record's key: scoped as Powertools scoped it (the function's name, then the hash). */
export const idempotencyRecordId = (scope: string): string => `${keyPrefix}#${hashOf(scope)}`;

/**
 * The key is free when it has no record, one past its 24 h expiry, or an in-progress one whose
 * function has timed out (it crashed). The condition and `liveRecord` say the same.
 */
const KEY_IS_FREE =
  'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inProgress AND #inProgressExpiry < :nowMs)';
const freeKeyCondition = (now: number) => ({
  ConditionExpression: KEY_IS_FREE,
  ExpressionAttributeNames: {
    '#id': 'id',
    '#expiry': IDEMPOTENCY_TTL_ATTRIBUTE,
    '#status': 'status',
    '#inProgressExpiry': 'in_progress_expiration',
  },
  ExpressionAttributeValues: { ':now': now / 1000, ':nowMs': now, ':inProgress': IN_PROGRESS },
});

export async function idempotent(
  request: IdempotentRequest,
  context: Context,
  run: () => Promise<HttpResult>,
): Promise<HttpResult> {
  const id = idempotencyRecordId(request.scope);
  const validation = hashOf(request.body);
  const inProgressUntil = Date.now() + context.getRemainingTimeInMillis();
  // Duplicates started in the same millisecond share `inProgressUntil`: the claim names its request.
  const claimId = randomUUID();
  /** The record that refused this request's claim (another request holds or answered the key). */
  let refusedBy: StoredRecord | undefined;
  let claimed: Promise<void> | undefined;
  let claimStored = false;
  const keyed: ClaimedRequest = {
    claim: () => {
      claimed ??= claim(id, validation, inProgressUntil, claimId).then((refusal) => {
        if (refusal) {
          refusedBy = refusal;
          throw new ClaimRefusedError();
        }
        claimStored = true;
      });
      return claimed;
    },
    claimSettled: () => claimed?.then(settledClaim, settledClaim) ?? Promise.resolve(),
    completion: (response) => ({
      Put: {
        TableName: table,
        Item: completedRecord(id, validation, response),
        // Over this request's claim, or while the key is still free: of concurrent duplicates the
        // first to commit stores its answer and the others' changes are cancelled.
        ...(claimStored ? ourClaimCondition(claimId) : freeKeyCondition(Date.now())),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    completed: false,
  };
  let response: HttpResult;
  try {
    response = await afterClaim(keyed, run);
  } catch (error) {
    // The key is another request's: answer as its record answers (nothing was written).
    if (refusedBy) return answerFrom(refusedBy, validation);
    if (error instanceof ClaimLostError) {
      // A conflict on the record, not another request's record found: our claim may still be there.
      if (claimStored && !error.record) await release(id, claimId);
      return answerFromLost(error, validation);
    }
    if (claimStored) await release(id, claimId);
    else {
      // A replay, or a duplicate refused because its twin changed the state first.
      const taken = await liveRecord(id).catch(() => null);
      if (taken) return answerFrom(taken, validation);
    }
    throw error;
  }
  return keyed.completed ? response : complete(id, validation, response, claimStored);
}

const settledClaim = () => undefined;

/** The key's record, read consistently, unless the key is free (`KEY_IS_FREE`). */
async function liveRecord(id: string): Promise<StoredRecord | null> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true }),
  );
  if (!Item) return null;
  const now = Date.now();
  const record = StoredRecordSchema.parse(Item);
  const expired = Number(Item[IDEMPOTENCY_TTL_ATTRIBUTE]) < now / 1000;
  const crashed =
    record.status === IN_PROGRESS &&
    record.in_progress_expiration !== undefined &&
    record.in_progress_expiration < now;
  return expired || crashed ? null : record;
}

/**
 * Puts the in-progress record if the key is still free; answers the record that refused it. A
 * refusal by this very claim (the SDK retried a Put whose answer was lost) is the claim stored.
 */
async function claim(
  id: string,
  validation: string,
  inProgressUntil: number,
  claimId: string,
): Promise<StoredRecord | null> {
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
          claim_id: claimId,
          validation,
        },
        ...freeKeyCondition(now),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return null;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException && error.Item) {
      const record = recordFound(error.Item);
      return record.status === IN_PROGRESS && record.claim_id === claimId ? null : record;
    }
    throw error;
  }
}

/** The record is still this request's claim. */
const ourClaimCondition = (claimId: string) => ({
  ConditionExpression: '#status = :inProgress AND #claimId = :ours',
  ExpressionAttributeNames: { '#status': 'status', '#claimId': 'claim_id' },
  ExpressionAttributeValues: { ':inProgress': IN_PROGRESS, ':ours': claimId },
});

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
  return answerFrom(recordFound(lost.record), validation);
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
 * Stores the response for replays: over this request's claim, or, when it wrote none, only while
 * the key is free (else the record found answers: a replay, or a duplicate that answered first).
 * The route has committed: if this write fails the response is still returned (a 500 would invite
 * the retry that, once the claim lapses, runs the route again).
 */
async function complete(
  id: string,
  validation: string,
  response: HttpResult,
  overClaim: boolean,
): Promise<HttpResult> {
  try {
    await documentClient.send(
      new PutCommand({
        TableName: table,
        Item: completedRecord(id, validation, response),
        ...(overClaim
          ? {}
          : { ...freeKeyCondition(Date.now()), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException && error.Item) {
      return answerFrom(recordFound(error.Item), validation);
    }
    logger.error('idempotency record not completed; the key is held until the claim lapses', {
      error: error instanceof Error ? error : String(error),
    });
  }
  return response;
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

/**
 * Frees the key of a request that failed (errors are not stored), if the record is still this
 * request's claim; if that fails, the claim lapses.
 */
async function release(id: string, claimId: string): Promise<void> {
  try {
    await documentClient.send(
      new DeleteCommand({ TableName: table, Key: { id }, ...ourClaimCondition(claimId) }),
    );
  } catch (error) {
    // Another request's record now: not ours to delete.
    if (error instanceof ConditionalCheckFailedException) return;
    logger.warn('idempotency claim not released; the key is held until it lapses', {
      error: error instanceof Error ? error : String(error),
    });
  }
}
