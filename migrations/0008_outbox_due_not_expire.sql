DROP INDEX "outbox_due_idx";--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("delay_until") WHERE "outbox"."enqueued_at" is null and "outbox"."job" <> 'expire';