// A form answered in a message: one field a line, `name: value` (the field's label works too, and a
// select takes an option's label or value). A line that names no field continues the field before it,
// so a textarea can run over several lines. Pure. The hub checks the values again, as for every
// channel; this only decides whether the message is a form answer at all. Shared by Telegram and email.
import type { Field, Request } from '../../src/domain/types.js';

export type FormLines = { ok: true; fields: Record<string, string> } | { ok: false; problem: string };

const norm = (s: string) => s.trim().replace(/\s*\*$/, '').toLowerCase();

function fieldNamed(fields: Field[], name: string): Field | undefined {
  const n = norm(name);
  return fields.find((f) => f.name.toLowerCase() === n) ?? fields.find((f) => norm(f.label) === n);
}

/** A select's value from what was typed: an option's value or its label. */
function selectValue(field: Field, typed: string): string {
  const t = typed.trim().toLowerCase();
  const options = field.options ?? [];
  return (options.find((o) => o.value.toLowerCase() === t) ?? options.find((o) => o.label.toLowerCase() === t))?.value ?? typed.trim();
}

/**
 * The fields a message fills, or a short correction ending "Nothing was recorded. <replyAgain> with one
 * field a line, e.g. name: …" — `replyAgain` says where to answer on this channel.
 */
export function parseFormLines(request: Pick<Request, 'fields'>, text: string, replyAgain = 'Reply again'): FormLines {
  const values = new Map<Field, string[]>();
  let current: Field | undefined;
  const stray: string[] = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const named = /^\s*([^:\n]{1,100}?)\s*:\s?(.*)$/.exec(line);
    const field = named ? fieldNamed(request.fields, named[1]!) : undefined;
    if (field) {
      current = field;
      values.set(field, [named![2]!]);
    } else if (current) {
      values.get(current)!.push(line);
    } else if (line.trim()) {
      stray.push(line.trim());
    }
  }
  const example = request.fields[0] ? `${request.fields[0].name}: …` : 'name: value';
  const again = `Nothing was recorded. ${replyAgain} with one field a line, e.g. ${example}`;
  if (values.size === 0) return { ok: false, problem: `That reply names no field of this form. ${again}` };
  if (stray.length) return { ok: false, problem: `Not a field of this form: ${stray[0]!.slice(0, 60)}. ${again}` };
  const fields: Record<string, string> = {};
  for (const [field, lines] of values) {
    const value = lines.join('\n').trim();
    if (value) fields[field.name] = field.type === 'select' ? selectValue(field, value) : value;
  }
  const missing = request.fields.filter((f) => f.required && !fields[f.name]);
  if (missing.length) return { ok: false, problem: `Missing: ${missing.map((f) => `${f.label} (${f.name})`).join(', ')}. ${again}` };
  return { ok: true, fields };
}
