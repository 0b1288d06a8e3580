ALTER TABLE "tenant" ADD COLUMN "user_count" integer;--> statement-breakpoint
ALTER TABLE "tenant" ADD COLUMN "user_count_at" timestamp with time zone;