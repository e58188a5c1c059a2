import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { BUNDLING, FUNCTION_ENTRIES } from '../lib/bundling.ts';

/**
 * Bundle sizes (esbuild metafiles with the settings CDK uses) and the cold-start import cost of the
 * api handler against a hello-world that only creates a DynamoDB client, in fresh Node processes.
 */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

export interface BundleReport {
  bytes: number;
  /** The biggest packages (or `(project)`) inside the bundle, by bytes of output. */
  largestInputs: Record<string, number>;
}

const HELLO_WORLD = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async () => ({ statusCode: 200, body: String(Boolean(client)) });
`;
const HELLO = 'hello-world';

/**
 * Every function and the hello-world in one esbuild run (each output self-contained, as CDK builds
 * each function alone), into `<outdir>/<name>/index.mjs`.
 */
async function bundleAll(outdir: string): Promise<Metafile> {
  const helloSource = path.join(outdir, 'hello-src', 'hello.ts');
  await mkdir(path.dirname(helloSource), { recursive: true });
  await writeFile(helloSource, HELLO_WORLD);
  const entries = { ...FUNCTION_ENTRIES, [HELLO]: path.relative(PROJECT_ROOT, helloSource) };
  const result = await build({
    entryPoints: Object.fromEntries(
      Object.entries(entries).map(([name, entry]) => [`${name}/index`, path.join(PROJECT_ROOT, entry)]),
    ),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLING.target,
    mainFields: [...BUNDLING.mainFields],
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: false,
    external: [...BUNDLING.externalModules],
    banner: { js: BUNDLING.banner },
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

/** `node_modules/zod/v4/locales/…` → `zod/v4/locales`; project files → `(project)`. */
export function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)(\/v4\/locales|\/v4\/core|\/v4\/classic|\/v4\/mini)?/.exec(
    input,
  );
  if (!match?.[1]) return '(project)';
  return `${match[1]}${match[2] ?? ''}`;
}

function report(metafile: Metafile, name: string): BundleReport {
  const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith(`${name}/index.mjs`));
  if (!output) throw new Error(`esbuild wrote no ${name}/index.mjs`);
  const byPackage: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(output[1].inputs)) {
    const name = packageOf(input);
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
  }
  const largestInputs = Object.fromEntries(
    Object.entries(byPackage)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 6),
  );
  return { bytes: output[1].bytes, largestInputs };
}

/** Milliseconds to import a module in a fresh Node process (as Lambda does at a cold start). */
function importMs(file: string): number {
  const url = pathToFileURL(file).href;
  const script = `const t = performance.now(); await import(${JSON.stringify(url)}); console.log(performance.now() - t);`;
  const result = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    cwd: path.dirname(file),
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const ms = Number(result.stdout.trim().split('\n').at(-1));
  if (result.status !== 0 || !Number.isFinite(ms))
    throw new Error(`importing ${file} failed: ${result.stderr}`);
  return ms;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

export interface InitReport {
  initRatio: number;
  apiImportMsMedian: number;
  helloWorldImportMsMedian: number;
  processes: number;
}

export interface BuildReport {
  bundles: Record<string, BundleReport>;
  init: InitReport;
}

/**
 * Bundles everything, then imports the api bundle and the hello-world alternately `runs` times
 * each in fresh processes (so machine load hits both alike).
 */
export async function measureBuild(runs: number): Promise<BuildReport> {
  // Inside the project, so the bundles' `@aws-sdk/*` imports resolve from node_modules, as on Lambda.
  const root = path.join(PROJECT_ROOT, 'cdk.out', `bench-${process.pid}`);
  try {
    const metafile = await bundleAll(root);
    const bundles = Object.fromEntries(
      Object.keys(FUNCTION_ENTRIES).map((name) => [name, report(metafile, name)]),
    );
    const api: number[] = [];
    const hello: number[] = [];
    for (let run = 0; run < runs; run++) {
      api.push(importMs(path.join(root, 'api', 'index.mjs')));
      hello.push(importMs(path.join(root, HELLO, 'index.mjs')));
    }
    const apiMedian = median(api);
    const helloMedian = median(hello);
    const init = {
      initRatio: Math.round((apiMedian / helloMedian) * 100) / 100,
      apiImportMsMedian: Math.round(apiMedian * 10) / 10,
      helloWorldImportMsMedian: Math.round(helloMedian * 10) / 10,
      processes: runs * 2,
    };
    return { bundles, init };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
