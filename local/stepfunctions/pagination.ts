import { ServiceError } from './errors.ts';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface PageRequest {
  maxResults?: number | undefined;
  nextToken?: string | undefined;
}

/**
 * One page of `items`, which are in answer order with keys strictly rising (or falling when
 * `descending`). The token names the last key returned, so items that appear or drop out of a filter
 * between calls neither repeat nor shift the pages.
 */
export function paginate<T>(
  items: readonly T[],
  keyOf: (item: T) => number,
  descending: boolean,
  request: PageRequest,
): { page: T[]; nextToken?: string } {
  const after = request.nextToken === undefined ? undefined : decodeToken(request.nextToken);
  const start =
    after === undefined
      ? 0
      : items.findIndex((item) => (descending ? keyOf(item) < after : keyOf(item) > after));
  if (start < 0) return { page: [] };
  const size = request.maxResults || DEFAULT_PAGE_SIZE;
  const page = items.slice(start, start + size);
  const last = page.at(-1);
  if (start + size >= items.length || last === undefined) return { page };
  return { page, nextToken: encodeToken(keyOf(last)) };
}

function encodeToken(key: number): string {
  return Buffer.from(JSON.stringify({ after: key })).toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof decoded === 'object' &&
      decoded !== null &&
      'after' in decoded &&
      Number.isInteger(decoded.after)
    ) {
      return Number(decoded.after);
    }
  } catch {
    // falls through to the error below
  }
  throw new ServiceError('InvalidToken', 'Invalid Token: the pagination token is malformed');
}
