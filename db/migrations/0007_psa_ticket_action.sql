ALTER TYPE "public"."trigger_action_kind" ADD VALUE 'ticket';--> statement-breakpoint
ALTER TABLE "psa_connection" ADD COLUMN "failing_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "psa_connection" ADD COLUMN "failure_notified_at" timestamp with time zone;