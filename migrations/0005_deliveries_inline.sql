ALTER TABLE "deliveries" ADD COLUMN "inline" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Until now the web page was the one inline channel, known from a list in the code.
UPDATE "deliveries" SET "inline" = true WHERE "channel" = 'web';
