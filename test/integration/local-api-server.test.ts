import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { API_FUNCTION_TIMEOUT_SECONDS } from '#adapters/timeouts.ts';
import { type ApiServer, MAX_REQUEST_BYTES, startApiServer } from '#local/api-server.ts';
import { loadOrCreateSigningKeys, mintToken, type SigningKeys } from '#local/jwt.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Echo {
  event: APIGatewayProxyEvent;
  context: { awsRequestId: string; functionName: string; remainingMs: number };
}

type Behaviour = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> | undefined;

describe('local api server', () => {
  let dataDir: string;
  let keys: SigningKeys;
  let server: ApiServer;
  let behaviour: Behaviour | undefined;
  const handler = vi.fn(
    async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
      const custom = behaviour?.(event);
      if (custom) return custom;
      const { body, ...rest } = event;
      const echo = {
        event: { ...rest, body: body === null ? null : `${body.length} chars` },
        context: {
          awsRequestId: context.awsRequestId,
          functionName: context.functionName,
          remainingMs: context.getRemainingTimeInMillis(),
        },
      };
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(echo) };
    },
  );

  const tokenFor = (sub: string, groups: string[]) => mintToken(keys, { sub, org: 'acme', groups });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'api-server-test-'));
    keys = await loadOrCreateSigningKeys(dataDir);
    server = await startApiServer({ port: 0, handler, keys, publicPaths: ['/health'] });
  });

  afterAll(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    handler.mockClear();
    behaviour = undefined;
  });

  async function expectGatewayError(
    response: Response,
    status: number,
    code: string,
    message: RegExp = /./,
  ): Promise<void> {
    expect(response.status).toBe(status);
    expect(response.headers.get('x-request-id')).toMatch(UUID);
    const body = await response.json();
    expect(body).toEqual({ error: { code, message: expect.stringMatching(message), details: [] } });
    expect(handler).not.toHaveBeenCalled();
  }

  it('passes a REST proxy event with string claims and a Lambda-like context', async () => {
    const token = await tokenFor('alice', ['reviewer', 'senior-reviewer']);
    const response = await fetch(`${server.url}/applications/01JABC%20X/actions?x=1&x=2&note=a%20b`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'X-Custom': 'Yes' },
      body: JSON.stringify({ action: 'submit' }),
    });
    expect(response.status).toBe(200);
    const { event, context } = (await response.json()) as Echo;
    const requestId = event.requestContext.requestId;
    expect(requestId).toMatch(UUID);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(event).toMatchObject({
      resource: '/{proxy+}',
      path: '/applications/01JABC%20X/actions',
      httpMethod: 'POST',
      queryStringParameters: { x: '2', note: 'a b' },
      multiValueQueryStringParameters: { x: ['1', '2'], note: ['a b'] },
      pathParameters: { proxy: 'applications/01JABC X/actions' },
      stageVariables: null,
      body: `${JSON.stringify({ action: 'submit' }).length} chars`,
      isBase64Encoded: false,
      requestContext: {
        stage: 'local',
        httpMethod: 'POST',
        path: '/local/applications/01JABC%20X/actions',
        resourcePath: '/{proxy+}',
        identity: { sourceIp: '127.0.0.1' },
        requestTimeEpoch: expect.any(Number),
      },
    });
    expect(event.headers).toMatchObject({ authorization: `Bearer ${token}`, 'X-Custom': 'Yes' });
    expect(event.multiValueHeaders).toMatchObject({ 'X-Custom': ['Yes'] });
    const claims = event.requestContext.authorizer?.claims;
    expect(claims).toMatchObject({
      sub: 'alice',
      'cognito:username': 'alice',
      'cognito:groups': 'reviewer,senior-reviewer',
      'custom:org': 'acme',
      token_use: 'id',
    });
    for (const value of Object.values(claims)) expect(typeof value).toBe('string');
    expect(context).toMatchObject({ awsRequestId: requestId, functionName: 'api' });
    // The handler sees the api function's own (short) timeout, not the gateway's 29 s.
    expect(context.remainingMs).toBeGreaterThan(API_FUNCTION_TIMEOUT_SECONDS * 1000 - 1_000);
    expect(context.remainingMs).toBeLessThanOrEqual(API_FUNCTION_TIMEOUT_SECONDS * 1000);
    expect(API_FUNCTION_TIMEOUT_SECONDS).toBeLessThanOrEqual(10);
  });

  it('passes null query parameters and body when there are none, and accepts a raw token', async () => {
    const response = await fetch(`${server.url}/applications`, {
      headers: { authorization: await tokenFor('bob', ['applicant']) },
    });
    expect(response.status).toBe(200);
    const { event } = (await response.json()) as Echo;
    expect(event).toMatchObject({
      httpMethod: 'GET',
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: { proxy: 'applications' },
      body: null,
    });
    expect(event.requestContext.authorizer?.claims['cognito:groups']).toBe('applicant');
  });

  it('passes a query parameter named like an object property as a plain parameter', async () => {
    const response = await fetch(`${server.url}/health?__proto__=1&constructor=2&constructor=3`);
    expect(response.status).toBe(200);
    const { event } = (await response.json()) as Echo;
    expect(Object.entries(event.queryStringParameters ?? {})).toEqual([
      ['__proto__', '1'],
      ['constructor', '3'],
    ]);
    expect(Object.entries(event.multiValueQueryStringParameters ?? {})).toEqual([
      ['__proto__', ['1']],
      ['constructor', ['2', '3']],
    ]);
  });

  it('serves public paths without a token', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    const { event } = (await response.json()) as Echo;
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  it('answers 401 itself, saying a token is required, when the token is missing', async () => {
    for (const headers of [{}, { authorization: 'Bearer ' }]) {
      const response = await fetch(`${server.url}/applications`, { headers });
      await expectGatewayError(response, 401, 'UNAUTHORIZED', /token is required/);
    }
  });

  it('answers 401 itself, saying when it expired, when the token has expired', async () => {
    const issuedAt = new Date(Date.now() - 3_600_000);
    const expired = await mintToken(keys, {
      sub: 'alice',
      org: 'acme',
      groups: ['applicant'],
      expiresInSeconds: 60,
      issuedAt,
    });
    const response = await fetch(`${server.url}/applications`, {
      headers: { authorization: `Bearer ${expired}` },
    });
    const expiredAt = new Date(Math.floor(issuedAt.getTime() / 1000) * 1000 + 60_000).toISOString();
    await expectGatewayError(response, 401, 'UNAUTHORIZED', new RegExp(`expired at ${expiredAt}`));
  });

  it('answers 401 itself, naming the reason, for a token signed by another key or malformed', async () => {
    const otherKeys = await loadOrCreateSigningKeys(join(dataDir, 'other'));
    const foreign = await mintToken(otherKeys, { sub: 'mallory', org: 'acme', groups: ['operator'] });
    const [header, payload, signature] = (await tokenFor('alice', ['applicant'])).split('.');
    const tampered = [header, `${payload}x`, signature].join('.');
    const cases: [string, RegExp][] = [
      [`Bearer ${foreign}`, /not signed by this stack's key/],
      [`Bearer ${tampered}`, /signature does not verify/],
      ['Bearer not-a-jwt', /malformed/],
      ['Bearer a.b.c', /malformed/],
    ];
    for (const [authorization, message] of cases) {
      const response = await fetch(`${server.url}/applications`, {
        method: 'POST',
        headers: { authorization },
      });
      await expectGatewayError(response, 401, 'UNAUTHORIZED', message);
    }
  });

  it('answers 413 itself for a declared body over 10 MB', async () => {
    const response = await fetch(`${server.url}/applications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor('alice', ['applicant'])}` },
      body: Buffer.alloc(MAX_REQUEST_BYTES + 1, 'a'),
    });
    await expectGatewayError(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 413 itself for a chunked body that grows over 10 MB', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_REQUEST_BYTES) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${server.url}/applications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor('alice', ['applicant'])}` },
      body,
      duplex: 'half',
    } as RequestInit);
    await expectGatewayError(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('passes a body of exactly 10 MB to the handler', async () => {
    const response = await fetch(`${server.url}/applications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor('alice', ['applicant'])}` },
      body: Buffer.alloc(MAX_REQUEST_BYTES, 'a'),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).event.body).toBe(`${MAX_REQUEST_BYTES} chars`);
  });

  it('answers 500 INTERNAL without the stack when the handler throws', async () => {
    behaviour = () => Promise.reject(new Error('secret detail at handler.ts:42'));
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(500);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(UUID);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'INTERNAL', message: 'Internal server error', details: [] },
    });
    expect(text).not.toContain('secret');
  });

  it('answers 500 INTERNAL when the handler returns a malformed result', async () => {
    behaviour = () => Promise.resolve({ body: 'no status' } as unknown as APIGatewayProxyResult);
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { code: 'INTERNAL', message: 'Internal server error', details: [] },
    });
  });

  it('writes status, merged headers and body back, keeping a request id set by the handler', async () => {
    behaviour = () =>
      Promise.resolve({
        statusCode: 201,
        headers: { 'X-Request-Id': 'from-handler', etag: '"3"', 'x-both': 'single' },
        multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'], 'x-both': ['multi'] },
        body: 'created',
      });
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('from-handler');
    expect(response.headers.get('etag')).toBe('"3"');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('x-both')).toBe('multi');
    expect(await response.text()).toBe('created');
  });

  const tokenCli = (groups: string) =>
    promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'local/token.ts', '--sub', 'dave', '--org', 'acme', '--groups', groups],
      { env: { ...process.env, LOCAL_DATA_DIR: dataDir } },
    );

  it('accepts a token printed by `npm run token`', async () => {
    const { stdout } = await tokenCli('auditor');
    const token = stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const response = await fetch(`${server.url}/stats`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const { event } = (await response.json()) as Echo;
    expect(event.requestContext.authorizer?.claims).toMatchObject({
      sub: 'dave',
      'cognito:groups': 'auditor',
    });
  });

  it('`npm run token` refuses an unknown group and lists the valid ones', async () => {
    const failure = await tokenCli('auditor,admin').then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toMatch(
      /unknown group "admin".*applicant, reviewer, senior-reviewer, auditor, operator/,
    );
  });
});
