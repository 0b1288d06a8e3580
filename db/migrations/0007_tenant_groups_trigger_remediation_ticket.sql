ALTER TYPE "public"."trigger_action_kind" ADD VALUE 'remediation';--> statement-breakpoint
ALTER TYPE "public"."trigger_action_kind" ADD VALUE 'ticket';--> statement-breakpoint
CREATE TABLE "tenant_group" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_group_member" (
	"group_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "tenant_group_member_group_id_tenant_id_pk" PRIMARY KEY("group_id","tenant_id")
);
--> statement-breakpoint
ALTER TABLE "trigger" ADD COLUMN "tenant_group_ids" uuid[];--> statement-breakpoint
ALTER TABLE "psa_connection" ADD COLUMN "failing_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "psa_connection" ADD COLUMN "failure_notified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenant_group" ADD CONSTRAINT "tenant_group_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_group_member" ADD CONSTRAINT "tenant_group_member_group_id_tenant_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."tenant_group"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_group_member" ADD CONSTRAINT "tenant_group_member_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tenant_group_msp_name_key" ON "tenant_group" USING btree ("msp_id","name");--> statement-breakpoint
CREATE INDEX "tenant_group_member_tenant_idx" ON "tenant_group_member" USING btree ("tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "remediation_request_idempotency_key" ON "remediation_request" USING btree (("origin"->>'idempotencyKey'));