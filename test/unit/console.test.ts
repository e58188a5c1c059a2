import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '#domain/errors.ts';
import { allRoutes } from '#handlers/api/contract.ts';
import { resolveRoute } from '#handlers/api/router.ts';
import { CONSOLE_CSP, DEMO_USERS, withConsole } from '#local/console.ts';
import { loadOrCreateSigningKeys, type SigningKeys, verifyToken } from '#local/jwt.ts';

/** The local console wrapper: static files, and the demo users' token endpoint for this machine only. */
let dir: string;
let keys: SigningKeys;
const api = async () => ({ statusCode: 299, body: 'api' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'console-'));
  keys = await loadOrCreateSigningKeys(dir);
  await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
  await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(join(dir, 'dist', 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'not served');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function event(
  method: string,
  path: string,
  options: { host?: string; sourceIp?: string; body?: unknown } = {},
) {
  return {
    httpMethod: method,
    path,
    headers: { host: options.host ?? '127.0.0.1:3000', 'content-type': 'application/json' },
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: { identity: { sourceIp: options.sourceIp ?? '127.0.0.1' } },
  } as unknown as APIGatewayProxyEvent;
}
const call = (e: APIGatewayProxyEvent) => withConsole(api, keys, join(dir, 'dist'))(e, {} as Context);

describe('the local console routes', () => {
  it('serves index.html at / with a CSP that allows no inline script or style', async () => {
    const response = await call(event('GET', '/'));
    expect(response.statusCode).toBe(200);
    expect(Buffer.from(response.body, 'base64').toString()).toContain('<title>console</title>');
    expect(response.headers?.['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(CONSOLE_CSP).toContain("script-src 'self'");
  });

  it('serves hashed assets as immutable and nothing outside the build directory', async () => {
    const asset = await call(event('GET', '/assets/index-abc.js'));
    expect(asset.statusCode).toBe(200);
    expect(asset.headers?.['cache-control']).toContain('immutable');
    expect(asset.headers?.['content-type']).toContain('text/javascript');
    expect((await call(event('GET', '/assets/../../secret.txt'))).statusCode).toBe(404);
    expect((await call(event('GET', '/assets/missing.js'))).statusCode).toBe(404);
  });

  it('passes every other path to the API handler', async () => {
    expect((await call(event('GET', '/applications'))).statusCode).toBe(299);
    expect((await call(event('POST', '/ops/reconcile'))).statusCode).toBe(299);
    expect((await call(event('GET', '/ops/data.json'))).statusCode).toBe(299);
  });

  it('redirects the old ops page to the operations page of the console', async () => {
    const response = await call(event('GET', '/ops'));
    expect(response.statusCode).toBe(302);
    expect(response.headers?.location).toBe('/#/ops');
    expect((await call(event('POST', '/ops'))).statusCode).toBe(405);
  });

  it('mints a verifiable token for a demo user, asked from this machine', async () => {
    const response = await call(event('POST', '/local/token', { body: { user: 'alice' } }));
    expect(response.statusCode).toBe(200);
    const { claims } = await verifyToken(keys, JSON.parse(response.body).token);
    const alice = DEMO_USERS.find((user) => user.sub === 'alice');
    expect(claims.sub).toBe('alice');
    expect(claims['custom:org']).toBe(alice?.org);
    expect(claims['cognito:groups']).toBe(alice?.groups.join(','));
  });

  it('refuses tokens for anyone but the demo users, to other hosts, from other machines, and by GET', async () => {
    expect((await call(event('POST', '/local/token', { body: { user: 'mallory' } }))).statusCode).toBe(400);
    expect(
      (await call(event('POST', '/local/token', { body: { user: 'alice' }, host: 'evil.example:3000' })))
        .statusCode,
    ).toBe(403);
    expect(
      (await call(event('POST', '/local/token', { body: { user: 'alice' }, sourceIp: '10.0.0.7' })))
        .statusCode,
    ).toBe(403);
    expect((await call(event('GET', '/local/token'))).statusCode).toBe(405);
  });

  it('lists the demo users without their tokens', async () => {
    const response = await call(event('GET', '/local/demo-users'));
    expect(JSON.parse(response.body).items.map((user: { sub: string }) => user.sub)).toEqual(
      DEMO_USERS.map((user) => user.sub),
    );
    expect(response.body).not.toContain('token');
  });
});

describe('the deployed API', () => {
  it('has no demo sign-in and no console route: the router answers 404 for them', () => {
    for (const [method, path] of [
      ['POST', '/local/token'],
      ['GET', '/local/demo-users'],
      ['GET', '/'],
      ['GET', '/assets/index.js'],
      ['GET', '/ops'],
    ] as const) {
      expect(() => resolveRoute(allRoutes, method, path), `${method} ${path}`).toThrow(NotFoundError);
    }
  });
});
