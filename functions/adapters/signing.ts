import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import canonicalize from 'canonicalize';
import { base64url, CompactSign, calculateJwkThumbprint, exportJWK, importSPKI, type JWK } from 'jose';
import { loadOrCreateSigningKeys, localDataDir } from '../../local/jwt.ts';
import type { JsonWebKeySet, LicenceSigner } from '../domain/ports.ts';

/**
 * The two `LicenceSigner` adapters. KMS (on AWS): jose cannot sign with a key it does not hold,
 * so the signer builds the JWS signing input itself, has KMS sign its SHA-256 digest
 * (`MessageType: DIGEST`) and converts KMS's DER signature to the 64-byte r‖s that ES256 requires.
 * Local: an ES256 key pair under `LOCAL_DATA_DIR/keys/`, and jose signs.
 */
const ALG = 'ES256';
const encoder = new TextEncoder();

function canonicalPayload(payload: Record<string, unknown>): Uint8Array {
  const json = canonicalize(payload);
  if (json === undefined) throw new TypeError('payload cannot be canonicalised');
  return encoder.encode(json);
}

const publicJwk = (jwk: JWK, kid: string): Record<string, unknown> => ({
  kty: jwk.kty,
  crv: jwk.crv,
  x: jwk.x,
  y: jwk.y,
  kid,
  alg: ALG,
  use: 'sig',
});

export class LocalLicenceSigner implements LicenceSigner {
  private keys: ReturnType<typeof loadOrCreateSigningKeys> | undefined;

  constructor(private readonly dataDir: string = localDataDir()) {}

  private load() {
    this.keys ??= loadOrCreateSigningKeys(this.dataDir, { algorithm: ALG, file: 'licence-signing-key.pem' });
    return this.keys;
  }

  async sign(payload: Record<string, unknown>, typ: string): Promise<string> {
    const { privateKey, keyId } = await this.load();
    return new CompactSign(canonicalPayload(payload))
      .setProtectedHeader({ alg: ALG, typ, kid: keyId })
      .sign(privateKey);
  }

  async jwks(): Promise<JsonWebKeySet> {
    const { publicKey, keyId } = await this.load();
    return { keys: [publicJwk(await exportJWK(publicKey), keyId)] };
  }
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` → 64-byte r‖s (each left-padded or stripped to 32 bytes). */
export function derToJose(der: Uint8Array): Uint8Array {
  const fail = () => new Error('KMS returned a malformed ECDSA signature');
  let offset = 0;
  const read = () => {
    const byte = der[offset++];
    if (byte === undefined) throw fail();
    return byte;
  };
  const readLength = () => {
    const first = read();
    if (first < 0x80) return first;
    let length = 0;
    for (let i = 0; i < (first & 0x7f); i++) length = (length << 8) | read();
    return length;
  };
  if (read() !== 0x30) throw fail();
  readLength();
  const integer = () => {
    if (read() !== 0x02) throw fail();
    const length = readLength();
    let bytes = der.slice(offset, offset + length);
    offset += length;
    while (bytes.length > 32 && bytes[0] === 0) bytes = bytes.slice(1);
    if (bytes.length > 32) throw fail();
    const padded = new Uint8Array(32);
    padded.set(bytes, 32 - bytes.length);
    return padded;
  };
  const r = integer();
  const s = integer();
  const jose = new Uint8Array(64);
  jose.set(r, 0);
  jose.set(s, 32);
  return jose;
}

/** `keyId`: the current signing key; `retiredKeyIds`: earlier keys whose signatures stay verifiable. */
export class KmsLicenceSigner implements LicenceSigner {
  private readonly publicKeys = new Map<string, Promise<Record<string, unknown>>>();

  constructor(
    private readonly keyId: string,
    private readonly retiredKeyIds: readonly string[] = [],
    private readonly client: KMSClient = new KMSClient({}),
  ) {}

  /** The key's public JWK (from kms:GetPublicKey), with `kid` = its RFC 7638 thumbprint. */
  private publicKey(keyId: string): Promise<Record<string, unknown>> {
    let key = this.publicKeys.get(keyId);
    if (!key) {
      key = (async () => {
        const { PublicKey } = await this.client.send(new GetPublicKeyCommand({ KeyId: keyId }));
        if (!PublicKey) throw new Error(`KMS returned no public key for ${keyId}`);
        const pem = createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' })
          .export({ type: 'spki', format: 'pem' })
          .toString();
        const jwk = await exportJWK(await importSPKI(pem, ALG, { extractable: true }));
        return publicJwk(jwk, await calculateJwkThumbprint(jwk));
      })();
      key.catch(() => this.publicKeys.delete(keyId));
      this.publicKeys.set(keyId, key);
    }
    return key;
  }

  async sign(payload: Record<string, unknown>, typ: string): Promise<string> {
    const { kid } = await this.publicKey(this.keyId);
    const header = base64url.encode(JSON.stringify({ alg: ALG, typ, kid }));
    const signingInput = `${header}.${base64url.encode(canonicalPayload(payload))}`;
    const digest = createHash('sha256').update(signingInput, 'utf8').digest();
    const { Signature } = await this.client.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!Signature) throw new Error('KMS returned no signature');
    return `${signingInput}.${base64url.encode(derToJose(Signature))}`;
  }

  async jwks(): Promise<JsonWebKeySet> {
    return { keys: await Promise.all([this.keyId, ...this.retiredKeyIds].map((id) => this.publicKey(id))) };
  }
}

/** KMS when `LICENCE_SIGNING_KEY_ID` is set (on AWS), the local key pair otherwise. */
export function licenceSignerFromEnv(env: NodeJS.ProcessEnv = process.env): LicenceSigner {
  const keyId = env.LICENCE_SIGNING_KEY_ID;
  if (keyId) {
    const retired = (env.LICENCE_RETIRED_KEY_IDS ?? '').split(',').filter(Boolean);
    return new KmsLicenceSigner(keyId, retired);
  }
  if (env.AWS_LAMBDA_FUNCTION_NAME) throw new Error('LICENCE_SIGNING_KEY_ID is not set for this function');
  return new LocalLicenceSigner();
}

/** The signer of `licenceSignerFromEnv`, created on first use (functions that never sign need no key). */
export function lazyLicenceSigner(env: NodeJS.ProcessEnv = process.env): LicenceSigner {
  let signer: LicenceSigner | undefined;
  const get = (): LicenceSigner => {
    signer ??= licenceSignerFromEnv(env);
    return signer;
  };
  return { sign: (payload, typ) => get().sign(payload, typ), jwks: () => get().jwks() };
}
