import { readFile } from 'node:fs/promises';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '#handlers/api/contract.ts';
import { openApiJson } from '#handlers/api/openapi.ts';
import { openApiFiles } from '../../scripts/openapi-files.ts';
import { type Caller, startTestApi, type TestApi } from '../support/api.ts';

/** `GET /openapi.json`: public, valid OpenAPI 3.1, and the same set of routes the router serves. */

let api: TestApi;
let audrey: Caller;
// biome-ignore lint/suspicious/noExplicitAny: the document is walked field by field below
let document: any;

beforeAll(async () => {
  api = await startTestApi();
  audrey = await api.as('audrey', 'authority', ['auditor']);
  const response = await api.anonymous().get('/openapi.json');
  expect(response.status).toBe(200);
  document = response.body;
});
afterAll(() => api.stop());

const METHODS = ['get', 'post', 'patch', 'delete'];

describe('GET /openapi.json', () => {
  it('is served without a token and validates as OpenAPI 3.1', async () => {
    expect(document.openapi).toBe('3.1.0');
    const config = await createConfig({ extends: ['minimal'] });
    const problems = await lintFromString({ source: JSON.stringify(document), config });
    expect(problems.filter((problem) => problem.severity === 'error')).toEqual([]);
  });

  it('is the document generated from the current route table, with its client types (npm run openapi)', async () => {
    for (const file of await openApiFiles()) {
      expect(await readFile(file.path, 'utf8'), `${file.path}: run npm run openapi`).toBe(file.contents);
    }
    expect(document).toEqual(JSON.parse(openApiJson(allRoutes)));
  });

  it('documents every method of every route of the router, and nothing else', () => {
    const served = allRoutes.flatMap((route) =>
      Object.keys(route.methods).map(
        (method) => `${method.toLowerCase()} ${route.pattern.replace(/:(\w+)/g, '{$1}')}`,
      ),
    );
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item as object)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(served.sort());
  });

  it('answers every documented operation (no 405, no unknown-route 404)', async () => {
    const created = await (await api.as('alice', 'acme', ['applicant'])).post('/applications', {});
    const id: string = created.body.applicationId;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item as object).filter((key) => METHODS.includes(key))) {
        const concrete = path
          .replace('{id}', id)
          .replace('{documentId}', 'doc_unknown')
          .replace('{action}', 'screening-cleared');
        const response = await send(audrey, method, concrete);
        // A 404 of a missing document or execution is an answer; the router's own 404 is not.
        const answer = `${method} ${path}: ${response.status} ${response.body?.error?.message}`;
        expect(response.status, answer).not.toBe(405);
        expect(response.body?.error?.message, answer).not.toBe('No such route.');
      }
    }
  });

  it('describes action bodies, roles, enums and error codes', () => {
    const submit = document.paths['/applications/{id}/actions/submit'].post;
    expect(submit['x-roles']).toEqual(['applicant']);
    expect(JSON.stringify(submit.requestBody)).toContain('signedBy');
    expect(Object.keys(submit.responses)).toEqual(
      expect.arrayContaining(['200', '401', '404', '409', '412', '422']),
    );
    const deny = JSON.stringify(document.paths['/applications/{id}/actions/deny'].post.requestBody);
    expect(deny).toContain('RISK_OF_DIVERSION');
    expect(JSON.stringify(document)).toContain('SEPARATION_OF_DUTIES');
    expect(document.paths['/health'].get.security).toEqual([]);
  });
});

function send(caller: Caller, method: string, path: string) {
  if (method === 'get') return caller.get(path);
  if (method === 'delete') return caller.delete(path);
  if (method === 'patch') return caller.patch(path, {});
  return caller.post(path, {});
}
