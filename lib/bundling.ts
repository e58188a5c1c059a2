/**
 * The esbuild settings of every Lambda bundle, shared by the CDK construct (`LicenceFunction`) and
 * the benchmark, which measures the bundles as CDK builds them.
 */
// esbuild's ESM output cannot `require()` Node built-ins from bundled CommonJS without this.
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __licenceCreateRequire } from 'node:module'; const require = __licenceCreateRequire(import.meta.url);";

export const BUNDLING = {
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  externalModules: ['@aws-sdk/*'],
  banner: ESM_REQUIRE_BANNER,
} as const;

/** Every function's handler file, by function name. */
export const FUNCTION_ENTRIES = {
  api: 'functions/handlers/api.ts',
  'audit-api': 'functions/handlers/audit-api.ts',
  'await-step': 'functions/handlers/await-step.ts',
  screen: 'functions/handlers/screen.ts',
  'system-transition': 'functions/handlers/system-transition.ts',
  relay: 'functions/handlers/relay.ts',
  reconciler: 'functions/handlers/reconciler.ts',
  'backlog-metric': 'functions/handlers/backlog-metric.ts',
  checkpoint: 'functions/handlers/checkpoint.ts',
  'licence-expiry': 'functions/handlers/licence-expiry.ts',
  'licence-stream': 'functions/handlers/licence-stream.ts',
  stats: 'functions/handlers/stats.ts',
} as const;
