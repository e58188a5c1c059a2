import { describe, expect, it } from 'vitest';
import {
  AlreadyAssignedError,
  DomainError,
  ForbiddenError,
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  IncompleteError,
  InvalidTransitionError,
  MethodNotAllowedError,
  NotAssignedError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  SeparationOfDutiesError,
  ThrottledError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
  VersionConflictError,
} from '#domain/errors.ts';

describe('domain errors', () => {
  it.each([
    [new ValidationError([{ path: 'x', message: 'bad' }]), 400, 'VALIDATION_FAILED', 'ValidationError'],
    [new UnauthorizedError(), 401, 'UNAUTHORIZED', 'UnauthorizedError'],
    [new ForbiddenError(), 403, 'FORBIDDEN', 'ForbiddenError'],
    [new NotAssignedError(), 403, 'NOT_ASSIGNED', 'NotAssignedError'],
    [new SeparationOfDutiesError(), 403, 'SEPARATION_OF_DUTIES', 'SeparationOfDutiesError'],
    [new NotFoundError(), 404, 'NOT_FOUND', 'NotFoundError'],
    [new MethodNotAllowedError(['GET', 'POST']), 405, 'METHOD_NOT_ALLOWED', 'MethodNotAllowedError'],
    [
      new InvalidTransitionError('submit', 'DRAFT', ['withdraw']),
      409,
      'INVALID_TRANSITION',
      'InvalidTransitionError',
    ],
    [new AlreadyAssignedError(), 409, 'ALREADY_ASSIGNED', 'AlreadyAssignedError'],
    [new VersionConflictError(3), 409, 'VERSION_CONFLICT', 'VersionConflictError'],
    [new IdempotencyInProgressError(), 409, 'IDEMPOTENCY_IN_PROGRESS', 'IdempotencyInProgressError'],
    [new PreconditionFailedError(1, 2), 412, 'PRECONDITION_FAILED', 'PreconditionFailedError'],
    [new PayloadTooLargeError('too big'), 413, 'PAYLOAD_TOO_LARGE', 'PayloadTooLargeError'],
    [new UnsupportedMediaTypeError('not a pdf'), 415, 'UNSUPPORTED_MEDIA_TYPE', 'UnsupportedMediaTypeError'],
    [new IncompleteError('missing', [{ path: 'goods' }]), 422, 'INCOMPLETE', 'IncompleteError'],
    [new IdempotencyKeyReusedError(), 422, 'IDEMPOTENCY_KEY_REUSED', 'IdempotencyKeyReusedError'],
    [new ThrottledError(), 429, 'THROTTLED', 'ThrottledError'],
  ] as const)('carries HTTP status and code: %s', (error, status, code, name) => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ status, code, name });
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('details an invalid transition with the status and the allowed actions', () => {
    expect(new InvalidTransitionError('submit', 'DRAFT', ['withdraw']).details).toEqual([
      { status: 'DRAFT', allowedActions: ['withdraw'] },
    ]);
  });

  it('details a failed precondition with both versions', () => {
    expect(new PreconditionFailedError(3, 5)).toMatchObject({ details: [{ expected: 3, actual: 5 }] });
  });

  it('keeps the allowed methods and the current version for the adapters', () => {
    expect(new MethodNotAllowedError(['GET']).allow).toEqual(['GET']);
    expect(new VersionConflictError(4).currentVersion).toBe(4);
  });
});
