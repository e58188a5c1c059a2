import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import canonicalize from 'canonicalize';
import { calculateJwkThumbprint } from 'jose';
import { loadOrCreatePrivateKeyPem, localDataDir } from '../../local/jwt.ts';
import type { JsonWebKeySet, LicenceSigner } from '../domain/ports.ts';

/**
 * The two `LicenceSigner` adapters, both building the compact JWS themselves with node:crypto (jose
 * would bring its key handling into every function that signs; only verifying needs it). KMS (on
 * AWS): KMS signs the SHA-256 digest of the signing input (`MessageType: DIGEST`) and its DER
 * signature becomes the 64-byte r‖s that ES256 requires. Local: an ES256 key pair under
 * `LOCAL_DATA_DIR/keys/`.
 */
const ALG = 'ES256';

const base64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

/** `header.payload` of the compact JWS, the payload as its RFC 8785 canonical JSON. */
function signingInput(payload: Record<string, unknown>, typ: string, kid: string): string {
  const json = canonicalize(payload);
  if (json === undefined) throw new TypeError('payload cannot be canonicalised');
  return `${base64url(JSON.stringify({ alg: ALG, typ, kid }))}.${base64url(json)}`;
}

/** A public key as the JWKS publishes it. */
interface PublishedJwk extends Record<string, unknown> {
  /** The key's RFC 7638 thumbprint. */
  kid: string;
}

async function publicJwk(key: KeyObject): Promise<PublishedJwk> {
  const { kty, crv, x, y } = key.export({ format: 'jwk' });
  if (kty !== 'EC' || crv !== 'P-256' || !x || !y)
    throw new Error(`the signing key is not a P-256 key (${kty})`);
  const kid = await calculateJwkThumbprint({ kty, crv, x, y });
  return { kty, crv, x, y, kid, alg: ALG, use: 'sig' };
}

interface LocalKeys {
  privateKey: KeyObject;
  jwk: PublishedJwk;
}

export class LocalLicenceSigner implements LicenceSigner {
  private keys: Promise<LocalKeys> | undefined;

  constructor(private readonly dataDir: string = localDataDir()) {}

  private load(): Promise<LocalKeys> {
    this.keys ??= (async () => {
      const pem = await loadOrCreatePrivateKeyPem(this.dataDir, 'licence-signing-key.pem', async () =>
        generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      );
      const privateKey = createPrivateKey(pem);
      return { privateKey, jwk: await publicJwk(createPublicKey(privateKey)) };
    })();
    return this.keys;
  }

  async sign(payload: Record<string, unknown>, typ: string): Promise<string> {
    const { privateKey, jwk } = await this.load();
    const input = signingInput(payload, typ, jwk.kid);
    const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${base64url(signature)}`;
  }

  async jwks(): Promise<JsonWebKeySet> {
    return { keys: [(await this.load()).jwk] };
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

type KmsSdk = typeof import('@aws-sdk/client-kms');
let kmsSdk: Promise<KmsSdk> | undefined;

/** `keyId`: the current signing key; `retiredKeyIds`: earlier keys whose signatures stay verifiable. */
export class KmsLicenceSigner implements LicenceSigner {
  private readonly publicKeys = new Map<string, Promise<PublishedJwk>>();

  constructor(
    private readonly keyId: string,
    private readonly retiredKeyIds: readonly string[] = [],
    private client?: KMSClient,
  ) {}

  /** The KMS SDK and this signer's client, loaded on first use rather than at a cold start. */
  private async kms(): Promise<{ sdk: KmsSdk; client: KMSClient }> {
    kmsSdk ??= import('@aws-sdk/client-kms');
    const sdk = await kmsSdk;
    this.client ??= new sdk.KMSClient({});
    return { sdk, client: this.client };
  }

  /** The key's public JWK (from kms:GetPublicKey), with `kid` = its RFC 7638 thumbprint. */
  private publicKey(keyId: string): Promise<PublishedJwk> {
    let key = this.publicKeys.get(keyId);
    if (!key) {
      key = (async () => {
        const { sdk, client } = await this.kms();
        const { PublicKey } = await client.send(new sdk.GetPublicKeyCommand({ KeyId: keyId }));
        if (!PublicKey) throw new Error(`KMS returned no public key for ${keyId}`);
        return publicJwk(createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' }));
      })();
      key.catch(() => this.publicKeys.delete(keyId));
      this.publicKeys.set(keyId, key);
    }
    return key;
  }

  async sign(payload: Record<string, unknown>, typ: string): Promise<string> {
    const { kid } = await this.publicKey(this.keyId);
    const input = signingInput(payload, typ, kid);
    const digest = createHash('sha256').update(input, 'utf8').digest();
    const { sdk, client } = await this.kms();
    const { Signature } = await client.send(
      new sdk.SignCommand({
        KeyId: this.keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!Signature) throw new Error('KMS returned no signature');
    return `${input}.${base64url(derToJose(Signature))}`;
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
