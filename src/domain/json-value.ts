import { unstorableText } from './text.js';

export interface JsonProblem {
  /** Where, relative to the value checked: keys and array indexes. */
  path: (string | number)[];
  message: string;
}

export const tooDeep = (maxDepth: number) => `must not nest more than ${maxDepth} levels deep`;

/**
 * The first thing that makes `value` unfit to store as jsonb: nesting deeper than `maxDepth` (an
 * object or array is one level; a scalar none), a key or string Postgres refuses, or something JSON
 * cannot express (`depthOnly`: nesting alone). Walks with an explicit stack, never recursion, so any
 * depth is safe to check, and never descends past `maxDepth`. Run it before anything recursive
 * (JSON.stringify) sees the value.
 */
export function jsonValueProblem(value: unknown, maxDepth: number, opts: { depthOnly?: boolean } = {}): JsonProblem | undefined {
  const checkText = !opts.depthOnly;
  const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [{ value, path: [], depth: 0 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = checkText ? unstorableText(v) : undefined;
      if (problem) return { path, message: problem };
      continue;
    }
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (checkText && !Number.isFinite(v)) return { path, message: 'must be a finite number' };
      continue;
    }
    if (typeof v !== 'object' || !(Array.isArray(v) || isPlainObject(v))) {
      if (checkText) return { path, message: 'must be a JSON value' };
      continue;
    }
    if (depth + 1 > maxDepth) return { path, message: tooDeep(maxDepth) };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i], depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const problem = checkText ? unstorableText(key) : undefined;
      if (problem) return { path, message: `a key ${problem}` };
      stack.push({ value: (v as Record<string, unknown>)[key], path: [...path, key], depth: depth + 1 });
    }
  }
  return undefined;
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
