/**
 * Global setup of the `reliability` project: a directory for the figures the test files write
 * (test/reliability/ledger.ts), and at the end one summary table of them on stdout.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyFigures, FIGURE_NAMES, FIGURES_FILE, type Figures } from '../reliability/ledger.ts';

const LABELS: Record<(typeof FIGURE_NAMES)[number], string> = {
  requests: 'requests tried',
  fiveHundreds: '5xx seen',
  races: 'races run',
  oneWinner: '  … with exactly one winner',
  serialBoth: '  … both won, in a valid serial order',
  applicationsSoaked: 'applications soaked',
  faultsInjected: 'faults injected',
  invariantsChecked: 'invariants checked',
  violations: 'violations',
};

export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'reliability-'));
  process.env.RELIABILITY_FIGURES_DIR = dir;
  return async () => {
    const text = await readFile(join(dir, FIGURES_FILE), 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    const rows = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Figures & { area: string });
    process.stdout.write(`\n${summaryTable(rows)}\n`);
  };
}

export function summaryTable(rows: (Figures & { area: string })[]): string {
  const areas = [...new Set(rows.map((row) => row.area))].sort();
  const total = emptyFigures();
  const byArea = new Map(areas.map((area) => [area, emptyFigures()]));
  for (const row of rows) {
    const tally = byArea.get(row.area) ?? emptyFigures();
    for (const name of FIGURE_NAMES) {
      tally[name] += row[name] ?? 0;
      total[name] += row[name] ?? 0;
    }
  }
  const header = ['', ...areas, 'total'];
  const body = FIGURE_NAMES.map((name) => [
    LABELS[name],
    ...areas.map((area) => String(byArea.get(area)?.[name] ?? 0)),
    String(total[name]),
  ]);
  const table = [header, ...body];
  const widths = header.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  const verdict = total.violations === 0 && total.fiveHundreds === 0 ? 'PASS' : 'FAIL';
  return [
    `Reliability summary (${process.env.RELIABILITY_SIZE === 'soak' ? 'soak' : 'default'} size): ${verdict}`,
    line(header),
    ...body.map(line),
  ].join('\n');
}
