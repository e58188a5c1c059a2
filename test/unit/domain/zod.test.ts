import { describe, expect, it } from 'vitest';
import * as z from '#domain/zod.ts';

const eager = () =>
  z.strictObject({
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(5)),
    count: z.optional(z.number().check(z.int(), z.positive())),
  });

describe('deferred schemas', () => {
  it('builds the schema once, on first use, not when declared', () => {
    let builds = 0;
    const schema = z.deferred(() => {
      builds += 1;
      return eager();
    });
    expect(builds).toBe(0);
    const wrapper = z.optional(schema);
    expect(builds).toBe(0);

    expect(schema.parse({ name: ' ab ' })).toEqual({ name: 'ab' });
    expect(wrapper.parse(undefined)).toBeUndefined();
    expect(schema.safeParse({ name: 'x' }).success).toBe(true);
    expect(builds).toBe(1);
  });

  it('validates and reports issues exactly as the schema it stands for', () => {
    const deferred = z.deferred(eager);
    for (const input of [
      { name: 'ok', count: 2 },
      { name: '', count: 1.5 },
      { name: 'toolong', extra: 1 },
      7,
    ]) {
      const expected = eager().safeParse(input);
      const actual = deferred.safeParse(input);
      expect(actual.success).toBe(expected.success);
      expect(actual.error?.issues).toEqual(expected.error?.issues);
    }
  });

  it('composes like the schema: extend, partial and nested use see its shape and checks', () => {
    const base = z.deferred(eager);
    const extended = z.extend(base, { tag: z.literal('t') });
    const nested = z.strictObject({ item: base, items: z.array(base) });

    expect(extended.parse({ name: 'a', tag: 't' })).toEqual({ name: 'a', tag: 't' });
    expect(z.partial(base).parse({})).toEqual({});
    expect(nested.safeParse({ item: { name: 'a' }, items: [{ name: '' }] }).error?.issues[0]?.path).toEqual([
      'items',
      0,
      'name',
    ]);
    expect(base instanceof z.ZodMiniObject).toBe(true);
  });

  it('keeps the metadata of the built schema, so generated documents still name it', () => {
    const schema = z.deferred(() => eager().check(z.meta({ id: 'DeferredExample', description: 'd' })));
    const document = z.toJSONSchema(z.strictObject({ a: schema, b: schema }));

    expect(z.globalRegistry.get(schema)).toMatchObject({ id: 'DeferredExample', description: 'd' });
    expect(JSON.stringify(document)).toContain('"$ref":"#/$defs/DeferredExample"');
  });
});
