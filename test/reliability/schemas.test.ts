import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { toHttpResponse, validate } from '#adapters/http.ts';
import * as queue from '#domain/applications/queue.ts';
import * as screening from '#domain/applications/screening.ts';
import * as licences from '#domain/licences/schemas.ts';
import * as schemas from '#domain/schemas.ts';
import * as z from '#domain/zod.ts';
import { completeDetails, PDF_BASE64 } from '../support/api.ts';
import { ledger, size } from './ledger.ts';
import { ACTION_BODIES } from './support.ts';

/**
 * fast-check over every zod schema the code exports (the single source of validation): whatever
 * JSON arrives — random, or a valid body with one part replaced by random JSON — parsing never
 * throws, and a refusal is a 400 VALIDATION_FAILED in the error shape with a path and a message
 * for each detail.
 */
const RUNS = size(60, 1_000);
const figures = ledger('schemas');
afterAll(() => figures.flush());

const isSchema = (value: unknown): value is z.ZodMiniType => value instanceof z.ZodMiniType;
function exported(): [string, z.ZodMiniType][] {
  const found: [string, z.ZodMiniType][] = [];
  for (const module of [schemas, queue, screening, licences]) {
    for (const [name, value] of Object.entries(module)) {
      if (isSchema(value)) found.push([name, value]);
      else if (value && typeof value === 'object' && name.endsWith('Schemas')) {
        for (const [key, inner] of Object.entries(value))
          if (isSchema(inner)) found.push([`${name}.${key}`, inner]);
      }
    }
  }
  return found;
}

/** Valid examples to mutate, where a test has one. */
const EXAMPLES: Record<string, unknown> = {
  DetailsSchema: completeDetails(),
  DetailsPatchSchema: { endUse: { description: 'x', military: false } },
  DocumentUploadSchema: {
    type: 'OTHER',
    fileName: 'a.pdf',
    contentType: 'application/pdf',
    contentBase64: PDF_BASE64,
  },
  ListQuerySchema: { limit: '5' },
  ...Object.fromEntries(
    Object.entries(ACTION_BODIES)
      .filter(([action]) => action !== 'update' && action !== 'add-document') // PATCH and upload, above
      .map(([action, body]) => [`ActionBodySchemas.${action}`, body]),
  ),
};

/** Replaces the value at a random path of `value` by `replacement`. */
function mutate(value: unknown, choices: number[], replacement: unknown): unknown {
  if (choices.length === 0 || value === null || typeof value !== 'object') return replacement;
  const [choice = 0, ...rest] = choices;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const index = choice % value.length;
    return value.map((item, at) => (at === index ? mutate(item, rest, replacement) : item));
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[choice % keys.length] ?? '';
  return { ...value, [key]: mutate((value as Record<string, unknown>)[key], rest, replacement) };
}

function refusedProperly(schema: z.ZodMiniType, input: unknown): boolean {
  try {
    validate(schema, input);
    return true;
  } catch (error) {
    const response = toHttpResponse(error);
    const body = JSON.parse(response.body);
    return (
      response.statusCode === 400 &&
      body.error.code === 'VALIDATION_FAILED' &&
      Array.isArray(body.error.details) &&
      body.error.details.every(
        (detail: { path: unknown; message: unknown }) =>
          typeof detail.path === 'string' && typeof detail.message === 'string',
      )
    );
  }
}

describe('every zod schema under fast-check', () => {
  const all = exported();
  it('finds the schemas', () => {
    expect(all.length).toBeGreaterThan(30);
  });

  it.each(all)('%s never throws on arbitrary JSON and refuses it as a 400 with details', (_name, schema) => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (input) => {
        return figures.check(refusedProperly(schema, input));
      }),
      { numRuns: RUNS, seed: 13 },
    );
  });

  it.each(Object.entries(EXAMPLES))(
    '%s: a valid body with one part replaced is accepted or refused properly',
    (name, example) => {
      const schema = all.find(([found]) => found === name)?.[1];
      expect(schema, name).toBeDefined();
      if (!schema) return;
      expect(schema.safeParse(example).success, `${name} example is valid`).toBe(true);
      fc.assert(
        fc.property(
          fc.array(fc.nat(), { maxLength: 4 }),
          fc.jsonValue({ maxDepth: 3 }),
          (path, replacement) => {
            return figures.check(refusedProperly(schema, mutate(example, path, replacement)));
          },
        ),
        { numRuns: RUNS, seed: 13 },
      );
    },
  );
});
