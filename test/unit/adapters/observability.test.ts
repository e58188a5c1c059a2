import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '#local/lambdas.ts';
import { testConfig } from '../../support/applications.ts';

/**
 * Request-scoped log fields stay on their own invocation's lines. Locally every handler runs in one
 * process (and a warm Lambda reuses its module state), so the handlers are loaded here as the local
 * stack loads them: the API first, a workflow handler on its first use, after a request.
 */
type Line = Record<string, unknown>;
let lines: Line[];

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  vi.resetModules();
  lines = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const REQUEST_FIELDS = ['method', 'path', 'requestId', 'applicationId'];

const apiEvent = (method: string, path: string, requestId: string) =>
  ({
    httpMethod: method,
    path,
    headers: {},
    requestContext: { requestId },
  }) as unknown as APIGatewayProxyEvent;

const noApplications = {
  items: {
    toReconcile: async function* () {},
    advanceGeneration: () => Promise.resolve(false),
  },
  workflow: {} as never,
  now: () => new Date('2026-03-02T09:00:00Z'),
  config: testConfig(),
  graceMs: 60_000,
};

const logged = (message: string) => lines.filter((line) => line.message === message);

describe('request-scoped log fields', () => {
  it('go on the lines of the API request that set them', async () => {
    const { handler: api } = await import('#handlers/api.ts');

    await api(apiEvent('GET', '/applications/app_EARLIER', 'req-1'), lambdaContext('licence-api'));

    expect(logged('request handled')).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/applications/app_EARLIER',
        requestId: 'req-1',
        applicationId: 'app_EARLIER',
      }),
    ]);
  });

  it('do not reach a workflow handler that loads and runs after an API request', async () => {
    const { handler: api } = await import('#handlers/api.ts');
    await api(apiEvent('GET', '/applications/app_EARLIER', 'req-1'), lambdaContext('licence-api'));

    const { reconcile } = await import('#handlers/reconciler.ts');
    await reconcile(noApplications);

    const [reconciled] = logged('reconciled');
    expect(reconciled).toMatchObject({ checked: 0 });
    for (const field of REQUEST_FIELDS) expect(reconciled).not.toHaveProperty(field);
  });

  it('do not reach lines logged by other work while the request is still running', async () => {
    const { logger, withLogKeys } = await import('#adapters/observability.ts');
    let finish = () => {};
    const request = withLogKeys({ method: 'POST', path: '/applications' }, async () => {
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      logger.info('request line');
    });

    logger.info('timer line');
    finish();
    await request;
    await withLogKeys({ requestId: 'req-2' }, async () => logger.info('next request line'));

    expect(logged('timer line')[0]).not.toHaveProperty('method');
    expect(logged('request line')[0]).toMatchObject({ method: 'POST', path: '/applications' });
    expect(logged('next request line')[0]).toMatchObject({ requestId: 'req-2' });
    expect(logged('next request line')[0]).not.toHaveProperty('method');
  });
});
