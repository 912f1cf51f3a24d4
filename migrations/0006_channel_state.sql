CREATE TABLE "channel_state" (
	"channel" text NOT NULL,
	"key" text NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "channel_state_channel_key_pk" PRIMARY KEY("channel","key")
);
