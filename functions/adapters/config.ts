import calendarData from '../../data/calendar.json' with { type: 'json' };
import { DEFAULT_CONFIG, type DomainConfig } from '../domain/config.ts';

/** Reads the regime configuration once: environment overrides, calendar from `data/`. */
function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new RangeError(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function nonNegativeNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value >= 0)) throw new RangeError(`${name} must be a number ≥ 0, got "${raw}"`);
  return value;
}

export function loadConfig(): DomainConfig {
  return {
    ...DEFAULT_CONFIG,
    workingDaysLimit: positiveNumber('WORKING_DAYS_LIMIT', DEFAULT_CONFIG.workingDaysLimit),
    appealWorkingDaysLimit: positiveNumber(
      'APPEAL_WORKING_DAYS_LIMIT',
      DEFAULT_CONFIG.appealWorkingDaysLimit,
    ),
    timeZone: process.env.AUTHORITY_TIME_ZONE || calendarData.timeZone || DEFAULT_CONFIG.timeZone,
    calendar: { holidays: calendarData.holidays, extraWorkingDays: calendarData.extraWorkingDays },
    signOffThresholdUsd: positiveNumber('SIGN_OFF_THRESHOLD_USD', DEFAULT_CONFIG.signOffThresholdUsd),
    licenceNumberPrefix: process.env.LICENCE_NUMBER_PREFIX || DEFAULT_CONFIG.licenceNumberPrefix,
    usageTolerancePercent: nonNegativeNumber('USAGE_TOLERANCE_PERCENT', DEFAULT_CONFIG.usageTolerancePercent),
  };
}

export const config = loadConfig();
