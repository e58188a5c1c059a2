import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '#domain/merge-patch.ts';

describe('applyMergePatch', () => {
  // RFC 7396, Appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('patches %j with %j into %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('does not modify the target', () => {
    const target = { a: { b: 1 }, list: [1] };
    applyMergePatch(target, { a: { b: null, c: 2 }, list: [] });
    expect(target).toEqual({ a: { b: 1 }, list: [1] });
  });
});

describe('applyMergePatch with a "__proto__" key', () => {
  it('keeps the key as an own property instead of replacing the prototype', () => {
    const patch = JSON.parse('{"endUse": {"__proto__": {"military": true}}}');
    const result = applyMergePatch({ endUse: { description: 'Motors' } }, patch) as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.getPrototypeOf(result.endUse)).toBe(Object.prototype);
    expect(Object.hasOwn(result.endUse ?? {}, '__proto__')).toBe(true);
    expect(result.endUse?.military).toBeUndefined();
  });
});
