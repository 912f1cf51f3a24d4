DROP INDEX "outbox_pending_idx";--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("delay_until");--> statement-breakpoint
ALTER TABLE "outbox" DROP COLUMN "enqueued_at";