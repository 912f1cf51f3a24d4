import { jsonValueProblem } from '../domain/json-value.js';
import { LIMITS } from '../domain/limits.js';
import { ProblemError } from './problem.js';

const tooDeep = (path: string) =>
  new ProblemError(422, 'Unprocessable Content', `The JSON body nests more than ${LIMITS.bodyDepth} levels deep.`, {
    errors: [{ path, message: `must not nest more than ${LIMITS.bodyDepth} levels deep` }],
  });

/**
 * A JSON request body: undefined when empty (cancel, redeliver); a SyntaxError when malformed; a 422
 * naming the top-level field when it nests deeper than any route accepts, so nothing recursive
 * (JSON.stringify, a logger) ever meets a 100,000-deep value.
 */
export function parseJsonBody(raw: string): unknown {
  const text = raw.trim();
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8's JSON.parse does not recurse, but should a runtime's overflow, it is still this client's 4xx.
    if (err instanceof RangeError) throw tooDeep('');
    throw err;
  }
  const problem = jsonValueProblem(value, LIMITS.bodyDepth, { depthOnly: true });
  if (problem) throw tooDeep(String(problem.path[0] ?? ''));
  return value;
}
