/**
 * Which API function serves which path, for API Gateway (lib/constructs/api.ts) and the local API
 * server alike: a path at or below one of the audit-api prefixes goes to audit-api, every other path
 * to api. `:name` segments match any one segment, as in the route patterns.
 */
export const API_FUNCTIONS = ['api', 'audit-api'] as const;
export type ApiFunction = (typeof API_FUNCTIONS)[number];

export const AUDIT_API_PREFIXES = [
  '/applications/:id/audit/verify',
  '/licences/:number/audit/verify',
] as const;

const segmentsOf = (path: string): string[] => path.split('/').filter(Boolean);

const underPrefix = (segments: readonly string[], prefix: string): boolean =>
  segmentsOf(prefix).every(
    (part, index) => index < segments.length && (part.startsWith(':') || part === segments[index]),
  );

export function apiFunctionOf(path: string): ApiFunction {
  const segments = segmentsOf(path);
  return AUDIT_API_PREFIXES.some((prefix) => underPrefix(segments, prefix)) ? 'audit-api' : 'api';
}
