import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SERVICES } from './cost-model.ts';
import type { BenchReport } from './run.ts';

/** `latest.md` and its two SVG charts (latency percentiles, cost breakdown), from the JSON report. */
const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Bar {
  label: string;
  value: number;
}

/** A horizontal bar chart in plain SVG, one bar per entry, labelled with its value. */
export function barChart(title: string, bars: readonly Bar[], unit: string): string {
  const width = 640;
  const labelWidth = 220;
  const rowHeight = 22;
  const top = 32;
  const height = top + bars.length * rowHeight + 12;
  const max = Math.max(...bars.map((bar) => bar.value), Number.MIN_VALUE);
  const scale = (width - labelWidth - 90) / max;
  const rows = bars
    .map((bar, index) => {
      const y = top + index * rowHeight;
      const barWidth = Math.max(1, bar.value * scale);
      return [
        `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y + 3}" width="${barWidth.toFixed(1)}" height="${rowHeight - 6}" fill="#4c78a8"/>`,
        `<text x="${(labelWidth + barWidth + 6).toFixed(1)}" y="${y + 15}">${escapeXml(`${formatNumber(bar.value)} ${unit}`)}</text>`,
      ].join('');
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<title>${escapeXml(title)}</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>
${rows}
</svg>
`;
}

const formatNumber = (value: number): string =>
  value === 0
    ? '0'
    : Math.abs(value) >= 100
      ? value.toFixed(0)
      : Math.abs(value) >= 1
        ? value.toFixed(2)
        : value.toPrecision(2);

export const CHARTS = { latency: 'latency.svg', cost: 'cost.svg' } as const;

export async function writeCharts(report: BenchReport, outDir: string): Promise<void> {
  const latencyBars: Bar[] = [];
  const series = [
    ['raw TransactWriteItems', report.latency.raw],
    ['GetItem + raw TransactWriteItems', report.latency.readThenRaw],
    ['API transition', report.latency.api],
    ['API + Idempotency-Key', report.latency.apiWithKey],
  ] as const;
  for (const [label, latency] of series) {
    latencyBars.push(
      { label: `${label} p50`, value: latency.p50Ms },
      { label: `${label} p90`, value: latency.p90Ms },
      { label: `${label} p99`, value: latency.p99Ms },
    );
  }
  await writeFile(path.join(outDir, CHARTS.latency), barChart('Transition latency (ms)', latencyBars, 'ms'));
  const costBars = SERVICES.map((service) => ({
    label: service,
    value: report.costPer1000.happyPath[service],
  }));
  await writeFile(
    path.join(outDir, CHARTS.cost),
    barChart('Cost per 1,000 happy-path applications (USD)', costBars, 'USD'),
  );
}

const table = (header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

/** A p50 as a multiple of the raw transaction's, two decimals. */
const ratioToRaw = (report: BenchReport) => (latency: BenchReport['latency']['raw']) =>
  Math.round((latency.p50Ms / report.latency.raw.p50Ms) * 100) / 100;

const latencyRow = (label: string, latency: BenchReport['latency']['raw'], ratio: number) => [
  label,
  latency.samples,
  latency.p50Ms,
  latency.p90Ms,
  latency.p99Ms,
  ratio,
];

export function renderMarkdown(report: BenchReport): string {
  const { apiParts } = report.latency;
  const ofRaw = ratioToRaw(report);
  const happy = report.perApplication.happyPath;
  const review = report.perApplication.reviewPath;
  const countRows = (
    [
      ['state transitions', 'stateTransitions'],
      ['Lambda invocations', 'lambdaInvocations'],
      ['Lambda GB-seconds', 'lambdaGbSeconds'],
      ['API requests', 'apiRequests'],
      ['DynamoDB read units', 'dynamodbReadUnits'],
      ['DynamoDB write units', 'dynamodbWriteUnits'],
      ['S3 PUT', 's3Puts'],
      ['S3 GET', 's3Gets'],
      ['KMS requests', 'kmsRequests'],
    ] as const
  ).map(([label, key]) => [label, happy[key], review[key]]);
  const callRows = Object.entries(happy.calls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => [
      `\`${key}\``,
      count.calls,
      count.readUnits,
      count.writeUnits,
      count.indexWriteUnits,
    ]);
  const { small, large, ratios } = report.growth;
  const fields = {
    apiTransitionP50: 'apiTransitionP50Ratio',
    readUnitsPerTransition: 'readUnitsPerTransition',
    screeningReadUnits: 'screeningReadUnits',
    reconcilerReadUnitsPerRun: 'reconcilerReadUnitsPerRun',
    metricPublisherReadUnitsPerRun: 'metricPublisherReadUnitsPerRun',
  } as const;
  const growthRows = Object.entries(fields).map(([name, field]) => [
    name,
    small[field],
    large[field],
    ratios[name] ?? '',
  ]);
  const stored = report.storedApplication;
  return `# Benchmark: latest run

Generated ${report.generatedAt} on Node ${report.node} (local stack: DynamoDB Local in memory, local Step
Functions endpoint, the real handlers in one process). Absolute times are noisy on a shared machine;
the headline figures are ratios against baselines measured in the same run.

## Targets

${table(
  ['target', 'limit', 'value', 'met'],
  report.targets.map((target) => [target.name, target.limit, target.value, target.met ? 'yes' : '**no**']),
)}

## Throughput (create → documents → submit → screening → claim → approve, execution SUCCEEDED)

${table(
  ['concurrency', 'applications', 'seconds', 'lifecycles/s'],
  report.throughput.map((run) => [run.concurrency, run.applications, run.seconds, run.lifecyclesPerSecond]),
)}

## Transition latency

One claim or release (a consistent read, one TransactWriteItems with the audit event) through the
local API, against a bare two-item TransactWriteItems of the same item sizes and against the floor
of a transition (a consistent GetItem of the application, then that transaction), interleaved. The
local stream pollers are held while these are timed (on AWS the consumers run in their own Lambdas,
not in the request's process) and deliver afterwards.

${table(
  ['', 'samples', 'p50 ms', 'p90 ms', 'p99 ms', 'p50 / raw'],
  [
    latencyRow('raw TransactWriteItems', report.latency.raw, 1),
    latencyRow('GetItem + raw TransactWriteItems (floor)', report.latency.readThenRaw, report.floorRatio),
    latencyRow('API transition', report.latency.api, report.transitionRatio),
    latencyRow('API + Idempotency-Key', report.latency.apiWithKey, report.transitionWithKeyRatio),
  ],
)}

Where an API transition's time goes (each part's own percentiles over the same transitions): the
api function's DynamoDB calls as the SDK sends them (marshal, sign, HTTP, DynamoDB Local's work),
against the floor's two calls, and everything else (the HTTP hop to the local API, the token,
routing, the stored item's parse, the decision, the view and the response).

${table(
  ['', 'samples', 'p50 ms', 'p90 ms', 'p99 ms', 'p50 / raw'],
  [
    latencyRow('API transition: its DynamoDB calls', apiParts.dynamodb, ofRaw(apiParts.dynamodb)),
    latencyRow('API transition: everything else', apiParts.rest, ofRaw(apiParts.rest)),
  ],
)}

![Transition latency](${CHARTS.latency})

## Per application (counted from execution histories and the SDK counter)

${table(['', 'happy path', 'with RFI and sign-off'], countRows)}

SDK calls of one happy-path application (\`service:operation:table\`):

${table(['call', 'calls', 'read units', 'write units', 'of which index writes'], callRows)}

## Cost (us-east-1, on-demand; prices in \`bench/prices.ts\`)

${table(
  ['service', 'happy path, per 1,000', 'with RFI and sign-off, per 1,000'],
  [...SERVICES, 'total' as const].map((service) => [
    service,
    `$${report.costPer1000.happyPath[service].toFixed(4)}`,
    `$${report.costPer1000.reviewPath[service].toFixed(4)}`,
  ]),
)}

![Cost breakdown](${CHARTS.cost})

One stored, finished application per month: reconciler $${stored.reconcilerUsd.toFixed(9)}
(${stored.reconcilerReadUnitsPerRun} read units per run), metric publisher $${stored.metricPublisherUsd.toFixed(9)}
(${stored.metricReadUnitsPerRun} per run), storage $${stored.storageUsd.toFixed(9)} (${stored.tableBytes} table bytes
with index copies and audit events, ${stored.s3Bytes} document bytes); total $${stored.totalUsd.toFixed(9)}.

Not priced: ${report.notPriced.join('; ')}.

Assumptions:
${report.assumptions.map((assumption) => `- ${assumption}`).join('\n')}

## Growth (${small.storedApplications} → ${large.storedApplications} stored applications)

${table(['figure', 'small', 'large', 'large / small'], growthRows)}

apiTransitionP50 is the API transition's p50 over the raw transaction's, measured at each point with
the raw baseline's table holding as many stored applications (DynamoDB Local slows as a table grows,
DynamoDB does not); the API p50 itself went from ${small.apiTransitionP50Ms} ms to ${large.apiTransitionP50Ms} ms.

## Bundles (esbuild, the CDK settings) and cold start

${table(
  ['function', 'bytes', 'largest inputs'],
  Object.entries(report.bundles).map(([name, bundle]) => [
    name,
    bundle.bytes,
    Object.entries(bundle.largestInputs)
      .map(([input, bytes]) => `${input} ${Math.round(bytes / 1024)} KB`)
      .join(', '),
  ]),
)}

initRatio ${report.initRatio}: median import of the api bundle ${report.init.apiImportMsMedian} ms against
${report.init.helloWorldImportMsMedian} ms for a hello-world creating a DynamoDB client
(${report.init.processes} fresh processes).
`;
}
