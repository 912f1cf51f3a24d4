import { describe, expect, it } from 'vitest';
import { jsonValueProblem } from '../../src/domain/json-value.js';
import { LIMITS } from '../../src/domain/limits.js';
import { ProblemError } from '../../src/http/problem.js';
import { parseJsonBody } from '../../src/http/json-body.js';

/** `depth` nested objects, as JSON text: depth 1 is {"a":1}. */
const deepObjectText = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArrayText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('jsonValueProblem', () => {
  it('counts an object or array as one level and a scalar as none', () => {
    expect(jsonValueProblem({ a: [1, { b: 'x' }] }, 3)).toBeUndefined();
    expect(jsonValueProblem({ a: [1, { b: 'x' }] }, 2)).toEqual({ path: ['a', 1], message: 'must not nest more than 2 levels deep' });
    expect(jsonValueProblem('scalar', 0)).toBeUndefined();
  });

  it('checks a 100,000-deep value without recursion (JSON.stringify would overflow)', () => {
    const deep = JSON.parse(deepArrayText(100_000));
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const problem = jsonValueProblem(deep, LIMITS.jsonDepth);
    expect(problem?.message).toBe(`must not nest more than ${LIMITS.jsonDepth} levels deep`);
    expect(problem?.path).toHaveLength(LIMITS.jsonDepth);
  });

  it('finds a NUL or an unpaired surrogate in any string or key, with its path', () => {
    expect(jsonValueProblem({ a: { b: ['ok', 'x\u0000'] } }, 32)).toEqual({ path: ['a', 'b', 1], message: 'must not contain the NUL character (\\u0000)' });
    expect(jsonValueProblem({ a: { 'k\u0000': 1 } }, 32)).toEqual({ path: ['a'], message: 'a key must not contain the NUL character (\\u0000)' });
    expect(jsonValueProblem({ a: '\udc00' }, 32)?.path).toEqual(['a']);
  });

  it('refuses what JSON cannot carry', () => {
    expect(jsonValueProblem({ n: Infinity }, 32)?.path).toEqual(['n']);
    expect(jsonValueProblem({ d: new Date(0) }, 32)?.path).toEqual(['d']);
    expect(jsonValueProblem({ u: undefined }, 32)?.path).toEqual(['u']);
  });

  it('with depthOnly, looks at nesting alone', () => {
    expect(jsonValueProblem({ a: 'x\u0000', n: Infinity }, 1, { depthOnly: true })).toBeUndefined();
    expect(jsonValueProblem({ a: {} }, 1, { depthOnly: true })?.path).toEqual(['a']);
  });
});

describe('parseJsonBody', () => {
  it('reads an empty body as none and refuses malformed JSON with a SyntaxError', () => {
    expect(parseJsonBody('  ')).toBeUndefined();
    expect(parseJsonBody('{"a":[1]}')).toEqual({ a: [1] });
    expect(() => parseJsonBody('{"a":')).toThrow(SyntaxError);
  });

  it(`accepts a body ${LIMITS.bodyDepth} levels deep and refuses deeper ones with a 422 naming the top-level field`, () => {
    expect(parseJsonBody(deepObjectText(LIMITS.bodyDepth))).toBeTruthy();
    for (const text of [deepObjectText(LIMITS.bodyDepth + 1), deepObjectText(60_000)]) {
      const err = catchError(() => parseJsonBody(text));
      expect(err).toBeInstanceOf(ProblemError);
      expect((err as ProblemError).status).toBe(422);
      expect((err as ProblemError).extra.errors).toEqual([{ path: 'a', message: `must not nest more than ${LIMITS.bodyDepth} levels deep` }]);
    }
    const context = catchError(() => parseJsonBody(`{"title":"x","context":${deepObjectText(60_000)}}`)) as ProblemError;
    expect(context.extra.errors?.[0]?.path).toBe('context');
    const array = catchError(() => parseJsonBody(deepArrayText(120_000))) as ProblemError;
    expect(array.status).toBe(422);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
