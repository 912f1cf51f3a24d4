// An action's arguments as form fields, and the reviewer's edits read back into arguments of the
// original types. Requests carry no default values, so the current values are shown in the request's
// context and a field left blank keeps its argument's current value.
import { FIELD_NAME, LIMITS } from '../domain/limits.js';
import type { Field, FieldValues } from '../domain/types.js';

type ArgKind = 'text' | 'number' | 'boolean' | 'json';

/** One form field and the argument it edits; `arg: null` is the single field holding every argument as JSON. */
export interface ArgField {
  arg: string | null;
  kind: ArgKind;
  field: Field;
}

/** Strings up to this long (and on one line) get a one-line input. */
const SHORT_TEXT = 200;
const BOOLEAN_OPTIONS = [
  { value: 'true', label: 'true' },
  { value: 'false', label: 'false' },
];

/**
 * A field per argument, named after it (made an identifier, never one of `taken`); when they would not
 * fit in `room` fields, one `args` textarea holding them all as JSON.
 */
export function argFields(args: Record<string, unknown>, taken: readonly string[], room: number): ArgField[] {
  const names = new Set(taken);
  const unique = (wanted: string) => {
    let name = wanted;
    for (let n = 2; names.has(name); n++) name = `${wanted.slice(0, LIMITS.fieldName - 4)}_${n}`;
    names.add(name);
    return name;
  };
  const entries = Object.entries(args);
  if (entries.length > room) {
    return [{ arg: null, kind: 'json', field: { name: unique('args'), label: 'Arguments (JSON object)', type: 'textarea' } }];
  }
  return entries.map(([arg, value]) => {
    const kind = kindOf(value);
    const name = unique(identifier(arg));
    const label = truncate(arg, LIMITS.fieldLabel - 7) + (kind === 'json' ? ' (JSON)' : '');
    return { arg, kind, field: fieldFor(kind, value, name, label) };
  });
}

/** The arguments after the reviewer's edits: typed back, blank fields keeping the current value. */
export function readArgFields(args: Record<string, unknown>, fields: readonly ArgField[], values: FieldValues): Record<string, unknown> {
  const edited: Record<string, unknown> = { ...args };
  for (const { arg, kind, field } of fields) {
    const raw = values[field.name];
    if (raw === undefined || raw === '') continue;
    if (arg === null) return parseArgsObject(String(raw));
    edited[arg] = typedBack(kind, raw);
  }
  return edited;
}

function kindOf(value: unknown): ArgKind {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'json';
}

function fieldFor(kind: ArgKind, value: unknown, name: string, label: string): Field {
  switch (kind) {
    case 'number':
      return { name, label, type: 'number' };
    // A select, not a checkbox: an unticked box answers false, and blank must keep the current value.
    case 'boolean':
      return { name, label, type: 'select', options: BOOLEAN_OPTIONS };
    case 'text': {
      const long = String(value).length > SHORT_TEXT || String(value).includes('\n');
      return { name, label, type: long ? 'textarea' : 'text' };
    }
    default:
      return { name, label, type: 'textarea' };
  }
}

function typedBack(kind: ArgKind, raw: string | number | boolean): unknown {
  switch (kind) {
    case 'number':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'boolean':
      return raw === true || raw === 'true';
    case 'json':
      // Not JSON: the reviewer typed plain text (say, for an argument that was null); keep it as text.
      try {
        return JSON.parse(String(raw)) as unknown;
      } catch {
        return String(raw);
      }
    default:
      return String(raw);
  }
}

function parseArgsObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('the reviewer edited the arguments, but not as valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('the reviewer edited the arguments, but not as a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** `arg` as a field name: an identifier, other characters as `_`. */
function identifier(arg: string): string {
  const name = arg.replace(/[^A-Za-z0-9_]/g, '_').slice(0, LIMITS.fieldName - 4);
  return FIELD_NAME.test(name) ? name : `_${name}`.slice(0, LIMITS.fieldName - 4);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
