import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web console: `web/` → static files in `web/dist/` (served by the local API server at `/`,
 * by CloudFront on AWS). Preact through the automatic JSX runtime; no source maps or secrets.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
