/**
 * The vocabularies of the API (enumerations), apart from the schemas so that clients such as the
 * web console can import them without zod.
 */
export const ELEMENTS = [
  'SAMARIUM',
  'GADOLINIUM',
  'TERBIUM',
  'DYSPROSIUM',
  'LUTETIUM',
  'SCANDIUM',
  'YTTRIUM',
  'OTHER',
] as const;
export const FORMS = ['METAL', 'OXIDE', 'ALLOY', 'COMPOUND', 'MAGNET', 'TECHNOLOGY'] as const;
export const END_USER_TYPES = ['COMMERCIAL', 'GOVERNMENT', 'MILITARY', 'RESEARCH', 'INDIVIDUAL'] as const;
export const DOCUMENT_TYPES = [
  'CONTRACT',
  'END_USER_CERTIFICATE',
  'END_USE_STATEMENT',
  'TECHNICAL_DESCRIPTION',
  'RFI_RESPONSE',
  'OTHER',
] as const;
export const CONTENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
export const DENIAL_REASONS = [
  'MILITARY_END_USE',
  'DENIED_PARTY',
  'RISK_OF_DIVERSION',
  'INSUFFICIENT_END_USE_ASSURANCE',
  'INCOMPLETE_INFORMATION',
  'NATIONAL_SECURITY',
  'OTHER',
] as const;
export const LANES = ['EXPEDITED', 'STANDARD', 'ENHANCED'] as const;
export const FLAG_CODES = [
  'POTENTIAL_DENIED_PARTY_MATCH',
  'DENIED_PARTY_MATCH',
  'SCREENING_ERROR',
  'RFI_OVERDUE',
  'APPEAL_OVERTURNED',
] as const;

/** The `typ` of a signed licence document (compact JWS), checked by whoever verifies one, the console included. */
export const LICENCE_JWS_TYPE = 'licence+jws';

/** Reason codes for a suspension or revocation, coded like denial reasons. */
export const LICENCE_REASONS = [
  'BREACH_OF_CONDITIONS',
  'RISK_OF_DIVERSION',
  'DENIED_PARTY',
  'SANCTIONS',
  'FALSE_INFORMATION',
  'NATIONAL_SECURITY',
  'OTHER',
] as const;
