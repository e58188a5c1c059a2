import { describe, expect, it } from 'vitest';
import { auditRoutes } from '#handlers/api/audit-routes.ts';
import { allRoutes } from '#handlers/api/contract.ts';
import { apiFunctionOf } from '#handlers/api/paths.ts';
import { routes } from '#handlers/api/routes.ts';

describe('the API functions', () => {
  it('serve each route where paths.ts (API Gateway, the local server) sends it', () => {
    for (const route of routes) expect(apiFunctionOf(route.pattern), route.pattern).toBe('api');
    for (const route of auditRoutes) expect(apiFunctionOf(route.pattern), route.pattern).toBe('audit-api');
  });

  it('serve the whole contract between them, each route once', () => {
    const patterns = (table: readonly { pattern: string }[]) => table.map((route) => route.pattern).sort();
    expect(patterns([...routes, ...auditRoutes])).toEqual(patterns(allRoutes));
    expect(new Set(patterns(allRoutes)).size).toBe(allRoutes.length);
  });

  it('send a path at or below an audit-verification path to audit-api, any other to api', () => {
    expect(apiFunctionOf('/applications/app_1/audit/verify')).toBe('audit-api');
    expect(apiFunctionOf('/licences/EXL-1/audit/verify/')).toBe('audit-api');
    expect(apiFunctionOf('/licences/EXL-1/audit/verify/more')).toBe('audit-api');
    expect(apiFunctionOf('/applications/app_1/audit')).toBe('api');
    expect(apiFunctionOf('/applications/app_1/audit/verified')).toBe('api');
    expect(apiFunctionOf('/applications/audit/verify')).toBe('api');
    expect(apiFunctionOf('/')).toBe('api');
  });
});
