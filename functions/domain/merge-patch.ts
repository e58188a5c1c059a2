/** JSON merge patch (RFC 7396): objects merge recursively, arrays and scalars replace, null deletes. */
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const ownValue = (object: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(object, key) ? object[key] : undefined;

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    // Own properties only: a "__proto__" key from JSON stays data (and fails validation) instead of
    // replacing the prototype.
    else
      Object.defineProperty(result, key, {
        value: applyMergePatch(ownValue(result, key), value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return result;
}
