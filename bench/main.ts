/**
 * npm run bench -- [--applications N] [--concurrency 1,4,16] [--stored S] [--stored-small S]
 *                  [--traced N] [--samples N] [--init-runs N] [--out DIR]
 *
 * Runs the benchmark on a local stack of its own (free ports, DynamoDB Local in memory) and writes
 * latest.json, latest.md and its charts to bench/results (or --out).
 */
import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS, runBench, writeReport } from './run.ts';

const { values } = parseArgs({
  options: {
    applications: { type: 'string' },
    concurrency: { type: 'string' },
    stored: { type: 'string' },
    'stored-small': { type: 'string' },
    traced: { type: 'string' },
    samples: { type: 'string' },
    'init-runs': { type: 'string' },
    out: { type: 'string' },
  },
  strict: true,
});

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} must be a positive integer`);
  return number;
}

const options = {
  ...DEFAULT_OPTIONS,
  applications: positive('applications', values.applications, DEFAULT_OPTIONS.applications),
  concurrency: values.concurrency
    ? values.concurrency.split(',').map((part) => positive('concurrency', part, 1))
    : DEFAULT_OPTIONS.concurrency,
  stored: positive('stored', values.stored, DEFAULT_OPTIONS.stored),
  storedSmall: positive('stored-small', values['stored-small'], DEFAULT_OPTIONS.storedSmall),
  traced: positive('traced', values.traced, DEFAULT_OPTIONS.traced),
  samples: positive('samples', values.samples, DEFAULT_OPTIONS.samples),
  initRuns: positive('init-runs', values['init-runs'], DEFAULT_OPTIONS.initRuns),
  outDir: values.out ?? DEFAULT_OPTIONS.outDir,
};
if (options.storedSmall >= options.stored) throw new Error('--stored-small must be below --stored');

const started = Date.now();
const report = await runBench(options);
await writeReport(report, options.outDir);
for (const target of report.targets)
  console.log(`${target.met ? '✓' : '✗'} ${target.name}: ${target.value} (${target.limit})`);
console.log(
  `bench finished in ${((Date.now() - started) / 1000).toFixed(0)} s; see ${options.outDir}/latest.md`,
);
// The handlers' SDK clients keep sockets open.
process.exit(0);
