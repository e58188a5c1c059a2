import { DEFAULT_OPTIONS, runBench } from './bench/run.ts';

const t0 = Date.now();
await runBench({
  ...DEFAULT_OPTIONS,
  applications: 2,
  concurrency: [1, 2],
  stored: 12,
  storedSmall: 4,
  traced: 1,
  samples: 8,
  initRuns: 1,
  outDir: '/tmp/i10/smoke',
  tablePrefix: 'BenchSmoke',
  log: (m) => console.log(((Date.now() - t0) / 1000).toFixed(1), m),
});
console.log('done', (Date.now() - t0) / 1000);
process.exit(0);
