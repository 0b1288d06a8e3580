-- Trigram indexes for the free-text search need pg_trgm (on PGlite the extension is loaded by db/client.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TYPE "public"."risk_band" AS ENUM('low', 'medium', 'high', 'critical');--> statement-breakpoint
CREATE TYPE "public"."trigger_kind" AS ENUM('event', 'score', 'schedule');--> statement-breakpoint
CREATE TABLE "trigger_score_state" (
	"trigger_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"user_name" text NOT NULL,
	"in_band" boolean NOT NULL,
	"score" integer NOT NULL,
	"crossings" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trigger_score_state_trigger_id_tenant_id_user_name_pk" PRIMARY KEY("trigger_id","tenant_id","user_name")
);
--> statement-breakpoint
ALTER TABLE "trigger" ADD COLUMN "kind" "trigger_kind" DEFAULT 'event' NOT NULL;--> statement-breakpoint
ALTER TABLE "trigger" ADD COLUMN "score_band" "risk_band";--> statement-breakpoint
ALTER TABLE "trigger" ADD COLUMN "cron" text;--> statement-breakpoint
ALTER TABLE "trigger" ADD COLUMN "time_zone" text;--> statement-breakpoint
ALTER TABLE "trigger" ADD COLUMN "next_run_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "trigger" ADD COLUMN "last_run_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "trigger_score_state" ADD CONSTRAINT "trigger_score_state_trigger_id_trigger_id_fk" FOREIGN KEY ("trigger_id") REFERENCES "public"."trigger"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger_score_state" ADD CONSTRAINT "trigger_score_state_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "event_entity_unrecorded_idx" ON "event_entity" USING btree ("kind","snapshot_status") WHERE "event_entity"."snapshot_status" <> 'recorded';--> statement-breakpoint
CREATE INDEX "security_event_search_idx" ON "security_event" USING gin (("title" || E'\n' || "description" || E'\n' || coalesce("user_name", '') || E'\n' || coalesce("network_address", '')) gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "trigger_schedule_due_idx" ON "trigger" USING btree ("next_run_at") WHERE "trigger"."kind" = 'schedule' and "trigger"."enabled";