import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * zod for every schema in functions/: `zod/mini`, whose functions esbuild can drop when unused
 * (classic zod's methods bring all of zod's core, its JSON Schema code included, into every
 * bundle: ~95 KB against ~30 KB). Unlike classic zod, mini sets no locale, so the issue messages
 * that become error details would all read "Invalid input"; English is set here, once, for every
 * module that imports zod through this one.
 */
config(en());

export * from 'zod/mini';
