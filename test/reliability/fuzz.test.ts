import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateSigningKeys, mintToken } from '#local/jwt.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { ledger, SOAK, size } from './ledger.ts';
import { MODEL_ACTIONS } from './model.ts';
import { applicationIn, isErrorShape, type People, people, WITHDRAW } from './support.ts';

/**
 * HTTP fuzz: seeded fast-check samples of malformed requests over every endpoint, sent as raw
 * bytes (no client-side path normalisation). Every request is malformed in at least one way that
 * must stop it (bad token, body, content type, charset, bytes, id, path, query or header), so
 * whatever the answer it must be a 4xx in the error shape — never a 5xx — and nothing is written.
 */
const SEED = Number(process.env.RELIABILITY_SEED ?? 13);
const REQUESTS = size(2_000, 20_000);
const CONCURRENCY = 8;

const figures = ledger('fuzz');
let api: TestApi;
let p: People;
let tokens: { valid: string[]; forged: string[] };
let targets: string[];

interface RawRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface RawResponse {
  status: number;
  text: string;
}

function send(url: string, raw: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        hostname,
        port,
        method: raw.method,
        path: raw.path,
        headers: { ...raw.headers, ...(raw.body ? { 'content-length': String(raw.body.length) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
    request.end(raw.body);
  });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function forgedTokens(api: TestApi): Promise<string[]> {
  const claims = { sub: 'alice', org: 'acme', groups: ['applicant'] };
  const valid = await mintToken(api.keys, claims);
  const [header, payload, signature] = valid.split('.');
  const decoded = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
  const other = await loadOrCreateSigningKeys(join(process.env.LOCAL_DATA_DIR ?? '.', 'foreign'));
  const signed = (builder: SignJWT, key: Parameters<SignJWT['sign']>[0] = api.keys.privateKey) =>
    builder.sign(key);
  const base = (extra: Record<string, unknown> = {}) =>
    new SignJWT({ token_use: 'id', 'custom:org': 'acme', 'cognito:groups': ['applicant'], ...extra })
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('1h');
  return [
    '',
    'Bearer',
    'Bearer ',
    'not.a.jwt',
    'a.b.c.d',
    `${header}.${payload}`,
    `${header}.${payload}.`,
    // tampered payload, original signature
    `${header}.${b64({ ...decoded, 'custom:org': 'globex' })}.${signature}`,
    `${header}.${b64({ ...decoded, 'cognito:groups': ['operator'] })}.${signature}`,
    // alg none
    `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    `${b64({ alg: 'none', kid: api.keys.keyId })}.${payload}.`,
    // expired
    await mintToken(api.keys, {
      ...claims,
      issuedAt: new Date(Date.now() - 7_200_000),
      expiresInSeconds: 60,
    }),
    // foreign key under our kid, foreign key under its own kid, unknown kid
    await mintToken({ ...other, keyId: api.keys.keyId }, claims),
    await mintToken(other, claims),
    await mintToken({ ...api.keys, keyId: 'unknown-kid' }, claims),
    // HS256 with the public key as the secret (algorithm confusion)
    await signed(
      base()
        .setProtectedHeader({ alg: 'HS256', kid: api.keys.keyId })
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE),
      new TextEncoder().encode(JSON.stringify(await crypto.subtle.exportKey('jwk', api.keys.publicKey))),
    ),
    // wrong issuer, audience, token use; no expiry
    await signed(
      base()
        .setProtectedHeader({ alg: 'RS256', kid: api.keys.keyId })
        .setIssuer('https://evil')
        .setAudience(LOCAL_AUDIENCE),
    ),
    await signed(
      base()
        .setProtectedHeader({ alg: 'RS256', kid: api.keys.keyId })
        .setIssuer(LOCAL_ISSUER)
        .setAudience('other-client'),
    ),
    await signed(
      base({ token_use: 'access' })
        .setProtectedHeader({ alg: 'RS256', kid: api.keys.keyId })
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE),
    ),
    await signed(
      new SignJWT({ token_use: 'id' })
        .setProtectedHeader({ alg: 'RS256', kid: api.keys.keyId })
        .setSubject('alice')
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt(),
    ),
  ].map((token) => (token.startsWith('Bearer') || token === '' ? token : `Bearer ${token}`));
}

const ENDPOINTS: [string, string][] = [
  ['GET', '/applications'],
  ['POST', '/applications'],
  ['GET', '/applications/{id}'],
  ['PATCH', '/applications/{id}'],
  ['POST', '/applications/{id}/documents'],
  ['GET', '/applications/{id}/documents/{doc}'],
  ['DELETE', '/applications/{id}/documents/{doc}'],
  ['POST', '/applications/{id}/actions/{action}'],
  ['GET', '/applications/{id}/audit'],
  ['GET', '/applications/{id}/audit/verify'],
  ['GET', '/applications/{id}/execution'],
  ['GET', '/applications/{id}/execution/history'],
];
const ACTIONS = [
  ...MODEL_ACTIONS,
  'abandon',
  'information-overdue',
  'constructor',
  '__proto__',
  'toString',
  'fly',
];
const MUTATING = new Set(['POST', 'PATCH', 'DELETE', 'PUT']);

const anyJson = fc.jsonValue({ maxDepth: 4 });
/** JSON that no schema accepts: not an object, or an object with a field no schema knows. */
const invalidJson = fc
  .oneof(
    fc.oneof(fc.array(anyJson, { maxLength: 5 }), fc.double(), fc.string(), fc.boolean(), fc.constant(null)),
    fc
      .dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 4 })
      .map((object) => ({ ...object, 'x-not-a-field': 1 })),
    fc.constantFrom(
      { exporter: 'not an object', 'x-not-a-field': true },
      { goods: [{ valueUsd: -1 }], 'x-not-a-field': true },
      { reason: 12, extra: 1 },
      { validityMonths: '12', sneaky: 1 },
      { status: 'APPROVED', version: 99, orgId: 'globex', decision: {}, licence: {}, assignedTo: 'mallory' },
    ),
  )
  .map((value) => Buffer.from(JSON.stringify(value)));
const deep = (depth: number, open: string, close: string) =>
  Buffer.from(open.repeat(depth) + close.repeat(depth));
// (A blank body is not malformed: it counts as `{}` where an empty body is allowed.)
const badBytes = fc.oneof(
  fc
    .constantFrom(
      '{',
      '{"a":',
      "{'a':1}",
      'NaN',
      '{"a":1,}',
      '[1,2',
      '{"a":1}{"b":2}',
      '\u0000',
      'null',
      'undefined',
      '{"__proto__":{"x":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"a":"\\ud800"}',
      '"\\udfff"',
      '\uFEFF{"x-not-a-field":1}',
    )
    .map((text) => Buffer.from(text)),
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map((bytes) =>
      Buffer.concat([
        Buffer.from('{"exporter":{"name":"'),
        Buffer.from(bytes),
        Buffer.from([0xff]),
        Buffer.from('"}}'),
      ]),
    ),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => deep(depth, '{"a":', '}')),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => deep(depth, '[', ']')),
  fc
    .integer({ min: 1, max: 400_000 })
    .map((length) => Buffer.from(JSON.stringify({ 'x-not-a-field': 'x'.repeat(length) }))),
);
const goodContentType = fc.constantFrom(
  'application/json',
  'application/merge-patch+json',
  'application/json; charset=utf-8',
);
const badContentType = fc.constantFrom(
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'application/json; charset=utf-16',
  'application/json; charset=UTF-16LE',
  'application/json;charset=iso-8859-1',
  'application/json; charset="latin1"',
  'json',
  '*/*',
  'application/json, text/plain',
  'APPLICATION/JSON; charset=ascii',
);
const segment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%2E%2E%2F',
    '..%2f..%2f',
    '%00',
    '%',
    '%zz',
    '%c0%ae%c0%ae',
    '%ef%bf%bd',
    '%ff',
    'app_%00',
    '\\..\\',
    'app_00000000000000000000000000',
    'APP_00000000000000000000000000',
    '__proto__',
    'constructor',
    '*',
    '~',
    ';',
    'x'.repeat(3000),
  ),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/),
);
const badQuery = fc.constantFrom(
  '?limit=0',
  '?limit=-1',
  '?limit=abc',
  '?limit=1e3',
  '?limit=1000',
  '?status=NOPE',
  '?status=draft',
  '?cursor=garbage',
  '?cursor=eyJ4IjoxfQ',
  '?__proto__=1',
  '?limit=1&limit=2&limit=x',
  '?unknown=1',
  '?status=%00',
  `?cursor=${'A'.repeat(5000)}`,
  '?constructor=x',
  '?status[]=DRAFT',
);

function requests(): fc.Arbitrary<RawRequest> {
  const fill = (template: string, id: string, doc: string, action: string) =>
    template.replace('{id}', id).replace('{doc}', doc).replace('{action}', action);
  const target = fc.constantFrom(...targets);
  const endpoint = fc.constantFrom(...ENDPOINTS);
  const action = fc.constantFrom(...ACTIONS);
  const validToken = fc.constantFrom(...tokens.valid);

  const badToken = fc
    .record({ endpoint, id: target, action, token: fc.constantFrom(...tokens.forged), ct: goodContentType })
    .map(({ endpoint: [method, template], id, action, token, ct }) => ({
      kind: 'token',
      method,
      path: fill(template, id, 'doc_x', action),
      headers: { ...(token ? { authorization: token } : {}), 'content-type': ct },
      body: MUTATING.has(method)
        ? Buffer.from(JSON.stringify(action === 'withdraw' ? WITHDRAW : {}))
        : undefined,
    }));
  const badBody = fc
    .record({
      endpoint: fc.constantFrom(...ENDPOINTS.filter(([method]) => method === 'POST' || method === 'PATCH')),
      id: target,
      action,
      token: validToken,
      ct: goodContentType,
      body: fc.oneof(invalidJson, badBytes),
      key: fc.option(fc.string({ maxLength: 300 }).map(encodeURIComponent)),
    })
    .map(({ endpoint: [method, template], id, action, token, ct, body, key }) => ({
      kind: 'body',
      method,
      path: fill(template, id, 'doc_x', action),
      headers: { authorization: token, 'content-type': ct, ...(key ? { 'idempotency-key': key } : {}) },
      body,
    }));
  const badType = fc
    .record({
      endpoint: fc.constantFrom(...ENDPOINTS.filter(([method]) => method === 'POST' || method === 'PATCH')),
      id: target,
      token: validToken,
      ct: badContentType,
    })
    .map(({ endpoint: [method, template], id, token, ct }) => ({
      kind: 'content-type',
      method,
      path: fill(template, id, 'doc_x', 'withdraw'),
      headers: { authorization: token, 'content-type': ct },
      body: Buffer.from(JSON.stringify(template.includes('actions') ? WITHDRAW : {})),
    }));
  const badPath = fc
    .record({
      endpoint,
      segments: fc.array(segment, { minLength: 1, maxLength: 4 }),
      slashes: fc.constantFrom('/', '//', '/./', '/../'),
      token: validToken,
      body: invalidJson,
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'TRACE'),
    })
    .map(({ endpoint: [, template], segments, slashes, token, body, method }) => {
      const [first = 'x', second = 'y', third = 'z'] = segments;
      const path = fill(template, first, second, third).replaceAll('/', slashes).replace(/^\/+/, '/');
      return {
        kind: 'path',
        method,
        path,
        headers: { authorization: token, 'content-type': 'application/json' },
        body: method === 'GET' || method === 'HEAD' ? undefined : body,
      };
    });
  const badQueryRequest = fc.record({ query: badQuery, token: validToken }).map(({ query, token }) => ({
    kind: 'query',
    method: 'GET',
    path: `/applications${query}`,
    headers: { authorization: token },
  }));
  const badHeader = fc
    .record({
      id: target,
      token: validToken,
      ifMatch: fc.constantFrom('abc', '"-1"', '""', '"1.5"', 'W/', '"99999999999"', '*', '"1", "2"', '\t'),
    })
    .map(({ id, token, ifMatch }) => ({
      kind: 'header',
      method: 'POST',
      path: `/applications/${id}/actions/withdraw`,
      headers: { authorization: token, 'content-type': 'application/json', 'if-match': ifMatch },
      body: Buffer.from(JSON.stringify(WITHDRAW)),
    }));
  return fc.oneof(
    { arbitrary: badToken, weight: 3 },
    { arbitrary: badBody, weight: 4 },
    { arbitrary: badType, weight: 2 },
    { arbitrary: badPath, weight: 3 },
    { arbitrary: badQueryRequest, weight: 1 },
    { arbitrary: badHeader, weight: 1 },
  );
}

async function snapshot(): Promise<string> {
  const stored = await Promise.all(
    targets.map(async (id) => {
      const [application, audit] = await Promise.all([
        p.audrey.get(`/applications/${id}`),
        p.audrey.get(`/applications/${id}/audit`),
      ]);
      return {
        id,
        version: application.body.version,
        status: application.body.status,
        events: audit.body.items.length,
      };
    }),
  );
  const listed = await p.alice.get('/applications?limit=100');
  return JSON.stringify({ stored, listed: listed.body.items.length });
}

beforeAll(async () => {
  api = await startTestApi();
  p = await people(api, `fuzz-${Date.now()}`);
  targets = [
    await applicationIn(p, 'DRAFT'),
    await applicationIn(p, 'END_USER_DOCS'),
    await applicationIn(p, 'UNDER_REVIEW'),
    await applicationIn(p, 'INFORMATION_REQUESTED'),
  ];
  tokens = {
    valid: [p.alice, p.bob, p.rita, p.sam, p.audrey, p.otto].map((caller) => caller.authorization),
    forged: await forgedTokens(api),
  };
});
afterAll(async () => {
  figures.flush();
  await api.stop();
});

describe(`HTTP fuzz (seed ${SEED}, ${REQUESTS} requests${SOAK ? ', soak' : ''})`, () => {
  it('answers every malformed request with a 4xx in the error shape, never a 5xx, and writes nothing', async () => {
    const before = await snapshot();
    const samples = fc.sample(requests(), { seed: SEED, numRuns: REQUESTS });
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    for (let start = 0; start < samples.length; start += CONCURRENCY) {
      await Promise.all(
        samples.slice(start, start + CONCURRENCY).map(async (raw) => {
          kinds.set(raw.kind, (kinds.get(raw.kind) ?? 0) + 1);
          const response = await send(api.url, raw);
          figures.answer(response.status);
          let body: unknown;
          try {
            body = JSON.parse(response.text);
          } catch {
            body = undefined;
          }
          const refused =
            response.status >= 400 && response.status < 500 && (raw.method === 'HEAD' || isErrorShape(body));
          const harmlessRead = raw.method === 'GET' && response.status === 200;
          if (!figures.check(refused || harmlessRead)) {
            failures.push(
              `${raw.kind} ${raw.method} ${raw.path.slice(0, 120)} → ${response.status} ${response.text.slice(0, 200)}`,
            );
          }
        }),
      );
    }
    expect(failures.slice(0, 20)).toEqual([]);
    expect(figures.check((await snapshot()) === before), 'nothing written').toBe(true);
    expect(figures.figures.requests).toBeGreaterThanOrEqual(REQUESTS);
    expect([...kinds.keys()].sort()).toEqual(['body', 'content-type', 'header', 'path', 'query', 'token']);
  });
});
