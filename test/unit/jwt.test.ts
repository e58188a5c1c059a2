import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cachedTokenVerifier,
  flattenClaims,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  loadOrCreateSigningKeys,
  localDataDir,
  mintToken,
  type SigningKeys,
  tokenRejectionMessage,
  verifyToken,
} from '#local/jwt.ts';

describe('local jwt', () => {
  let dataDir: string;
  let keys: SigningKeys;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jwt-test-'));
    keys = await loadOrCreateSigningKeys(dataDir);
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores the private key with mode 0600 and loads the same key pair again', async () => {
    const keyFile = join(dataDir, 'keys', 'private-key.pem');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const reloaded = await loadOrCreateSigningKeys(dataDir);
    expect(reloaded.keyId).toBe(keys.keyId);
    const token = await mintToken(reloaded, { sub: 'alice', org: 'acme', groups: ['applicant'] });
    await expect(verifyToken(keys, token)).resolves.toMatchObject({ claims: { sub: 'alice' } });
  });

  it('creates one key pair when several callers race on first use', async () => {
    const freshDir = join(dataDir, 'race');
    const all = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateSigningKeys(freshDir)));
    expect(new Set(all.map((k) => k.keyId)).size).toBe(1);
  });

  it('mints a Cognito-ID-token-like JWT', async () => {
    const token = await mintToken(keys, {
      sub: 'alice',
      org: 'acme',
      groups: ['reviewer', 'senior-reviewer'],
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: keys.keyId });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({
      sub: 'alice',
      'cognito:username': 'alice',
      'cognito:groups': ['reviewer', 'senior-reviewer'],
      'custom:org': 'acme',
      token_use: 'id',
      iss: LOCAL_ISSUER,
      aud: LOCAL_AUDIENCE,
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  it('returns the claims flattened to strings as API Gateway passes them', async () => {
    const issuedAt = new Date();
    issuedAt.setUTCMilliseconds(0);
    const token = await mintToken(keys, {
      sub: 'bob',
      org: 'acme',
      groups: ['reviewer', 'senior-reviewer'],
      expiresInSeconds: 600,
      issuedAt,
    });
    const { claims } = await verifyToken(keys, token);
    expect(claims).toMatchObject({
      sub: 'bob',
      'cognito:username': 'bob',
      'cognito:groups': 'reviewer,senior-reviewer',
      'custom:org': 'acme',
      token_use: 'id',
      auth_time: String(issuedAt.getTime() / 1000),
    });
    for (const value of Object.values(claims)) expect(typeof value).toBe('string');
  });

  it('formats exp and iat like Java dates, other numbers as decimals and arrays comma-joined', () => {
    expect(flattenClaims({ exp: 1574915051, iat: 1574911451, auth_time: 1574911451, groups: ['a'] })).toEqual(
      {
        exp: 'Thu Nov 28 04:24:11 UTC 2019',
        iat: 'Thu Nov 28 03:24:11 UTC 2019',
        auth_time: '1574911451',
        groups: 'a',
      },
    );
  });

  it('omits cognito:groups for a user in no group, like Cognito', async () => {
    const token = await mintToken(keys, { sub: 'carol', org: 'acme', groups: [] });
    expect((await verifyToken(keys, token)).claims).not.toHaveProperty('cognito:groups');
  });

  it('rejects an expired token', async () => {
    const token = await mintToken(keys, {
      sub: 'alice',
      org: 'acme',
      groups: ['applicant'],
      expiresInSeconds: 60,
      issuedAt: new Date(Date.now() - 120_000),
    });
    await expect(verifyToken(keys, token)).rejects.toThrow(/exp/);
  });

  it('rejects a tampered payload', async () => {
    const token = await mintToken(keys, { sub: 'alice', org: 'acme', groups: ['applicant'] });
    const [header, payload, signature] = token.split('.');
    const forged = {
      ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
      'custom:org': 'evil',
    };
    const tampered = [header, Buffer.from(JSON.stringify(forged)).toString('base64url'), signature].join('.');
    await expect(verifyToken(keys, tampered)).rejects.toThrow(/signature/);
  });

  it('rejects a token signed by another key under this key id', async () => {
    const otherKeys = await loadOrCreateSigningKeys(join(dataDir, 'other'));
    const token = await mintToken(
      { ...otherKeys, keyId: keys.keyId },
      { sub: 'alice', org: 'acme', groups: [] },
    );
    await expect(verifyToken(keys, token)).rejects.toThrow(/signature/);
  });

  it('rejects a correctly signed token whose kid names an unknown key or no key, like Cognito', async () => {
    const claims = { sub: 'alice', org: 'acme', groups: ['applicant'] };
    const unknownKid = await mintToken({ ...keys, keyId: 'unknown-key' }, claims);
    await expect(verifyToken(keys, unknownKid)).rejects.toThrow(/no applicable key/);
    const valid = await mintToken(keys, claims);
    const [, payload, signature] = valid.split('.');
    const noKid = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url');
    await expect(verifyToken(keys, [noKid, payload, signature].join('.'))).rejects.toThrow();
    const otherKeys = await loadOrCreateSigningKeys(join(dataDir, 'other'));
    await expect(verifyToken(keys, await mintToken(otherKeys, claims))).rejects.toThrow(/no applicable key/);
  });

  it('rejects a validly signed token from another issuer', async () => {
    const token = await new SignJWT({ token_use: 'id' })
      .setProtectedHeader({ alg: 'RS256', kid: keys.keyId })
      .setSubject('alice')
      .setIssuer('https://cognito-idp.elsewhere/pool')
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(keys.privateKey);
    await expect(verifyToken(keys, token)).rejects.toThrow(/iss/);
  });

  it('rejects a validly signed token with the wrong audience or token use, saying which', async () => {
    const refusal = (token: string) => verifyToken(keys, token).catch(tokenRejectionMessage);
    const base = new SignJWT({ token_use: 'id' })
      .setProtectedHeader({ alg: 'RS256', kid: keys.keyId })
      .setSubject('alice')
      .setIssuer(LOCAL_ISSUER)
      .setIssuedAt()
      .setExpirationTime('1h');
    const wrongAudience = await base.setAudience('other').sign(keys.privateKey);
    await expect(verifyToken(keys, wrongAudience)).rejects.toThrow(/aud/);
    expect(await refusal(wrongAudience)).toMatch(/"aud" claim is not accepted/);
    const accessToken = await new SignJWT({ token_use: 'access' })
      .setProtectedHeader({ alg: 'RS256', kid: keys.keyId })
      .setSubject('alice')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(keys.privateKey);
    await expect(verifyToken(keys, accessToken)).rejects.toThrow(/ID token/);
    expect(await refusal(accessToken)).toMatch(/only ID tokens are accepted/);
  });

  it('refuses group names that would not survive flattening', async () => {
    await expect(mintToken(keys, { sub: 'alice', org: 'acme', groups: ['a,b'] })).rejects.toThrow(/group/);
  });

  it('resolves LOCAL_DATA_DIR to an absolute path, defaulting to .local', () => {
    expect(localDataDir({})).toBe(join(process.cwd(), '.local'));
    expect(localDataDir({ LOCAL_DATA_DIR: 'tmp/data' })).toBe(join(process.cwd(), 'tmp/data'));
  });
});

describe('the local authorizer results cache', () => {
  const claims = { sub: 'alice' };
  const counting = (expiresAt: number) => {
    const checked: string[] = [];
    const check = async (token: string) => {
      checked.push(token);
      if (token === 'forged') throw new Error('signature');
      return { claims, expiresAt };
    };
    return { checked, check };
  };

  it('checks an accepted token once within the cache time, as API Gateway does', async () => {
    let now = 0;
    const { checked, check } = counting(3_600_000);
    const verify = cachedTokenVerifier(check, 300, () => now);
    await expect(verify('token')).resolves.toBe(claims);
    now = 299_999;
    await expect(verify('token')).resolves.toBe(claims);
    expect(checked).toEqual(['token']);
    now = 300_000;
    await verify('token');
    expect(checked).toEqual(['token', 'token']);
  });

  it('checks again once the token itself has expired, even within the cache time', async () => {
    let now = 0;
    const { checked, check } = counting(10_000);
    const verify = cachedTokenVerifier(check, 300, () => now);
    await verify('token');
    now = 10_000;
    await verify('token');
    expect(checked).toEqual(['token', 'token']);
  });

  it('remembers no refusal: a refused token is checked, and refused, every time', async () => {
    const { checked, check } = counting(3_600_000);
    const verify = cachedTokenVerifier(check, 300, () => 0);
    await expect(verify('forged')).rejects.toThrow('signature');
    await expect(verify('forged')).rejects.toThrow('signature');
    expect(checked).toEqual(['forged', 'forged']);
  });

  it('forgets the oldest token when full, so minting a token per request cannot grow it', async () => {
    const { checked, check } = counting(3_600_000);
    const verify = cachedTokenVerifier(check, 300, () => 0);
    for (let i = 0; i <= 1000; i++) await verify(`token-${i}`);
    await verify('token-1000');
    await verify('token-0');
    expect(checked.slice(1001)).toEqual(['token-0']);
  });
});
