import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  DomainError,
  IdempotencyInProgressError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  ValidationError,
} from '../domain/errors.ts';
import { LIMITS } from '../domain/schemas.ts';
import type * as z from '../domain/zod.ts';
import { logger } from './observability.ts';

/** HTTP plumbing for the API handler: parsing with zod and the one error → response mapping. */
export type HttpResult = APIGatewayProxyResult;

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Maps typed errors to their status; anything else is a logged 500 without details. */
export function toHttpResponse(error: unknown): HttpResult {
  if (error instanceof DomainError) {
    const headers: Record<string, string> = {};
    if (error instanceof MethodNotAllowedError) headers.allow = error.allow.join(', ');
    if (error instanceof IdempotencyInProgressError) headers['retry-after'] = String(error.retryAfterSeconds);
    return json(
      error.status,
      { error: { code: error.code, message: error.message, details: error.details } },
      headers,
    );
  }
  logger.error('unhandled error', { error: error instanceof Error ? error : String(error) });
  return json(500, { error: { code: 'INTERNAL', message: 'Internal server error.', details: [] } });
}

export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

export function validate<S extends z.ZodMiniType>(schema: S, value: unknown, where = 'body'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw ValidationError.fromIssues(parsed.error.issues, `The request ${where} is not valid.`);
  return parsed.data;
}

/** How large a body a route reads, and the 413 it answers beyond that. */
export interface BodyLimit {
  bytes: number;
  tooLarge(bodyBytes: number): Error;
}
const DEFAULT_BODY_LIMIT: BodyLimit = {
  bytes: LIMITS.bodyBytes,
  tooLarge: (bodyBytes) =>
    new PayloadTooLargeError(
      `Request bodies may be at most ${LIMITS.bodyBytes} bytes; this one is ${bodyBytes} bytes.`,
    ),
};

/** The JSON body; an empty body counts as `{}` where `emptyAllowed`. */
export function jsonBody(
  event: APIGatewayProxyEvent,
  emptyAllowed: boolean,
  limit: BodyLimit = DEFAULT_BODY_LIMIT,
): unknown {
  const raw = decodeBody(event);
  const bodyBytes = raw ? Buffer.byteLength(raw) : 0;
  if (bodyBytes > limit.bytes) throw limit.tooLarge(bodyBytes);
  if (!raw || raw.trim() === '') {
    if (emptyAllowed) return {};
    throw new ValidationError([{ path: '', message: 'a JSON body is required' }]);
  }
  checkContentType(header(event, 'content-type') ?? '');
  // Text bodies reach the function already decoded; bytes that were not UTF-8 survive only as
  // U+FFFD, which no field of this API has a use for, so its presence means undecodable input.
  if (raw.includes(REPLACEMENT_CHARACTER) || !raw.isWellFormed()) throw notUtf8();
  try {
    return JSON.parse(raw, rejectUnsafeMember);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError([{ path: '', message: 'the body is not valid JSON' }], 'Malformed JSON.');
  }
}

const REPLACEMENT_CHARACTER = '\uFFFD';
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeBody(event: APIGatewayProxyEvent): string | null {
  if (!event.isBase64Encoded || !event.body) return event.body;
  try {
    return fatalUtf8.decode(Buffer.from(event.body, 'base64'));
  } catch {
    throw notUtf8();
  }
}

const notUtf8 = () =>
  new ValidationError(
    [{ path: '', message: 'the body must be valid UTF-8 (no undecodable bytes, no lone surrogates)' }],
    'The request body is not valid UTF-8.',
  );

/** `application/json` or `application/merge-patch+json`, with no charset or `charset=utf-8` only. */
function checkContentType(contentType: string): void {
  const [mediaType = '', ...parameters] = contentType.split(';');
  if (!/^application\/(merge-patch\+)?json$/i.test(mediaType.trim())) {
    throw new ValidationError(
      [{ path: 'content-type', message: 'must be application/json' }],
      'Unsupported content type.',
    );
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    if (
      value
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase() !== 'utf-8'
    ) {
      throw new ValidationError(
        [{ path: 'content-type', message: 'charset must be utf-8 (JSON is always UTF-8, RFC 8259)' }],
        'Unsupported charset.',
      );
    }
  }
}

/**
 * A "__proto__" key would become a prototype at the next object copy: refuse it outright. A
 * `\uD800`-style escape yields a lone surrogate, which is not Unicode text: refuse it too.
 */
function rejectUnsafeMember(key: string, value: unknown): unknown {
  if (key === '__proto__')
    throw new ValidationError([{ path: '__proto__', message: 'is not an allowed key' }]);
  if (!key.isWellFormed() || (typeof value === 'string' && !value.isWellFormed())) throw notUtf8();
  return value;
}

/** `If-Match: "3"` (or W/"3", or 3) → 3; absent → undefined. */
export function ifMatchVersion(event: APIGatewayProxyEvent): number | undefined {
  const raw = header(event, 'if-match');
  if (raw === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!match?.[1])
    throw new ValidationError([{ path: 'If-Match', message: 'must be a version such as "3"' }]);
  return Number(match[1]);
}
