import type { Answer, Field, FieldValues, Request } from '../../domain/types.js';
import { e, tokenInput } from './layout.js';

function fieldInput(f: Field): string {
  const id = `f.${e(f.name)}`;
  const required = f.required ? ' required' : '';
  const label = `<label for="${id}">${e(f.label)}${f.required ? ' (required)' : ''}</label><br>`;
  switch (f.type) {
    case 'textarea':
      return `<p>${label}<textarea id="${id}" name="${id}" rows="3"${required}></textarea></p>`;
    case 'boolean':
      // The hidden "false" comes first, so an unticked box still answers (the last value wins).
      return `<p><input type="hidden" name="${id}" value="false"><input type="checkbox" id="${id}" name="${id}" value="true"> <label for="${id}">${e(f.label)}</label></p>`;
    case 'select': {
      const options = (f.options ?? []).map((o) => `<option value="${e(o.value)}">${e(o.label)}</option>`).join('');
      return `<p>${label}<select id="${id}" name="${id}"${required}><option value=""></option>${options}</select></p>`;
    }
    default:
      return `<p>${label}<input type="${f.type === 'number' ? 'number" step="any' : 'text'}" id="${id}" name="${id}"${required}></p>`;
  }
}

/** "Answer as operator": the request's own options (or its text box, or its form), and a comment. */
export function operatorAnswerForm(r: Request, formToken: string, operatorId: string): string {
  const choices = r.type === 'approval' || r.type === 'choice';
  const main = r.type === 'text'
    ? '<p><label for="value">Answer (required)</label><br><textarea id="value" name="value" rows="3" required></textarea></p>'
    : r.type === 'form' ? r.fields.map(fieldInput).join('') : '';
  const comment = r.type === 'text' ? '' : '<p><label for="comment">Comment (optional)</label><br><textarea id="comment" name="comment" rows="2"></textarea></p>';
  const buttons = choices
    ? r.options.map((o) => `<button type="submit" name="value" value="${e(o.value)}" class="${o.style === 'danger' ? 'danger' : o.style === 'primary' ? 'primary' : ''}">${e(o.label)}</button>`).join('')
    : '<button type="submit" class="primary">Submit answer</button>';
  return `<section class="panel" aria-labelledby="answer-h"><h2 id="answer-h">Answer as operator</h2>
<p class="meta">Recorded as <code>${e(operatorId)}</code>.</p>
<form method="post" action="/ui/requests/${e(r.id)}/answer">${tokenInput(formToken)}${main}${comment}<div class="actions">${buttons}</div></form></section>`;
}

/** The posted form as an answer: `value`, `comment`, and form fields as `f.<name>`. */
export function formAnswer(r: Request, form: URLSearchParams, responder: Answer['responder']): Answer {
  const fields: FieldValues = {};
  for (const [k, v] of form) if (k.startsWith('f.')) fields[k.slice(2)] = v;
  const answer: Answer = { requestId: r.id, responder, fields };
  const value = form.get('value');
  if (value) answer.value = value;
  const comment = form.get('comment')?.trim();
  if (comment) answer.comment = comment;
  return answer;
}
