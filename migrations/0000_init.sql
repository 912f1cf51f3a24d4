CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"recipient_index" integer NOT NULL,
	"channel" text NOT NULL,
	"to" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"error" text,
	"ref" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"type" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"job_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"delay_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"enqueued_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" text PRIMARY KEY NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"type" text NOT NULL,
	"title" text NOT NULL,
	"body" text,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"options" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"fields" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"recipients" jsonb NOT NULL,
	"approvers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"quorum" integer DEFAULT 1 NOT NULL,
	"timeout_seconds" integer,
	"on_timeout" jsonb,
	"callback_url" text,
	"callback_status" text,
	"callback_attempts" integer DEFAULT 0 NOT NULL,
	"workflow_id" text,
	"checkpoint_id" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"response" jsonb,
	"api_key_id" text,
	"idempotency_key" text,
	"idempotency_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "responses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"value" text,
	"comment" text,
	"fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"responder_channel" text NOT NULL,
	"responder_id" text NOT NULL,
	"responder_name" text,
	"responded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"event_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"status" integer,
	"latency_ms" integer NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deliveries_request_idx" ON "deliveries" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "events_request_idx" ON "events" USING btree ("request_id","id");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("id") WHERE "outbox"."enqueued_at" is null;--> statement-breakpoint
CREATE INDEX "requests_state_idx" ON "requests" USING btree ("state","expires_at");--> statement-breakpoint
CREATE INDEX "requests_workflow_idx" ON "requests" USING btree ("workflow_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "requests_idempotency_idx" ON "requests" USING btree ("api_key_id","idempotency_key") WHERE "requests"."idempotency_key" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "responses_one_per_responder" ON "responses" USING btree ("request_id","responder_channel","responder_id");--> statement-breakpoint
CREATE INDEX "webhook_attempts_request_idx" ON "webhook_attempts" USING btree ("request_id");