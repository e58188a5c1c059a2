import { compactVerify, createLocalJWKSet, errors, type JSONWebKeySet } from 'jose';
import { LICENCE_JWS_TYPE } from '#domain/codes.ts';
import { get } from '../api.ts';
import type { Jwks } from '../types.ts';

/**
 * The signed licence document checked in the browser, as a customs system would check it offline:
 * the compact JWS against the authority's published keys (`/.well-known/jwks.json`), ES256 only,
 * typ `licence+jws`. Nobody is asked whether it is valid; the keys are the only thing fetched. This
 * module (and jose) is loaded only when a document is checked.
 */
export interface SignedLicence {
  licenceNumber?: string;
  status?: string;
  holderOrg?: string;
  validFrom?: string;
  validTo?: string;
  iat?: number;
  [claim: string]: unknown;
}

export type SignatureCheck =
  | { valid: true; kid: string | undefined; payload: SignedLicence }
  | { valid: false; reason: string };

let keys: Promise<ReturnType<typeof createLocalJWKSet>> | undefined;

export async function checkSignature(signed: string): Promise<SignatureCheck> {
  keys ??= get<Jwks>('/.well-known/jwks.json', { anonymous: true }).then((jwks) =>
    createLocalJWKSet(jwks as JSONWebKeySet),
  );
  try {
    const { payload, protectedHeader } = await compactVerify(signed.trim(), await keys, {
      algorithms: ['ES256'],
    });
    if (protectedHeader.typ !== LICENCE_JWS_TYPE)
      return {
        valid: false,
        reason: `it is not a licence document (typ ${protectedHeader.typ ?? 'missing'})`,
      };
    return {
      valid: true,
      kid: protectedHeader.kid,
      payload: JSON.parse(new TextDecoder().decode(payload)) as SignedLicence,
    };
  } catch (error) {
    // Keys that could not be fetched are fetched again on the next check.
    if (!(error instanceof errors.JOSEError)) keys = undefined;
    return { valid: false, reason: reasonOf(error) };
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'the signature does not match the document: it was changed after signing, or signed by someone else';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no published key of the authority signed it';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'it is not signed with ES256';
  if (error instanceof errors.JOSEError) return 'it is not a readable signed document (compact JWS)';
  return error instanceof Error ? error.message : String(error);
}
