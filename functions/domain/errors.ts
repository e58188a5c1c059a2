import type * as z from './zod.ts';

/**
 * Typed errors. Each carries its API code and HTTP status, so one function
 * (`toHttpResponse`) maps them with `instanceof DomainError`.
 */
export interface ErrorDetail {
  path?: string;
  message?: string;
  [key: string]: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(details: ErrorDetail[], message = 'The request is not valid.') {
    super(400, 'VALIDATION_FAILED', message, details);
  }

  /** One detail per zod issue: its dotted path and message. */
  static fromIssues(issues: readonly z.core.$ZodIssue[], message?: string): ValidationError {
    return new ValidationError(
      issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
      message,
    );
  }
}
export class UnauthorizedError extends DomainError {
  constructor(message = 'A valid bearer token is required.') {
    super(401, 'UNAUTHORIZED', message);
  }
}
export class ForbiddenError extends DomainError {
  constructor(message = 'Your role does not allow this.') {
    super(403, 'FORBIDDEN', message);
  }
}
export class NotAssignedError extends DomainError {
  /** `unassigned`: nobody holds the case yet, so the caller must claim it first. */
  constructor(unassigned = false) {
    super(
      403,
      'NOT_ASSIGNED',
      unassigned
        ? 'This application is not assigned to anyone: claim it first.'
        : 'Only the reviewer assigned to this application may do this.',
    );
  }
}
export class SeparationOfDutiesError extends DomainError {
  constructor(message = 'A recommendation must be signed off by someone other than its author.') {
    super(403, 'SEPARATION_OF_DUTIES', message);
  }
}
export class NotFoundError extends DomainError {
  constructor(message = 'Not found.') {
    super(404, 'NOT_FOUND', message);
  }
}
export class MethodNotAllowedError extends DomainError {
  constructor(readonly allow: string[]) {
    super(405, 'METHOD_NOT_ALLOWED', `Method not allowed here; allowed: ${allow.join(', ')}.`);
  }
}
export class InvalidTransitionError extends DomainError {
  constructor(action: string, status: string, allowedActions: string[], aggregate = 'application') {
    super(
      409,
      'INVALID_TRANSITION',
      `Action "${action}" is not allowed while the ${aggregate} is ${status}.`,
      [{ status, allowedActions }],
    );
  }
}
export class AlreadyAssignedError extends DomainError {
  constructor() {
    super(409, 'ALREADY_ASSIGNED', 'This application is already assigned to another reviewer.');
  }
}
export class VersionConflictError extends DomainError {
  constructor(readonly currentVersion?: number) {
    super(409, 'VERSION_CONFLICT', 'A concurrent change won; re-read the application and retry.');
  }
}
export class IdempotencyInProgressError extends DomainError {
  /** Seconds until the first request's claim on the key lapses at the latest (sent as Retry-After). */
  constructor(readonly retryAfterSeconds = 1) {
    super(
      409,
      'IDEMPOTENCY_IN_PROGRESS',
      'A request with this Idempotency-Key is still being processed; retry the same request after Retry-After seconds.',
    );
  }
}
export class PreconditionFailedError extends DomainError {
  constructor(expected: number, actual: number) {
    super(
      412,
      'PRECONDITION_FAILED',
      `If-Match version ${expected} differs from the current version ${actual}.`,
      [{ expected, actual }],
    );
  }
}
export class PayloadTooLargeError extends DomainError {
  constructor(message: string) {
    super(413, 'PAYLOAD_TOO_LARGE', message);
  }
}
export class UnsupportedMediaTypeError extends DomainError {
  constructor(message: string) {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', message);
  }
}
export class IncompleteError extends DomainError {
  constructor(message: string, details: ErrorDetail[]) {
    super(422, 'INCOMPLETE', message, details);
  }
}
/** 422 for a usage the licence refuses: `EXCEEDS_LICENCE`, `USAGE_ID_REUSED` or `OUTSIDE_VALIDITY`. */
export class UsageRefusedError extends DomainError {
  constructor(
    code: 'EXCEEDS_LICENCE' | 'USAGE_ID_REUSED' | 'OUTSIDE_VALIDITY',
    message: string,
    details: ErrorDetail[] = [],
  ) {
    super(422, code, message, details);
  }
}
export class AmendmentOpenError extends DomainError {
  constructor(applicationId: string) {
    super(409, 'AMENDMENT_OPEN', 'An amendment of this licence is already open.', [{ applicationId }]);
  }
}
export class LicenceNotActiveError extends DomainError {
  constructor(licenceNumber: string, status: string) {
    super(409, 'LICENCE_NOT_ACTIVE', `Licence ${licenceNumber} is ${status}, not ACTIVE.`, [{ status }]);
  }
}
export class AppealDeadlinePassedError extends DomainError {
  constructor(appealDeadline: string) {
    super(422, 'APPEAL_DEADLINE_PASSED', `The deadline to appeal this denial passed at ${appealDeadline}.`, [
      { appealDeadline },
    ]);
  }
}
export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request.');
  }
}
export class ThrottledError extends DomainError {
  constructor() {
    super(429, 'THROTTLED', 'Too many requests; retry later.');
  }
}
