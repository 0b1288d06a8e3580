CREATE TABLE "detection_processed" (
	"activity_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "detection_settings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"tenant_id" uuid,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "detection_settings_scope_key" UNIQUE NULLS NOT DISTINCT("msp_id","tenant_id")
);
--> statement-breakpoint
CREATE TABLE "detection_state" (
	"tenant_id" uuid NOT NULL,
	"series" text NOT NULL,
	"key" text NOT NULL,
	"item_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "detection_state_tenant_id_series_key_item_id_pk" PRIMARY KEY("tenant_id","series","key","item_id")
);
--> statement-breakpoint
CREATE TABLE "event_occurrence" (
	"event_id" uuid NOT NULL,
	"occurrence_key" text NOT NULL,
	CONSTRAINT "event_occurrence_event_id_occurrence_key_pk" PRIMARY KEY("event_id","occurrence_key")
);
--> statement-breakpoint
ALTER TABLE "event_entity" ADD COLUMN "remediations" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "security_event" ADD COLUMN "how_to_react" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "detection_processed" ADD CONSTRAINT "detection_processed_activity_id_activity_id_fk" FOREIGN KEY ("activity_id") REFERENCES "public"."activity"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "detection_processed" ADD CONSTRAINT "detection_processed_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "detection_settings" ADD CONSTRAINT "detection_settings_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "detection_settings" ADD CONSTRAINT "detection_settings_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "detection_state" ADD CONSTRAINT "detection_state_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_occurrence" ADD CONSTRAINT "event_occurrence_event_id_security_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."security_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "detection_processed_tenant_idx" ON "detection_processed" USING btree ("tenant_id","processed_at");--> statement-breakpoint
CREATE INDEX "detection_state_window_idx" ON "detection_state" USING btree ("tenant_id","series","key","at");--> statement-breakpoint
CREATE INDEX "detection_state_prune_idx" ON "detection_state" USING btree ("tenant_id","series","at");