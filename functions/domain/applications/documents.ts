import { createHash } from 'node:crypto';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts';
import { CONTENT_TYPES, type DocumentUpload, LIMITS } from '../schemas.ts';

/** Document content checks: decoded size and type by magic bytes, not by the declared type. */
const SIGNATURES: Record<(typeof CONTENT_TYPES)[number], number[]> = {
  'application/pdf': [0x25, 0x50, 0x44, 0x46, 0x2d],
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'image/jpeg': [0xff, 0xd8, 0xff],
};

export function detectContentType(content: Uint8Array): (typeof CONTENT_TYPES)[number] | null {
  return (
    CONTENT_TYPES.find((type) => SIGNATURES[type].every((byte, index) => content[index] === byte)) ?? null
  );
}

/** 413 naming the document limit and what was received (`received` e.g. "3145729 bytes"). */
export function documentTooLarge(received: string): PayloadTooLargeError {
  const limit = `${LIMITS.documentBytes / 1024 / 1024} MiB (${LIMITS.documentBytes} bytes)`;
  return new PayloadTooLargeError(
    `A document may be at most ${limit} once decoded; this one is ${received}.`,
  );
}

/** An upload body too large to read: its document is about 3/4 of it (base64). */
export const documentBodyTooLarge = (bodyBytes: number): PayloadTooLargeError =>
  documentTooLarge(`about ${Math.floor((bodyBytes * 3) / 4)} bytes (a ${bodyBytes}-byte request body)`);

export interface CheckedContent {
  content: Uint8Array;
  sizeBytes: number;
  sha256: string;
}

export function checkDocumentContent(upload: DocumentUpload): CheckedContent {
  const content = Buffer.from(upload.contentBase64, 'base64');
  if (content.length > LIMITS.documentBytes) throw documentTooLarge(`${content.length} bytes`);
  const detected = detectContentType(content);
  if (detected === null) {
    throw new UnsupportedMediaTypeError('The document is not a PDF, PNG or JPEG file.');
  }
  if (detected !== upload.contentType) {
    throw new UnsupportedMediaTypeError(
      `The document content is ${detected}, not ${upload.contentType} as declared.`,
    );
  }
  return { content, sizeBytes: content.length, sha256: createHash('sha256').update(content).digest('hex') };
}
