import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Figures of the reliability suite. Each test file adds to its own tally and writes it on `flush`
 * as one JSON line to the run's figures file; the project's global teardown
 * (test/setup/reliability-summary.ts) prints the summary table from all of them.
 */
export const FIGURE_NAMES = [
  'requests',
  'fiveHundreds',
  'races',
  'oneWinner',
  'serialBoth',
  'applicationsSoaked',
  'faultsInjected',
  'invariantsChecked',
  'violations',
] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];
export type Figures = Record<FigureName, number>;

export const FIGURES_FILE = 'figures.jsonl';

export const emptyFigures = (): Figures =>
  Object.fromEntries(FIGURE_NAMES.map((name) => [name, 0])) as Figures;

/** `default` inside `npm test`, `soak` from `npm run soak` (RELIABILITY_SIZE=soak). */
export const SOAK = process.env.RELIABILITY_SIZE === 'soak';
export const size = (normal: number, soak: number): number => (SOAK ? soak : normal);

export interface Ledger {
  readonly figures: Figures;
  add(name: FigureName, amount?: number): void;
  /** Counts an invariant check; a false one is a violation (and the caller's test fails on it too). */
  check(holds: boolean): boolean;
  /** Counts an HTTP answer (5xx counted separately). */
  answer(status: number): void;
  flush(): void;
}

export function ledger(area: string): Ledger {
  const figures = emptyFigures();
  return {
    figures,
    add: (name, amount = 1) => {
      figures[name] += amount;
    },
    check: (holds) => {
      figures.invariantsChecked += 1;
      if (!holds) figures.violations += 1;
      return holds;
    },
    answer: (status) => {
      figures.requests += 1;
      if (status >= 500) figures.fiveHundreds += 1;
    },
    flush: () => {
      const dir = process.env.RELIABILITY_FIGURES_DIR;
      if (!dir) return;
      appendFileSync(join(dir, FIGURES_FILE), `${JSON.stringify({ area, ...figures })}\n`);
    },
  };
}
