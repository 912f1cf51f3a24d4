/**
 * Every limit on what agents and reviewers send, in one place. The create schema, the API's answer
 * schema and the answer validation every channel goes through (acceptAnswer) all read these, so an
 * answer is held to the same limits whichever channel it arrives through.
 *
 * Lengths are in characters as JavaScript counts them (UTF-16 code units).
 */
export const LIMITS = {
  title: 200,
  body: 8000,
  /** An option's value; also on_timeout.value, which must be one of them. */
  optionValue: 100,
  optionLabel: 75,
  fieldName: 64,
  fieldLabel: 100,
  /** recipients[].to; also a responder id, since an answer through a recipient's link answers as that recipient. */
  recipientTo: 300,
  /** One approvers entry, "channel:id". */
  approver: 300,
  /** workflow_id, checkpoint_id. */
  workflowId: 200,
  callbackUrl: 2000,
  /** An answer's comment; also on_timeout.comment, which becomes the response's comment. */
  comment: 4000,
  /** A text request's answer (its `value`). */
  answerText: 4000,
  /** One form field's value in an answer. */
  fieldValue: 4000,
  responderId: 300,
  responderName: 200,
  /** A cancel's reason (longer ones are cut, not refused). */
  cancelReason: 500,
  /** context and metadata: bytes of JSON, and how deep objects and arrays may nest. */
  jsonBytes: 32 * 1024,
  jsonDepth: 32,
  /** Any JSON request body, whatever the route: room for a body holding a 32-deep context, and then some. */
  bodyDepth: 64,

  options: 10,
  fields: 20,
  selectOptions: 100,
  recipients: 50,
  approvers: 100,
  quorum: 50,
  timeoutSeconds: 365 * 86400,
} as const;

/** A form field's name: an identifier of at most LIMITS.fieldName characters. */
export const FIELD_NAME = new RegExp(`^[A-Za-z_][A-Za-z0-9_]{0,${LIMITS.fieldName - 1}}$`);
