import { createPublicKey, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  errors,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  type JWTHeaderParameters,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { AUTHORIZER_CACHE_SECONDS } from '#adapters/timeouts.ts';

/**
 * Local stand-in for the Cognito user pool: an RS256 key pair under `<LOCAL_DATA_DIR>/keys/`
 * signs Cognito-ID-token-like JWTs, and the local API server verifies them the way API Gateway's
 * Cognito authorizer does.
 */
export interface SigningKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** RFC 7638 thumbprint of the public key, sent as the `kid` header like Cognito does. */
  keyId: string;
}

export interface TokenRequest {
  sub: string;
  org: string;
  groups: string[];
  /** Default 3600 (Cognito's default ID token validity). */
  expiresInSeconds?: number;
  /** Default now; tests pass a past time to get an expired token. */
  issuedAt?: Date;
}

export const LOCAL_ISSUER = 'https://cognito-idp.local/licence-workflow-local';
export const LOCAL_AUDIENCE = 'licence-workflow-local';

const ALGORITHM = 'RS256';
const DEFAULT_EXPIRES_IN_SECONDS = 3600;
const PRIVATE_KEY_FILE = 'private-key.pem';

/** `LOCAL_DATA_DIR` (default `.local`) as an absolute path. */
export function localDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LOCAL_DATA_DIR || '.local');
}

/** Loads the RS256 key pair of the local user pool's tokens from `<dataDir>/keys/`, creating it on first use. */
export async function loadOrCreateSigningKeys(dataDir: string): Promise<SigningKeys> {
  const pem = await loadOrCreatePrivateKeyPem(dataDir, PRIVATE_KEY_FILE, async () => {
    const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    return exportPKCS8(privateKey);
  });
  return importKeys(pem, ALGORITHM);
}

/**
 * The PKCS #8 PEM private key in `<dataDir>/keys/<file>`, written from `generate` on first use
 * (also the local licence signer's ES256 key, which needs no jose).
 */
export async function loadOrCreatePrivateKeyPem(
  dataDir: string,
  file: string,
  generate: () => Promise<string>,
): Promise<string> {
  const keysDir = join(resolve(dataDir), 'keys');
  const privateKeyPath = join(keysDir, file);
  const existing = await readIfExists(privateKeyPath);
  if (existing !== undefined) return existing;

  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const pem = await generate();
  // Write aside, then link into place: link fails when another process won the race, and nobody
  // ever reads a half-written key.
  const tempPath = `${privateKeyPath}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(tempPath, pem, { mode: 0o600 });
  try {
    await link(tempPath, privateKeyPath);
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  } finally {
    await rm(tempPath, { force: true });
  }
  return readFile(privateKeyPath, 'utf8');
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

async function importKeys(privateKeyPem: string, algorithm: string): Promise<SigningKeys> {
  const publicKeyPem = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  const publicKey = await importSPKI(publicKeyPem, algorithm, { extractable: true });
  return {
    privateKey: await importPKCS8(privateKeyPem, algorithm),
    publicKey,
    keyId: await calculateJwkThumbprint(await exportJWK(publicKey)),
  };
}

/** Mints a JWT shaped like a Cognito ID token (claim names and types as Cognito issues them). */
export async function mintToken(keys: SigningKeys, request: TokenRequest): Promise<string> {
  assertValidRequest(request);
  const issuedAtSeconds = Math.floor((request.issuedAt ?? new Date()).getTime() / 1000);
  const expiresIn = request.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS;
  const claims: JWTPayload = {
    'cognito:username': request.sub,
    'custom:org': request.org,
    token_use: 'id',
    auth_time: issuedAtSeconds,
  };
  // Cognito leaves the claim out for a user in no group.
  if (request.groups.length > 0) claims['cognito:groups'] = request.groups;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: keys.keyId })
    .setSubject(request.sub)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt(issuedAtSeconds)
    .setExpirationTime(issuedAtSeconds + expiresIn)
    .sign(keys.privateKey);
}

function assertValidRequest(request: TokenRequest): void {
  if (request.sub.trim() === '') throw new Error('sub must not be empty');
  if (request.org.trim() === '') throw new Error('org must not be empty');
  for (const group of request.groups) {
    // A comma would be indistinguishable from a group separator in the flattened claims.
    if (group.trim() === '' || group.includes(',')) throw new Error(`invalid group name "${group}"`);
  }
  const expiresIn = request.expiresInSeconds;
  if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0)) {
    throw new Error('expiresInSeconds must be a positive whole number');
  }
}

export interface VerifiedToken {
  claims: Record<string, string>;
  /** The token's `exp`, in epoch milliseconds. */
  expiresAt: number;
}

/**
 * Verifies signature, issuer, audience, expiry and token use, and returns the claims as API
 * Gateway's Cognito user pool authorizer hands them to a REST (v1) proxy integration in
 * `requestContext.authorizer.claims`, with the token's expiry. Throws on any invalid token.
 */
export async function verifyToken(keys: SigningKeys, token: string): Promise<VerifiedToken> {
  const { payload } = await jwtVerify(token, keyForHeader(keys), {
    algorithms: [ALGORITHM],
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    requiredClaims: ['sub', 'exp', 'iat'],
  });
  // Without OAuth scopes on the method, a Cognito authorizer accepts ID tokens only.
  if (payload.token_use !== 'id') throw new Error('only ID tokens are accepted (token_use "id")');
  return { claims: flattenClaims(payload), expiresAt: (payload.exp ?? 0) * 1000 };
}

/** Bound on remembered tokens, so a client minting a token per request cannot grow the cache. */
const AUTHORIZER_CACHE_ENTRIES = 1000;

/**
 * A token check (`verifyToken`) with API Gateway's authorizer results cache: an accepted token's
 * claims are reused for up to `ttlSeconds` (never past the token's own `exp`), so a client's burst
 * of requests costs one signature check, as on AWS. Refusals are not remembered: each says again why.
 */
export function cachedTokenVerifier(
  check: (token: string) => Promise<VerifiedToken>,
  ttlSeconds = AUTHORIZER_CACHE_SECONDS,
  now: () => number = Date.now,
): (token: string) => Promise<Record<string, string>> {
  const accepted = new Map<string, { claims: Record<string, string>; until: number }>();
  return async (token) => {
    const cached = accepted.get(token);
    if (cached && now() < cached.until) return cached.claims;
    accepted.delete(token);
    const { claims, expiresAt } = await check(token);
    if (accepted.size >= AUTHORIZER_CACHE_ENTRIES) {
      const oldest = accepted.keys().next();
      if (!oldest.done) accepted.delete(oldest.value);
    }
    accepted.set(token, { claims, until: Math.min(now() + ttlSeconds * 1000, expiresAt) });
    return claims;
  };
}

/**
 * Like Cognito's authorizer, the key is looked up in the pool's JWKS by the header's `kid`: a
 * token naming no key or an unknown one is refused before its signature is even considered.
 */
function keyForHeader(keys: SigningKeys): (header: JWTHeaderParameters) => CryptoKey {
  return (header) => {
    if (header.kid !== keys.keyId) throw new errors.JWKSNoMatchingKey();
    return keys.publicKey;
  };
}

/**
 * Why a token was refused, in one sentence for the 401 body: missing, malformed, not ours
 * (signature), expired, wrong issuer/audience, or not an ID token. Never echoes the token.
 */
export function tokenRejectionMessage(error: unknown): string {
  if (error instanceof errors.JWTExpired) {
    const exp = error.payload.exp;
    const at = typeof exp === 'number' ? ` at ${new Date(exp * 1000).toISOString()}` : '';
    return `The token expired${at}; get a new one.`;
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return "The token was not signed by this stack's key (a token from another data directory?).";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return 'The token signature does not verify: the token was altered after it was signed.';
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `The token's "${error.claim}" claim is not accepted (${error.reason}).`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return `The token must be signed with ${ALGORITHM}.`;
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return 'The token is malformed: expected a signed JWT (header.payload.signature).';
  }
  return `The token is not valid: ${error instanceof Error ? error.message : String(error)}.`;
}

/**
 * API Gateway (REST) passes every claim as a string. Observed in real events (e.g.
 * `"cognito:groups": "anotherGroup,admin"`, `"exp": "Thu Nov 28 04:24:11 UTC 2019"`,
 * `"auth_time": "1574911451"`, `"email_verified": "true"`):
 * - arrays, `cognito:groups` included, become one comma-separated string without spaces;
 * - `exp` and `iat` become Java `Date#toString` text in UTC; other numbers their decimal text;
 * - booleans "true"/"false".
 */
export function flattenClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    claims[name] = flattenClaim(name, value);
  }
  return claims;
}

function flattenClaim(name: string, value: unknown): string {
  if ((name === 'exp' || name === 'iat') && typeof value === 'number') return javaDateString(value);
  if (Array.isArray(value)) return value.map(String).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Epoch seconds → `Thu Nov 28 04:24:11 UTC 2019` (Java's `EEE MMM dd HH:mm:ss zzz yyyy`). */
function javaDateString(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const weekday = WEEKDAYS[date.getUTCDay()];
  const month = MONTHS[date.getUTCMonth()];
  return `${weekday} ${month} ${pad(date.getUTCDate())} ${time} UTC ${date.getUTCFullYear()}`;
}
