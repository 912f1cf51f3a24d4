DROP INDEX "outbox_due_idx";--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "scopes" text[] DEFAULT '{requests:read,requests:write,responses:write}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "enqueued_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "outbox_enqueued_idx" ON "outbox" USING btree ("enqueued_at") WHERE "outbox"."enqueued_at" is not null;--> statement-breakpoint
CREATE INDEX "outbox_job_idx" ON "outbox" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("delay_until") WHERE "outbox"."enqueued_at" is null;