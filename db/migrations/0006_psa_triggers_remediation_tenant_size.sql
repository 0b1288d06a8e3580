CREATE TYPE "public"."trigger_delivery_mode" AS ENUM('immediate', 'gathered');--> statement-breakpoint
ALTER TYPE "public"."remediation_status" ADD VALUE 'expired';--> statement-breakpoint
CREATE TABLE "product_event" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"operation_result" text NOT NULL,
	"user_id" uuid,
	"user_name" text NOT NULL,
	"user_source" text NOT NULL,
	"network_address" text,
	"user_agent" text,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "psa_tenant_mapping" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"company_id" text NOT NULL,
	"company_name" text NOT NULL,
	"routing" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"confirmed_by" uuid,
	"confirmed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "remediation_policy" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"tenant_id" uuid,
	"action" text NOT NULL,
	"require_approval" boolean NOT NULL,
	"allow_self_approval" boolean DEFAULT false NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "psa_ticket" DROP CONSTRAINT "psa_ticket_event_id_security_event_id_fk";
--> statement-breakpoint
DROP INDEX "delivery_action_event_key";--> statement-breakpoint
DROP INDEX "psa_ticket_connection_event_key";--> statement-breakpoint
DROP INDEX "delivery_due_idx";--> statement-breakpoint
DROP INDEX "psa_ticket_correlation_idx";--> statement-breakpoint
ALTER TABLE "psa_ticket" ALTER COLUMN "event_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "psa_ticket" ALTER COLUMN "tenant_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant" ADD COLUMN "user_count" integer;--> statement-breakpoint
ALTER TABLE "tenant" ADD COLUMN "user_count_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenant" ADD COLUMN "import_only" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "delivery" ADD COLUMN "trigger_id" uuid;--> statement-breakpoint
ALTER TABLE "delivery" ADD COLUMN "product_event_id" uuid;--> statement-breakpoint
ALTER TABLE "delivery" ADD COLUMN "idempotency_key" text NOT NULL;--> statement-breakpoint
ALTER TABLE "delivery" ADD COLUMN "is_test" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "delivery" ADD COLUMN "gather_key" text;--> statement-breakpoint
ALTER TABLE "delivery" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "delivery" ADD COLUMN "response" text;--> statement-breakpoint
ALTER TABLE "trigger" ADD COLUMN "delivery_mode" "trigger_delivery_mode" DEFAULT 'immediate' NOT NULL;--> statement-breakpoint
ALTER TABLE "trigger" ADD COLUMN "gather_minutes" integer DEFAULT 15 NOT NULL;--> statement-breakpoint
ALTER TABLE "trigger" ADD COLUMN "builtin_key" text;--> statement-breakpoint
ALTER TABLE "psa_connection" ADD COLUMN "last_test_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "psa_connection" ADD COLUMN "last_test_ok" boolean;--> statement-breakpoint
ALTER TABLE "psa_connection" ADD COLUMN "last_test_message" text;--> statement-breakpoint
ALTER TABLE "psa_connection" ADD COLUMN "is_demo" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "kind" "psa_kind";--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "detection_id" text;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "number" text;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "status_id" text;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "closed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "status_read_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "is_flood" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "is_test" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "event_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "pending_event_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "last_written_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD COLUMN "failed_attachments" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "before" jsonb;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "undo_of" uuid;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "undone_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "secret_enc" text;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "origin" jsonb;--> statement-breakpoint
ALTER TABLE "product_event" ADD CONSTRAINT "product_event_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_event" ADD CONSTRAINT "product_event_user_id_app_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_tenant_mapping" ADD CONSTRAINT "psa_tenant_mapping_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_tenant_mapping" ADD CONSTRAINT "psa_tenant_mapping_connection_id_psa_connection_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."psa_connection"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_tenant_mapping" ADD CONSTRAINT "psa_tenant_mapping_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_tenant_mapping" ADD CONSTRAINT "psa_tenant_mapping_confirmed_by_app_user_id_fk" FOREIGN KEY ("confirmed_by") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_policy" ADD CONSTRAINT "remediation_policy_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_policy" ADD CONSTRAINT "remediation_policy_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_policy" ADD CONSTRAINT "remediation_policy_updated_by_app_user_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "product_event_msp_time_idx" ON "product_event" USING btree ("msp_id","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "psa_tenant_mapping_connection_tenant_key" ON "psa_tenant_mapping" USING btree ("connection_id","tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "remediation_policy_msp_action_key" ON "remediation_policy" USING btree ("msp_id","action") WHERE "remediation_policy"."tenant_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "remediation_policy_tenant_action_key" ON "remediation_policy" USING btree ("msp_id","tenant_id","action") WHERE "remediation_policy"."tenant_id" is not null;--> statement-breakpoint
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_trigger_id_trigger_id_fk" FOREIGN KEY ("trigger_id") REFERENCES "public"."trigger"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_product_event_id_product_event_id_fk" FOREIGN KEY ("product_event_id") REFERENCES "public"."product_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD CONSTRAINT "psa_ticket_event_id_security_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."security_event"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD CONSTRAINT "remediation_request_undo_of_remediation_request_id_fk" FOREIGN KEY ("undo_of") REFERENCES "public"."remediation_request"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "delivery_idempotency_key" ON "delivery" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "delivery_lease_idx" ON "delivery" USING btree ("lease_until") WHERE "delivery"."status" = 'sending';--> statement-breakpoint
CREATE INDEX "delivery_event_idx" ON "delivery" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "delivery_product_event_idx" ON "delivery" USING btree ("product_event_id");--> statement-breakpoint
CREATE INDEX "delivery_trigger_idx" ON "delivery" USING btree ("trigger_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "trigger_builtin_key" ON "trigger" USING btree ("msp_id","builtin_key");--> statement-breakpoint
CREATE INDEX "psa_ticket_event_idx" ON "psa_ticket" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "psa_ticket_tenant_time_idx" ON "psa_ticket" USING btree ("connection_id","tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "psa_ticket_msp_time_idx" ON "psa_ticket" USING btree ("msp_id","created_at");--> statement-breakpoint
CREATE INDEX "psa_ticket_open_idx" ON "psa_ticket" USING btree ("connection_id","closed");--> statement-breakpoint
CREATE INDEX "remediation_request_pending_idx" ON "remediation_request" USING btree ("expires_at") WHERE "remediation_request"."status" = 'pending_approval';--> statement-breakpoint
CREATE INDEX "delivery_due_idx" ON "delivery" USING btree ("next_attempt_at") WHERE "delivery"."status" in ('pending', 'failed');--> statement-breakpoint
CREATE INDEX "psa_ticket_correlation_idx" ON "psa_ticket" USING btree ("connection_id","correlation_key","created_at");