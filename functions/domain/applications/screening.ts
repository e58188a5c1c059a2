import { subMonths } from 'date-fns/subMonths';
import { distance } from 'fastest-levenshtein';
import type { Application } from '../schemas.ts';
import * as z from '../zod.ts';
import type { ScreeningOutcome } from './apply-action.ts';
import { normalisePartyName } from './rules.ts';

/**
 * Screening of a submitted application (DESIGN.md): a military end use or end user is refused by
 * published policy; each party is checked against the denied-party list (versioned data) — an
 * exact match of the normalised name goes to a senior reviewer with a system recommendation to
 * deny, a close match (similarity ≥ 0.9) is flagged for the reviewer. Pure: the list and the org's
 * approval history are passed in.
 */

export const DeniedPartyListSchema = z.deferred(() =>
  z.strictObject({
    version: z.string().check(z.minLength(1), z.maxLength(64)),
    updatedAt: z.iso.datetime({ offset: true }),
    parties: z
      .array(
        z.strictObject({
          name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
          country: z.optional(z.string().check(z.regex(/^[A-Z]{2}$/))),
          listedAt: z.iso.date(),
          source: z.string().check(z.minLength(1), z.maxLength(200)),
        }),
      )
      .check(z.maxLength(100_000)),
  }),
);
export type DeniedPartyList = z.infer<typeof DeniedPartyListSchema>;

export const FUZZY_MATCH_THRESHOLD = 0.9;
const RECENT_APPROVAL_MONTHS = 12;

export type ScreeningAction = 'screening-cleared' | 'screening-matched' | 'screening-refused';
export interface ScreeningResult {
  action: ScreeningAction;
  outcome: ScreeningOutcome;
}

const SCREENED_PARTIES = ['exporter', 'consignee', 'endUser'] as const;
type PartyRole = (typeof SCREENED_PARTIES)[number];

interface ListMatch {
  listedName: string;
  listedCountry: string | null;
  source: string;
  score: number;
  /** Same normalised name, and the countries do not contradict each other. */
  exact: boolean;
}

interface PartyCheck {
  role: PartyRole;
  normalisedName: string;
  country: string | null;
  bestScore: number;
  /** The closest listed party when it scores at least the fuzzy threshold. */
  match: ListMatch | null;
}

/** Normalised Levenshtein similarity: 1 for equal strings, 0 for nothing in common. */
export function nameSimilarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 1;
  return 1 - distance(a, b) / longest;
}

const round = (score: number): number => Math.round(score * 1000) / 1000;

function checkParty(
  role: PartyRole,
  party: { name?: string | undefined; country?: string | undefined },
  list: readonly NormalisedEntry[],
): PartyCheck | null {
  if (!party.name) return null;
  const normalisedName = normalisePartyName(party.name);
  const country = party.country ?? null;
  let best: ListMatch | null = null;
  for (const entry of list) {
    const score = nameSimilarity(normalisedName, entry.normalisedName);
    const exact =
      score === 1 &&
      (entry.party.country === undefined || country === null || entry.party.country === country);
    if (best === null || score > best.score || (score === best.score && exact && !best.exact)) {
      best = {
        listedName: entry.party.name,
        listedCountry: entry.party.country ?? null,
        source: entry.party.source,
        score,
        exact,
      };
    }
  }
  const bestScore = round(best?.score ?? 0);
  const match = best && best.score >= FUZZY_MATCH_THRESHOLD ? { ...best, score: bestScore } : null;
  return { role, normalisedName, country, bestScore, match };
}

interface NormalisedEntry {
  party: DeniedPartyList['parties'][number];
  normalisedName: string;
}

const normalisedLists = new WeakMap<DeniedPartyList, NormalisedEntry[]>();

function normalisedEntries(list: DeniedPartyList): NormalisedEntry[] {
  let entries = normalisedLists.get(list);
  if (!entries) {
    entries = list.parties.map((party) => ({ party, normalisedName: normalisePartyName(party.name) }));
    normalisedLists.set(list, entries);
  }
  return entries;
}

export function screenApplication(
  application: Application,
  list: DeniedPartyList,
  recentApprovalForEndUser: boolean,
): ScreeningResult {
  const entries = normalisedEntries(list);
  const checks = SCREENED_PARTIES.flatMap((role) => checkParty(role, application[role] ?? {}, entries) ?? []);
  const military = {
    endUse: application.endUse?.military === true,
    endUserType: application.endUser?.type ?? null,
  };
  const exactMatch = checks.some((check) => check.match?.exact === true);
  const potentialMatch = checks.some((check) => check.match !== null && !check.match.exact);
  const report = {
    listVersion: list.version,
    listUpdatedAt: list.updatedAt,
    fuzzyThreshold: FUZZY_MATCH_THRESHOLD,
    military,
    parties: checks,
  };
  const outcome: ScreeningOutcome = {
    report,
    flags: potentialMatch ? ['POTENTIAL_DENIED_PARTY_MATCH'] : [],
    recentApprovalForEndUser,
  };
  if (military.endUse || military.endUserType === 'MILITARY') return { action: 'screening-refused', outcome };
  if (exactMatch) return { action: 'screening-matched', outcome };
  return { action: 'screening-cleared', outcome };
}

/**
 * The key an approval is found again under for the EXPEDITED check (org, end-user country and
 * normalised name), or null when the end user is not named yet.
 */
export function endUserKey(application: Pick<Application, 'orgId' | 'endUser'>): string | null {
  const endUser = application.endUser;
  if (!endUser?.name || !endUser.country) return null;
  return `${application.orgId}#${endUser.country}#${normalisePartyName(endUser.name)}`;
}

/**
 * EXPEDITED lane: the same org had a licence approved for the same end user (normalised name and
 * country) within the last 12 months. `approved` are the org's APPROVED applications.
 */
export function hadRecentApprovalForEndUser(
  application: Application,
  approved: readonly Application[],
  now: Date,
): boolean {
  const endUser = application.endUser;
  if (!endUser?.name || !endUser.country) return false;
  const name = normalisePartyName(endUser.name);
  const since = subMonths(now, RECENT_APPROVAL_MONTHS).getTime();
  return approved.some((other) => {
    const otherName = other.endUser?.name;
    return (
      other.applicationId !== application.applicationId &&
      other.orgId === application.orgId &&
      other.decision?.outcome === 'APPROVED' &&
      Date.parse(other.decision.decidedAt) >= since &&
      other.endUser?.country === endUser.country &&
      otherName !== undefined &&
      normalisePartyName(otherName) === name
    );
  });
}
