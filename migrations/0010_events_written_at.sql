-- An event's time is when it was written (clock_timestamp), not when its transaction began (now()):
-- overlapping transactions gave a later event (higher id) an earlier time, so the log read out of order.
ALTER TABLE "events" ALTER COLUMN "created_at" SET DEFAULT clock_timestamp();
