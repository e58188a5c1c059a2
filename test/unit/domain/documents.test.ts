import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkDocumentContent, detectContentType } from '#domain/applications/documents.ts';
import { type DocumentUpload, LIMITS } from '#domain/schemas.ts';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);

const upload = (content: Buffer, contentType: DocumentUpload['contentType']): DocumentUpload => ({
  type: 'CONTRACT',
  fileName: 'contract.pdf',
  contentType,
  contentBase64: content.toString('base64'),
});

describe('detectContentType', () => {
  it.each([
    ['a PDF', PDF, 'application/pdf'],
    ['a PNG', PNG, 'image/png'],
    ['a JPEG', JPEG, 'image/jpeg'],
    ['plain text', Buffer.from('hello world'), null],
    ['an empty file', Buffer.alloc(0), null],
  ])('recognises %s by its magic bytes', (_label, content, expected) => {
    expect(detectContentType(content)).toBe(expected);
  });
});

describe('checkDocumentContent', () => {
  it('decodes the content and records its size and sha256', () => {
    const checked = checkDocumentContent(upload(PDF, 'application/pdf'));
    expect(Buffer.from(checked.content)).toEqual(PDF);
    expect(checked.sizeBytes).toBe(PDF.length);
    expect(checked.sha256).toBe(createHash('sha256').update(PDF).digest('hex'));
  });

  it('refuses content that is none of the accepted types with 415', () => {
    expect(() => checkDocumentContent(upload(Buffer.from('MZ executable'), 'application/pdf'))).toThrow(
      expect.objectContaining({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }),
    );
  });

  it('refuses content whose type differs from the declared one with 415', () => {
    expect(() => checkDocumentContent(upload(PNG, 'application/pdf'))).toThrow(
      expect.objectContaining({ status: 415, message: expect.stringContaining('image/png') }),
    );
  });

  it('refuses more than 3 MiB once decoded with 413, and accepts exactly 3 MiB', () => {
    const limit = Buffer.concat([PDF, Buffer.alloc(LIMITS.documentBytes - PDF.length)]);
    expect(checkDocumentContent(upload(limit, 'application/pdf')).sizeBytes).toBe(LIMITS.documentBytes);
    const over = Buffer.concat([limit, Buffer.alloc(1)]);
    expect(() => checkDocumentContent(upload(over, 'application/pdf'))).toThrow(
      expect.objectContaining({ status: 413, code: 'PAYLOAD_TOO_LARGE' }),
    );
  });
});
