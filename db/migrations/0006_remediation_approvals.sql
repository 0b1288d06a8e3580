ALTER TYPE "public"."remediation_status" ADD VALUE 'expired';--> statement-breakpoint
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
ALTER TABLE "remediation_request" ADD COLUMN "before" jsonb;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "undo_of" uuid;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "undone_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "secret_enc" text;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD COLUMN "origin" jsonb;--> statement-breakpoint
ALTER TABLE "remediation_policy" ADD CONSTRAINT "remediation_policy_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_policy" ADD CONSTRAINT "remediation_policy_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_policy" ADD CONSTRAINT "remediation_policy_updated_by_app_user_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "remediation_policy_msp_action_key" ON "remediation_policy" USING btree ("msp_id","action") WHERE "remediation_policy"."tenant_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "remediation_policy_tenant_action_key" ON "remediation_policy" USING btree ("msp_id","tenant_id","action") WHERE "remediation_policy"."tenant_id" is not null;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD CONSTRAINT "remediation_request_undo_of_remediation_request_id_fk" FOREIGN KEY ("undo_of") REFERENCES "public"."remediation_request"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "remediation_request_pending_idx" ON "remediation_request" USING btree ("expires_at") WHERE "remediation_request"."status" = 'pending_approval';