CREATE TYPE "public"."custom_detection_dedup" AS ENUM('user', 'ip', 'user+ip', 'none');--> statement-breakpoint
CREATE TABLE "custom_detection" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"tenant_id" uuid,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"expression" text NOT NULL,
	"severity" "severity" NOT NULL,
	"mitre" text[] DEFAULT '{}'::text[] NOT NULL,
	"how_to_react" text DEFAULT '' NOT NULL,
	"dedup_minutes" integer DEFAULT 60 NOT NULL,
	"dedup_by" "custom_detection_dedup" DEFAULT 'user' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "custom_detection" ADD CONSTRAINT "custom_detection_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custom_detection" ADD CONSTRAINT "custom_detection_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custom_detection" ADD CONSTRAINT "custom_detection_created_by_app_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "custom_detection_msp_idx" ON "custom_detection" USING btree ("msp_id","tenant_id");