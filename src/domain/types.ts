// The concepts of ARCHITECTURE.md as plain types, shared by the core and every channel.

export const CHANNEL_NAMES = ['slack', 'discord', 'telegram', 'email', 'sqs', 'web'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];
/** Channels an answer can come from: the delivery channels plus the HTTP API itself. */
export type ResponderChannel = ChannelName | 'api';

export type RequestType = 'approval' | 'choice' | 'text' | 'form';
export type RequestState = 'pending' | 'resolved' | 'expired' | 'cancelled';
export type DeliveryStatus = 'queued' | 'delivered' | 'failed' | 'settled';
export type CallbackStatus = 'pending' | 'delivered' | 'failed';

export interface Option {
  value: string;
  label: string;
  style?: 'primary' | 'danger' | 'default';
}

export type FieldType = 'text' | 'textarea' | 'number' | 'boolean' | 'select';
export interface Field {
  name: string;
  label: string;
  type: FieldType;
  required?: boolean;
  options?: Option[];
}

export interface Recipient {
  channel: ChannelName;
  to?: string;
}

export interface Responder {
  channel: ResponderChannel;
  id: string;
  name?: string;
}

export type FieldValues = Record<string, string | number | boolean>;

/** What a person sent through a channel, normalised. */
export interface Answer {
  requestId: string;
  value?: string;
  comment?: string;
  fields?: FieldValues;
  responder: Responder;
}

/** An accepted answer, as stored and shown. */
export interface Response {
  value: string | null;
  comment: string | null;
  fields: FieldValues;
  responder: Responder;
  responded_at: string;
}

export interface Delivery {
  id: string;
  channel: ChannelName;
  to: string | null;
  status: DeliveryStatus;
  error: string | null;
  ref: MessageRef | null;
}

/** The platform's reference to a delivered message, so it can be updated later. */
export type MessageRef = Record<string, string | number>;

/** A reminder step as the request shows it: due `after_seconds` after creation, sent once while pending. */
export interface ReminderStep {
  after_seconds: number;
  /** Escalation: added as new deliveries when the step fires. */
  recipients?: Recipient[];
  due_at: string;
  sent_at: string | null;
}

export interface Request {
  id: string;
  state: RequestState;
  type: RequestType;
  title: string;
  body: string | null;
  context: Record<string, unknown>;
  options: Option[];
  fields: Field[];
  recipients: Recipient[];
  approvers: string[];
  quorum: number;
  timeout_seconds: number | null;
  on_timeout: { value: string; comment?: string } | null;
  callback_url: string | null;
  workflow_id: string | null;
  checkpoint_id: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  expires_at: string | null;
  closed_at: string | null;
  response: Response | null;
  votes: Response[];
  deliveries: Delivery[];
  callback: { url: string; status: CallbackStatus; attempts: number } | null;
  reminders: ReminderStep[];
}

/** How a request ended. */
export type Outcome =
  | { state: 'resolved'; response: Response }
  | { state: 'expired'; response: Response | null }
  | { state: 'cancelled'; response: null };

export type RespondStatus = 'won' | 'counted' | 'closed' | 'forbidden' | 'invalid';
export interface RespondResult {
  status: RespondStatus;
  request: Request;
  /** Why an answer was refused, for the person who sent it. */
  reason?: string;
  /** For 'invalid': which part of the answer is wrong. */
  errors?: { path: string; message: string }[];
}

export function outcomeOf(request: Request): Outcome | undefined {
  switch (request.state) {
    case 'resolved':
      return { state: 'resolved', response: request.response! };
    case 'expired':
      return { state: 'expired', response: request.response };
    case 'cancelled':
      return { state: 'cancelled', response: null };
    default:
      return undefined;
  }
}
