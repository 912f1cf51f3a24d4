// The /humanlayer/v1 routes for the OpenAPI document (src/http/openapi.ts), which lends its helpers.

interface Helpers {
  json: (schema: object) => object;
  problems: (...codes: number[]) => object;
}

const callId = { name: 'call_id', in: 'path', required: true, schema: { type: 'string' } };
const object = (description: string) => ({ type: 'object', description });
const functionCall = object('HumanLayer FunctionCall { run_id, call_id, spec: { fn, kwargs, channel }, status: { requested_at, approved, comment } }');
const humanContact = object('HumanLayer HumanContact { run_id, call_id, spec: { msg, channel }, status: { requested_at, response } }');

export function humanLayerPaths({ json, problems }: Helpers) {
  const create = (summary: string, shape: object) => ({
    post: {
      summary, tags: ['HumanLayer'],
      requestBody: { required: true, ...json(shape) },
      responses: { '201': { description: 'created', ...json(shape) }, '200': { description: 'the same call_id again', ...json(shape) }, ...problems(400, 401, 403, 409, 422) },
    },
  });
  const read = (summary: string, shape: object) => ({
    get: { summary, tags: ['HumanLayer'], parameters: [callId], responses: { '200': { description: 'the call', ...json(shape) }, ...problems(401, 403, 404) } },
  });
  const respond = (summary: string, body: object, shape: object) => ({
    post: {
      summary, tags: ['HumanLayer'], parameters: [callId],
      requestBody: { required: true, ...json(body) },
      responses: { '200': { description: 'answered', ...json(shape) }, ...problems(401, 403, 404, 409, 422) },
    },
  });
  return {
    '/humanlayer/v1/function_calls': create('HumanLayer: ask for approval of a function call (an approval request)', functionCall),
    '/humanlayer/v1/function_calls/{call_id}': read('HumanLayer: a function call and its status', functionCall),
    '/humanlayer/v1/agent/function_calls/{call_id}/respond': respond('HumanLayer: approve or deny as the API key', object('{ approved, comment }'), functionCall),
    '/humanlayer/v1/contact_requests': create('HumanLayer: ask a person (a text request)', humanContact),
    '/humanlayer/v1/contact_requests/{call_id}': read('HumanLayer: a contact request and its answer', humanContact),
    '/humanlayer/v1/agent/human_contacts/{call_id}/respond': respond('HumanLayer: answer as the API key', object('{ response }'), humanContact),
  };
}
