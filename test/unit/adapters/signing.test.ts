import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToJose, KmsLicenceSigner, LocalLicenceSigner } from '#adapters/signing.ts';

const PAYLOAD = { licenceNumber: 'EXL-2026-000001', status: 'ACTIVE', iat: 1_780_000_000 };
const TYP = 'licence+jws';

describe('local licence signer', () => {
  let dir: string;
  let other: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signer-'));
    other = await mkdtemp(join(tmpdir(), 'signer-other-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(other, { recursive: true, force: true });
  });

  it('signs an ES256 licence+jws that jose verifies against the published JWKS, kid = RFC 7638 thumbprint', async () => {
    const signer = new LocalLicenceSigner(dir);
    const jws = await signer.sign(PAYLOAD, TYP);
    const jwks = await signer.jwks();
    const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet({ keys: jwks.keys }));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(PAYLOAD);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: TYP });
    const [key] = jwks.keys;
    expect(protectedHeader.kid).toBe(
      await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: String(key?.x), y: String(key?.y) }),
    );
    expect(key).not.toHaveProperty('d');
  });

  it('fails verification for a tampered payload and for a document signed by a foreign key', async () => {
    const signer = new LocalLicenceSigner(dir);
    const jwks = createLocalJWKSet({ keys: (await signer.jwks()).keys });
    const [header, , signature] = (await signer.sign(PAYLOAD, TYP)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...PAYLOAD, status: 'REVOKED' })).toString('base64url');
    await expect(compactVerify(`${header}.${forged}.${signature}`, jwks)).rejects.toThrow();
    const foreign = await new LocalLicenceSigner(other).sign(PAYLOAD, TYP);
    await expect(compactVerify(foreign, jwks)).rejects.toThrow();
  });
});

describe('KMS licence signer', () => {
  // A real P-256 key stands in for the KMS key: the mocked client returns its SPKI and real DER signatures.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kms = mockClient(KMSClient);
  kms.on(GetPublicKeyCommand).resolves({ PublicKey: publicKey.export({ type: 'spki', format: 'der' }) });
  // Node cannot sign a precomputed digest, so the fake finds the signing input whose SHA-256 KMS was
  // given among those the test asks for, and signs that input: the same ECDSA signature, DER-encoded.
  const signingInputs = new Map<string, string>();
  const expectSigningInput = (input: string) =>
    signingInputs.set(createHash('sha256').update(input).digest('hex'), input);
  kms.on(SignCommand).callsFake((input: { Message: Uint8Array; MessageType: string }) => {
    expect(input.MessageType).toBe('DIGEST');
    const signingInput = signingInputs.get(Buffer.from(input.Message).toString('hex'));
    if (!signingInput) throw new Error('KMS was asked to sign an unexpected digest');
    return {
      Signature: nodeSign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'der' }),
    };
  });
  const thumbprint = async () => {
    const jwk = publicKey.export({ format: 'jwk' });
    return calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) });
  };
  const expectSigned = async (payload: Record<string, unknown>) => {
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: TYP, kid: await thumbprint() })).toString(
      'base64url',
    );
    expectSigningInput(`${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`);
  };

  it('produces a JWS that jose verifies with the JWKS built from kms:GetPublicKey (DER → r‖s)', async () => {
    const signer = new KmsLicenceSigner('key-1', [], new KMSClient({}));
    for (let i = 0; i < 20; i++) {
      await expectSigned({
        iat: PAYLOAD.iat + i,
        licenceNumber: PAYLOAD.licenceNumber,
        status: PAYLOAD.status,
      });
      const jws = await signer.sign({ ...PAYLOAD, iat: PAYLOAD.iat + i }, TYP);
      const { keys } = await signer.jwks();
      const { protectedHeader } = await compactVerify(jws, createLocalJWKSet({ keys }));
      expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: TYP, kid: keys[0]?.kid });
    }
    await expectSigned({ iat: PAYLOAD.iat, licenceNumber: PAYLOAD.licenceNumber, status: PAYLOAD.status });
    expect(decodeProtectedHeader(await signer.sign(PAYLOAD, TYP)).kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('keeps retired keys in the JWKS', async () => {
    const signer = new KmsLicenceSigner('key-2', ['key-1'], new KMSClient({}));
    expect((await signer.jwks()).keys).toHaveLength(2);
  });
});

describe('derToJose', () => {
  it('strips the sign byte and left-pads short integers to 32 bytes each', () => {
    const r = [0x00, 0x80, ...new Array(31).fill(1)];
    const s = [0x05];
    const der = Uint8Array.from([
      0x30,
      2 + r.length + 2 + s.length,
      0x02,
      r.length,
      ...r,
      0x02,
      s.length,
      ...s,
    ]);
    const jose = derToJose(der);
    expect(jose).toHaveLength(64);
    expect(jose[0]).toBe(0x80);
    expect(jose.slice(32, 63).every((byte) => byte === 0)).toBe(true);
    expect(jose[63]).toBe(0x05);
  });
});
