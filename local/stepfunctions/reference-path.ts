import { StatesRuntimeError } from './errors.ts';

const SEGMENT = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;

/** Reads an ASL reference path (`$.a.b`, `$['a']`, `$.list[0]`) from a JSON value; undefined when absent. */
export function readReferencePath(path: string, json: unknown): unknown {
  if (!path.startsWith('$') || path.startsWith('$$')) throw invalidPath(path);
  const segment = new RegExp(SEGMENT);
  let value = json;
  let position = 1;
  while (position < path.length) {
    segment.lastIndex = position;
    const match = segment.exec(path);
    if (match === null) throw invalidPath(path);
    position = segment.lastIndex;
    const key = match[1] ?? match[3] ?? match[4];
    value = key === undefined ? itemAt(value, Number(match[2])) : propertyOf(value, key);
  }
  return value;
}

function propertyOf(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? Reflect.get(value, key) : undefined;
}

function itemAt(value: unknown, index: number): unknown {
  return Array.isArray(value) ? value[index] : undefined;
}

function invalidPath(path: string): StatesRuntimeError {
  return new StatesRuntimeError(`Invalid reference path '${path}'`);
}
