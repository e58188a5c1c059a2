import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { header, json, jsonBody, toHttpResponse } from '#adapters/http.ts';
import { ForbiddenError, MethodNotAllowedError, NotFoundError, ValidationError } from '#domain/errors.ts';
import type { RestHandler } from '#handlers/api/rest-handler.ts';
import { mintToken, type SigningKeys } from './jwt.ts';

/**
 * The web console on the local stack: its static files (`web/dist/`, built by Vite) at `/` and
 * `/assets/`, and — local only — the demo users of the README with a token endpoint for the
 * sign-in page. Served ahead of the API handler without the authorizer; the deployed API has none of
 * these routes (CloudFront serves the files from S3 there, and Cognito signs people in).
 */
export const CONSOLE_PATHS = [
  '/',
  '/index.html',
  '/config.json',
  '/local/demo-users',
  '/local/token',
  '/ops',
] as const;
/** The old server-rendered ops page folded into the console: its address opens the operations page. */
export const OPS_REDIRECT = '/#/ops';
export const CONSOLE_PREFIXES = ['/assets/'] as const;

export interface DemoUser {
  sub: string;
  org: string;
  groups: string[];
  /** What the sign-in page says about the user. */
  description: string;
}

/** The README's demo users (the personas of the end-to-end tests). */
export const DEMO_USERS: readonly DemoUser[] = [
  { sub: 'alice', org: 'acme', groups: ['applicant'], description: 'Compliance officer at Acme (applicant)' },
  { sub: 'rita', org: 'authority', groups: ['reviewer'], description: 'Caseworker (reviewer)' },
  { sub: 'ravi', org: 'authority', groups: ['reviewer'], description: 'Caseworker (reviewer)' },
  { sub: 'sam', org: 'authority', groups: ['senior-reviewer'], description: 'Senior reviewer (sign-off)' },
  { sub: 'otto', org: 'authority', groups: ['operator'], description: 'Operator' },
  { sub: 'audrey', org: 'authority', groups: ['auditor'], description: 'Auditor' },
  { sub: 'cora', org: 'border', groups: ['customs'], description: 'Customs officer (records usage)' },
];

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));
export const CONSOLE_DIST = join(WEB_DIR, 'dist');
const LOCAL_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};
/** The console's policy: no inline script or style, the API on the same origin. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const isConsolePath = (path: string) =>
  (CONSOLE_PATHS as readonly string[]).includes(path) || CONSOLE_PREFIXES.some((p) => path.startsWith(p));

/** The API handler with the console served in front of it. */
export function withConsole(api: RestHandler, keys: SigningKeys, dist: string = CONSOLE_DIST): RestHandler {
  return async (event, context) => {
    if (!isConsolePath(event.path)) return api(event, context);
    try {
      return await route(event, keys, dist);
    } catch (error) {
      return toHttpResponse(error);
    }
  };
}

async function route(event: APIGatewayProxyEvent, keys: SigningKeys, dist: string) {
  if (event.path === '/local/token' || event.path === '/local/demo-users') {
    // Tokens only for a browser on this machine talking to this machine (no DNS rebinding).
    if (
      !LOCAL_HOST.test(header(event, 'host') ?? '') ||
      !LOOPBACK.test(event.requestContext.identity.sourceIp)
    ) {
      throw new ForbiddenError('Demo sign-in answers requests from this machine only.');
    }
    if (event.path === '/local/demo-users') {
      if (event.httpMethod !== 'GET') throw new MethodNotAllowedError(['GET']);
      return json(200, { items: DEMO_USERS });
    }
    if (event.httpMethod !== 'POST') throw new MethodNotAllowedError(['POST']);
    return mintDemoToken(event, keys);
  }
  if (event.httpMethod !== 'GET' && event.httpMethod !== 'HEAD')
    throw new MethodNotAllowedError(['GET', 'HEAD']);
  if (event.path === '/ops') {
    return { statusCode: 302, headers: { location: OPS_REDIRECT, 'cache-control': 'no-store' }, body: '' };
  }
  const file = event.path === '/' ? 'index.html' : event.path.slice(1);
  return staticFile(dist, file);
}

async function mintDemoToken(event: APIGatewayProxyEvent, keys: SigningKeys): Promise<APIGatewayProxyResult> {
  // A JSON body (content type checked by jsonBody) cannot be sent cross-site without a CORS preflight.
  const body = jsonBody(event, false) as { user?: unknown };
  const user = DEMO_USERS.find((candidate) => candidate.sub === body.user);
  if (!user) throw new ValidationError([{ path: 'user', message: 'must be one of the demo users' }]);
  const token = await mintToken(keys, { sub: user.sub, org: user.org, groups: user.groups });
  return json(200, { token }, { 'cache-control': 'no-store' });
}

async function staticFile(dist: string, file: string): Promise<APIGatewayProxyResult> {
  const path = normalize(join(dist, file));
  if (!path.startsWith(dist + sep)) throw new NotFoundError('No such file.');
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch {
    if (file === 'index.html') {
      throw new NotFoundError('The console is not built: run `npm run build:web` (npm start builds it).');
    }
    throw new NotFoundError('No such file.');
  }
  const hashed = file.startsWith('assets/');
  return {
    statusCode: 200,
    headers: {
      'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'content-security-policy': CONSOLE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    },
    body: content.toString('base64'),
    isBase64Encoded: true,
  };
}

/** Newest modification time under `dir` (recursively), in ms; 0 when it does not exist. */
async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const { mtimeMs } = await stat(join(entry.parentPath, entry.name));
    newest = Math.max(newest, mtimeMs);
  }
  return newest;
}

async function builtAt(): Promise<number> {
  try {
    return (await stat(join(CONSOLE_DIST, 'index.html'))).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Builds the console with Vite when `web/dist` is missing or older than its sources (so a fresh
 * clone's `npm start` serves it). Returns whether it built.
 */
export async function ensureConsoleBuilt(): Promise<boolean> {
  // The console's own files, the state machine it draws and the domain vocabularies it imports.
  const sources = Math.max(
    await newestMtime(join(WEB_DIR, 'src')),
    await newestMtime(join(WEB_DIR, '..', 'statemachines')),
    await newestMtime(join(WEB_DIR, '..', 'functions', 'domain')),
    (await stat(join(WEB_DIR, 'index.html'))).mtimeMs,
    (await stat(join(WEB_DIR, 'vite.config.ts'))).mtimeMs,
  );
  if ((await builtAt()) >= sources) return false;
  await buildConsole();
  return true;
}

/** `vite build` of the console into `web/dist`. */
export async function buildConsole(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn' });
}
