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
ALTER TABLE "psa_ticket" DROP CONSTRAINT "psa_ticket_event_id_security_event_id_fk";
--> statement-breakpoint
DROP INDEX "psa_ticket_connection_event_key";--> statement-breakpoint
DROP INDEX "psa_ticket_correlation_idx";--> statement-breakpoint
ALTER TABLE "psa_ticket" ALTER COLUMN "event_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "psa_ticket" ALTER COLUMN "tenant_id" DROP NOT NULL;--> statement-breakpoint
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
ALTER TABLE "psa_tenant_mapping" ADD CONSTRAINT "psa_tenant_mapping_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_tenant_mapping" ADD CONSTRAINT "psa_tenant_mapping_connection_id_psa_connection_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."psa_connection"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_tenant_mapping" ADD CONSTRAINT "psa_tenant_mapping_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_tenant_mapping" ADD CONSTRAINT "psa_tenant_mapping_confirmed_by_app_user_id_fk" FOREIGN KEY ("confirmed_by") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "psa_tenant_mapping_connection_tenant_key" ON "psa_tenant_mapping" USING btree ("connection_id","tenant_id");--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD CONSTRAINT "psa_ticket_event_id_security_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."security_event"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "psa_ticket_event_idx" ON "psa_ticket" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "psa_ticket_tenant_time_idx" ON "psa_ticket" USING btree ("connection_id","tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "psa_ticket_msp_time_idx" ON "psa_ticket" USING btree ("msp_id","created_at");--> statement-breakpoint
CREATE INDEX "psa_ticket_open_idx" ON "psa_ticket" USING btree ("connection_id","closed");--> statement-breakpoint
CREATE INDEX "psa_ticket_correlation_idx" ON "psa_ticket" USING btree ("connection_id","correlation_key","created_at");