import type { DomainConfig } from '../config.ts';
import type { Application, Details, DocumentType, Flag, Lane, Missing, Warning } from '../schemas.ts';

/** Business rules that are not transitions: completeness, sign-off, lanes. */

const has = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

/** Fields `complete-details` requires; each missing one is a detail `{path, message}`. */
export function missingDetails(details: Details): Missing[] {
  const missing: Missing[] = [];
  const need = (path: string, value: unknown) => {
    if (!has(value)) missing.push({ path, message: 'is required' });
  };
  need('exporter.name', details.exporter?.name);
  need('exporter.country', details.exporter?.country);
  if (!details.goods || details.goods.length === 0) {
    missing.push({ path: 'goods', message: 'at least one goods item is required' });
  }
  for (const [index, item] of (details.goods ?? []).entries()) {
    for (const field of ['description', 'element', 'form', 'controlCode', 'valueUsd'] as const) {
      need(`goods.${index}.${field}`, item[field]);
    }
    if (item.form !== 'TECHNOLOGY') need(`goods.${index}.quantityKg`, item.quantityKg);
  }
  for (const party of ['consignee', 'endUser'] as const) {
    need(`${party}.name`, details[party]?.name);
    need(`${party}.country`, details[party]?.country);
    need(`${party}.address`, details[party]?.address);
  }
  need('endUser.type', details.endUser?.type);
  need('endUse.description', details.endUse?.description);
  need('endUse.military', details.endUse?.military);
  return missing;
}

/**
 * Warnings at `complete-details`: the published policy refuses military end users and end uses at
 * screening, after the documents are in; say so before anyone uploads them.
 */
export function policyWarnings(details: Details): Warning[] {
  const message =
    'Applications for military end users are not approved: this application will be refused at screening.';
  const warnings: Warning[] = [];
  if (details.endUser?.type === 'MILITARY') {
    warnings.push({ code: 'MILITARY_END_USE', path: 'endUser.type', message });
  }
  if (details.endUse?.military === true) {
    warnings.push({ code: 'MILITARY_END_USE', path: 'endUse.military', message });
  }
  return warnings;
}

export function requiredDocuments(
  details: Details,
  config: Pick<DomainConfig, 'requiredDocuments' | 'technologyDocuments'>,
): DocumentType[] {
  const technology = (details.goods ?? []).some((item) => item.form === 'TECHNOLOGY');
  return [...config.requiredDocuments, ...(technology ? config.technologyDocuments : [])];
}

/** Documents `submit` still needs; each missing type is a detail. */
export function missingDocuments(
  application: Pick<Application, 'documents' | 'goods'>,
  config: Pick<DomainConfig, 'requiredDocuments' | 'technologyDocuments'>,
): Missing[] {
  const present = new Set(application.documents.map((document) => document.type));
  return requiredDocuments(application, config)
    .filter((type) => !present.has(type))
    .map((type) => ({ path: 'documents', documentType: type, message: `a ${type} document is required` }));
}

export const totalValueUsd = (details: Details): number =>
  (details.goods ?? []).reduce((sum, item) => sum + (item.valueUsd ?? 0), 0);

export const hasScreeningFlag = (flags: readonly Flag[]): boolean =>
  flags.some((flag) => flag.source === 'screening');

/**
 * An approval needs a senior sign-off at or above the value threshold, with any screening flag, or
 * when an appeal overturned the earlier denial.
 */
export function approvalNeedsSignOff(application: Application, config: DomainConfig): boolean {
  return (
    totalValueUsd(application) >= config.signOffThresholdUsd ||
    hasScreeningFlag(application.flags) ||
    application.flags.some((flag) => flag.code === 'APPEAL_OVERTURNED')
  );
}

/** Normalised party name for matching: case, accents, punctuation and legal-form noise removed. */
export function normalisePartyName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/&/g, ' AND ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(/\b(CO|COMPANY|CORP|CORPORATION|INC|LTD|LIMITED|LLC|GMBH|AG|SA|SAS|BV|PLC|KG)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export const ENHANCED_PUBLIC_REASON = 'Additional checks apply to this application.';

/**
 * Priority lane, in precedence: ENHANCED (third-country routing or a screening flag), EXPEDITED
 * (an amendment: "variation of licence N"; or the org had a licence approved for the same end
 * user in the last 12 months), STANDARD.
 */
export function assignLane(
  application: Application,
  flags: readonly Flag[],
  recentApprovalForEndUser: boolean,
): Lane {
  const consigneeCountry = application.consignee?.country;
  const endUserCountry = application.endUser?.country;
  if (consigneeCountry && endUserCountry && consigneeCountry !== endUserCountry) {
    return {
      name: 'ENHANCED',
      reason: `Goods route through a third country (consignee ${consigneeCountry}, end user ${endUserCountry}).`,
    };
  }
  if (hasScreeningFlag(flags)) return { name: 'ENHANCED', reason: 'Screening raised a flag.' };
  if (application.amends) return { name: 'EXPEDITED', reason: `variation of licence ${application.amends}` };
  if (recentApprovalForEndUser) {
    return {
      name: 'EXPEDITED',
      reason: 'A licence was approved for the same end user in the last 12 months.',
    };
  }
  return { name: 'STANDARD', reason: 'Standard review.' };
}
