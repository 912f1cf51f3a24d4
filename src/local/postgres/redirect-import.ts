import { register } from 'node:module';

// An ESM resolve hook, registered from a data: URL so that no file path has to survive the build.
const HOOK = `let from, to;
export function initialize(data) { from = data.specifier; to = data.url; }
export function resolve(specifier, context, next) {
  return specifier === from ? { url: to, shortCircuit: true } : next(specifier, context);
}`;

/** From now on, `import(specifier)` anywhere in this process loads `url` instead. */
export function redirectImport(specifier: string, url: string): void {
  register(`data:text/javascript,${encodeURIComponent(HOOK)}`, { data: { specifier, url } });
}
