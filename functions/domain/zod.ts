import { en } from 'zod/locales';
import { config, type core, globalRegistry } from 'zod/mini';

/**
 * zod for every schema in functions/: `zod/mini`, whose functions esbuild can drop when unused
 * (classic zod's methods bring all of zod's core, its JSON Schema code included, into every
 * bundle: ~95 KB against ~30 KB). Unlike classic zod, mini sets no locale, so the issue messages
 * that become error details would all read "Invalid input"; English is set here, once, for every
 * module that imports zod through this one.
 */
config(en());

export * from 'zod/mini';

/**
 * A schema built on first use instead of at import: `build` runs once, when something first reads
 * the schema (parses with it, composes it into a schema being built, documents it), and every read
 * after that goes to the same schema. Building all of the api's schemas at import cost its cold
 * start ~15 ms, most of it for schemas a request never uses (views and responses, which only the
 * OpenAPI generator reads, and the bodies of other routes). The value stands for the schema, with
 * its type, so modules declare and compose schemas as before
 * (`export const X = z.deferred(() => z.strictObject({ … }))`), and it stays one object, so the
 * OpenAPI generator meets each schema once. Registries key schemas by identity: the built
 * schema's metadata (`z.meta`: ids, descriptions) is registered for the value too.
 */
export function deferred<T extends core.$ZodType>(build: () => T): T {
  let schema: T | undefined;
  const built = (): T => {
    if (schema) return schema;
    schema = build();
    const meta = globalRegistry.get(schema);
    if (meta) globalRegistry.add(value, meta);
    return schema;
  };
  const value = new Proxy({} as T, {
    get: (_, key) => Reflect.get(built(), key),
    has: (_, key) => Reflect.has(built(), key),
    set: (_, key, item) => Reflect.set(built(), key, item),
    getPrototypeOf: () => Reflect.getPrototypeOf(built()),
  });
  return value;
}
