import { currentSession, signOut } from './session.ts';
import type { ErrorDetail } from './types.ts';

/**
 * The REST API on the console's own origin (the local API server; CloudFront in front of API
 * Gateway on AWS), with the session's bearer token. Errors come back as `ApiError` with the API's
 * code, message and details, so pages can show them next to the fields they concern.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Send without the token (public endpoints). */
  anonymous?: boolean;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const session = options.anonymous ? null : currentSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    });
  } catch {
    throw new ApiError(
      0,
      'NETWORK',
      'The service could not be reached. Check your connection and try again.',
    );
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (response.ok) return body as T;
  const error = (body as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | null)
    ?.error;
  if (response.status === 401 && !options.anonymous) {
    signOut();
    location.hash = '#/sign-in';
  }
  throw new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? `The service answered ${response.status}.`,
    error?.details ?? [],
  );
}

export const get = <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options);
export const post = <T>(path: string, body: unknown = {}, options?: RequestOptions) =>
  request<T>('POST', path, { ...options, body });
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body });
export const del = <T>(path: string) => request<T>('DELETE', path);

export const enc = encodeURIComponent;
