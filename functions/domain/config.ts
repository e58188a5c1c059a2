import type { DocumentType } from './schemas.ts';

/**
 * Regime configuration: everything that differs between export-control regimes is data, not code.
 * Adapters build it once from the environment and `data/`; tests build their own.
 */
export interface Calendar {
  /** Local dates (YYYY-MM-DD) on which the clock does not run. */
  holidays: readonly string[];
  /** Weekend dates (YYYY-MM-DD) that are working days. */
  extraWorkingDays: readonly string[];
}

export interface DomainConfig {
  /** Working days allowed for a decision (legal clock). */
  workingDaysLimit: number;
  /** IANA time zone of the authority; working days are counted in it. */
  timeZone: string;
  calendar: Calendar;
  /** Total goods value (USD) from which an approval needs a senior sign-off. */
  signOffThresholdUsd: number;
  /** Inactive drafts are abandoned after this many days. */
  abandonAfterDays: number;
  /** Documents that `submit` requires. */
  requiredDocuments: readonly DocumentType[];
  /** Documents also required when any goods item is technology. */
  technologyDocuments: readonly DocumentType[];
  /** Calendar days to appeal a denial. */
  appealDays: number;
  /** Working days allowed for deciding an appeal (the appeal's own clock). */
  appealWorkingDaysLimit: number;
  licenceNumberPrefix: string;
  /** Cases within this many working days of their due date go first in the queue. */
  queueUrgentWorkingDays: number;
  /** Percent by which recorded usage may exceed a licensed quantity or value (default 0). */
  usageTolerancePercent: number;
}

export const DEFAULT_CONFIG: DomainConfig = {
  workingDaysLimit: 45,
  timeZone: 'UTC',
  calendar: { holidays: [], extraWorkingDays: [] },
  signOffThresholdUsd: 1_000_000,
  abandonAfterDays: 90,
  requiredDocuments: ['CONTRACT', 'END_USER_CERTIFICATE', 'END_USE_STATEMENT'],
  technologyDocuments: ['TECHNICAL_DESCRIPTION'],
  appealDays: 28,
  appealWorkingDaysLimit: 30,
  licenceNumberPrefix: 'EXL',
  queueUrgentWorkingDays: 5,
  usageTolerancePercent: 0,
};
