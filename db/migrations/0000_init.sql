CREATE TYPE "public"."activity_source" AS ENUM('Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General', 'graph.signIns', 'graph.directoryAudits', 'graph.alerts_v2', 'graph.riskDetections', 'graph.riskyUsers', 'import');--> statement-breakpoint
CREATE TYPE "public"."actor_type" AS ENUM('user', 'token', 'system');--> statement-breakpoint
CREATE TYPE "public"."delivery_status" AS ENUM('pending', 'sending', 'delivered', 'failed', 'dead');--> statement-breakpoint
CREATE TYPE "public"."entity_kind" AS ENUM('user', 'app', 'inbox_rule', 'mail_flow_rule', 'link', 'ip', 'mailbox');--> statement-breakpoint
CREATE TYPE "public"."event_status" AS ENUM('open', 'ignored', 'resolved');--> statement-breakpoint
CREATE TYPE "public"."psa_kind" AS ENUM('connectwise', 'autotask');--> statement-breakpoint
CREATE TYPE "public"."remediation_status" AS ENUM('pending_approval', 'approved', 'rejected', 'running', 'succeeded', 'failed');--> statement-breakpoint
CREATE TYPE "public"."setup_token_kind" AS ENUM('first_owner', 'invite');--> statement-breakpoint
CREATE TYPE "public"."severity" AS ENUM('informational', 'low', 'medium', 'high', 'critical');--> statement-breakpoint
CREATE TYPE "public"."snapshot_status" AS ENUM('pending', 'recorded', 'unavailable');--> statement-breakpoint
CREATE TYPE "public"."tenant_auth_mode" AS ENUM('consent', 'secret', 'certificate');--> statement-breakpoint
CREATE TYPE "public"."tenant_status" AS ENUM('pending', 'active', 'disabled', 'error');--> statement-breakpoint
CREATE TYPE "public"."trigger_action_kind" AS ENUM('email', 'webhook', 'slack', 'teams');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('read_only', 'technician', 'admin', 'owner');--> statement-breakpoint
CREATE TYPE "public"."user_status" AS ENUM('invited', 'active', 'disabled');--> statement-breakpoint
CREATE TABLE "msp" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_token" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"role" "user_role" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_token_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "app_user" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"email" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"role" "user_role" NOT NULL,
	"status" "user_status" DEFAULT 'invited' NOT NULL,
	"password_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_sign_in_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid,
	"actor_type" "actor_type" NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"details" jsonb,
	"ip" text,
	"request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"msp_id" uuid NOT NULL,
	"csrf_token" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"ip" text,
	"user_agent" text
);
--> statement-breakpoint
CREATE TABLE "setup_token" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"kind" "setup_token_kind" NOT NULL,
	"msp_id" uuid,
	"user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	CONSTRAINT "setup_token_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "collector_checkpoint" (
	"tenant_id" uuid NOT NULL,
	"source" "activity_source" NOT NULL,
	"window_end" timestamp with time zone,
	"cursor" text,
	"last_success_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	CONSTRAINT "collector_checkpoint_tenant_id_source_pk" PRIMARY KEY("tenant_id","source")
);
--> statement-breakpoint
CREATE TABLE "tenant" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"tenant_guid" uuid NOT NULL,
	"name" text NOT NULL,
	"primary_domain" text NOT NULL,
	"auth_mode" "tenant_auth_mode" NOT NULL,
	"client_id" text,
	"credentials_enc" text,
	"status" "tenant_status" DEFAULT 'pending' NOT NULL,
	"is_demo" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "activity" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"source" "activity_source" NOT NULL,
	"record_id" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"workload" text NOT NULL,
	"operation" text NOT NULL,
	"record_type" integer,
	"actor_id" text,
	"actor_upn" text,
	"client_ip" text,
	"user_agent" text,
	"result" text,
	"target" text,
	"raw" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "activity_quarantine" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"source" "activity_source" NOT NULL,
	"reason" text NOT NULL,
	"raw" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_activity" (
	"event_id" uuid NOT NULL,
	"activity_id" uuid NOT NULL,
	CONSTRAINT "event_activity_event_id_activity_id_pk" PRIMARY KEY("event_id","activity_id")
);
--> statement-breakpoint
CREATE TABLE "event_entity" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"msp_id" uuid NOT NULL,
	"kind" "entity_kind" NOT NULL,
	"key" text NOT NULL,
	"is_primary" boolean DEFAULT false NOT NULL,
	"snapshot_status" "snapshot_status" DEFAULT 'pending' NOT NULL,
	"snapshot" jsonb,
	"unavailable_reason" text,
	"recorded_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "security_event" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"detection_id" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"severity" "severity" NOT NULL,
	"mitre" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" "event_status" DEFAULT 'open' NOT NULL,
	"event_type" text,
	"operation_result" text,
	"user_name" text,
	"network_address" text,
	"workload" text,
	"operation" text,
	"fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dedup_key" text NOT NULL,
	"count" integer DEFAULT 1 NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ignored_at" timestamp with time zone,
	"ignored_by" uuid,
	"ignore_reason" text,
	"whitelist_rule_id" uuid,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "whitelist_rule" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"tenant_id" uuid,
	"name" text NOT NULL,
	"expression" text NOT NULL,
	"reason" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"enabled" boolean DEFAULT true NOT NULL,
	"hits" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "delivery" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"trigger_action_id" uuid,
	"event_id" uuid,
	"kind" "trigger_action_kind" NOT NULL,
	"status" "delivery_status" DEFAULT 'pending' NOT NULL,
	"payload" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "trigger" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"name" text NOT NULL,
	"condition" text NOT NULL,
	"tenant_ids" uuid[],
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trigger_action" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"trigger_id" uuid NOT NULL,
	"msp_id" uuid NOT NULL,
	"kind" "trigger_action_kind" NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret_enc" text,
	"position" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "psa_connection" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"kind" "psa_kind" NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"credentials_enc" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "psa_ticket" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"external_id" text,
	"url" text,
	"status" text,
	"correlation_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "remediation_request" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"msp_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"event_id" uuid,
	"action" text NOT NULL,
	"entity" jsonb NOT NULL,
	"status" "remediation_status" NOT NULL,
	"requested_by" uuid,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"result" jsonb,
	"error" text,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_user_id_app_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."app_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_user" ADD CONSTRAINT "app_user_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session" ADD CONSTRAINT "session_user_id_app_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."app_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session" ADD CONSTRAINT "session_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "setup_token" ADD CONSTRAINT "setup_token_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "setup_token" ADD CONSTRAINT "setup_token_user_id_app_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."app_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collector_checkpoint" ADD CONSTRAINT "collector_checkpoint_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant" ADD CONSTRAINT "tenant_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activity" ADD CONSTRAINT "activity_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activity" ADD CONSTRAINT "activity_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activity_quarantine" ADD CONSTRAINT "activity_quarantine_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activity_quarantine" ADD CONSTRAINT "activity_quarantine_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_activity" ADD CONSTRAINT "event_activity_event_id_security_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."security_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_activity" ADD CONSTRAINT "event_activity_activity_id_activity_id_fk" FOREIGN KEY ("activity_id") REFERENCES "public"."activity"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_entity" ADD CONSTRAINT "event_entity_event_id_security_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."security_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_entity" ADD CONSTRAINT "event_entity_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "security_event" ADD CONSTRAINT "security_event_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "security_event" ADD CONSTRAINT "security_event_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "security_event" ADD CONSTRAINT "security_event_ignored_by_app_user_id_fk" FOREIGN KEY ("ignored_by") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "whitelist_rule" ADD CONSTRAINT "whitelist_rule_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "whitelist_rule" ADD CONSTRAINT "whitelist_rule_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "whitelist_rule" ADD CONSTRAINT "whitelist_rule_created_by_app_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_trigger_action_id_trigger_action_id_fk" FOREIGN KEY ("trigger_action_id") REFERENCES "public"."trigger_action"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_event_id_security_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."security_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger" ADD CONSTRAINT "trigger_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger" ADD CONSTRAINT "trigger_created_by_app_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger_action" ADD CONSTRAINT "trigger_action_trigger_id_trigger_id_fk" FOREIGN KEY ("trigger_id") REFERENCES "public"."trigger"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger_action" ADD CONSTRAINT "trigger_action_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_connection" ADD CONSTRAINT "psa_connection_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD CONSTRAINT "psa_ticket_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD CONSTRAINT "psa_ticket_connection_id_psa_connection_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."psa_connection"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD CONSTRAINT "psa_ticket_event_id_security_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."security_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "psa_ticket" ADD CONSTRAINT "psa_ticket_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD CONSTRAINT "remediation_request_msp_id_msp_id_fk" FOREIGN KEY ("msp_id") REFERENCES "public"."msp"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD CONSTRAINT "remediation_request_tenant_id_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenant"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD CONSTRAINT "remediation_request_event_id_security_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."security_event"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD CONSTRAINT "remediation_request_requested_by_app_user_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_request" ADD CONSTRAINT "remediation_request_decided_by_app_user_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."app_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_token_msp_idx" ON "api_token" USING btree ("msp_id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_user_email_key" ON "app_user" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "app_user_msp_idx" ON "app_user" USING btree ("msp_id");--> statement-breakpoint
CREATE INDEX "audit_log_msp_time_idx" ON "audit_log" USING btree ("msp_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "session_user_idx" ON "session" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "session_expires_idx" ON "session" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tenant_msp_guid_key" ON "tenant" USING btree ("msp_id","tenant_guid");--> statement-breakpoint
CREATE INDEX "tenant_msp_name_idx" ON "tenant" USING btree ("msp_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "activity_record_key" ON "activity" USING btree ("tenant_id","source","record_id");--> statement-breakpoint
CREATE INDEX "activity_tenant_time_idx" ON "activity" USING btree ("tenant_id","occurred_at");--> statement-breakpoint
CREATE INDEX "activity_actor_idx" ON "activity" USING btree ("tenant_id","actor_upn","occurred_at");--> statement-breakpoint
CREATE INDEX "activity_ingested_idx" ON "activity" USING btree ("ingested_at");--> statement-breakpoint
CREATE INDEX "activity_quarantine_tenant_idx" ON "activity_quarantine" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "event_activity_activity_idx" ON "event_activity" USING btree ("activity_id");--> statement-breakpoint
CREATE UNIQUE INDEX "event_entity_key" ON "event_entity" USING btree ("event_id","kind","key");--> statement-breakpoint
CREATE INDEX "event_entity_lookup_idx" ON "event_entity" USING btree ("msp_id","kind","key");--> statement-breakpoint
CREATE INDEX "security_event_report_idx" ON "security_event" USING btree ("msp_id","status","last_seen_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "security_event_msp_time_idx" ON "security_event" USING btree ("msp_id","last_seen_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "security_event_tenant_time_idx" ON "security_event" USING btree ("tenant_id","status","last_seen_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "security_event_detection_idx" ON "security_event" USING btree ("msp_id","detection_id","last_seen_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "security_event_severity_idx" ON "security_event" USING btree ("msp_id","severity","last_seen_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "security_event_user_idx" ON "security_event" USING btree ("tenant_id","user_name","last_seen_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "security_event_ip_idx" ON "security_event" USING btree ("tenant_id","network_address","last_seen_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "security_event_open_dedup_key" ON "security_event" USING btree ("tenant_id","detection_id","dedup_key") WHERE "security_event"."status" = 'open';--> statement-breakpoint
CREATE INDEX "whitelist_rule_msp_idx" ON "whitelist_rule" USING btree ("msp_id");--> statement-breakpoint
CREATE UNIQUE INDEX "delivery_action_event_key" ON "delivery" USING btree ("trigger_action_id","event_id");--> statement-breakpoint
CREATE INDEX "delivery_due_idx" ON "delivery" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "delivery_msp_time_idx" ON "delivery" USING btree ("msp_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "trigger_msp_idx" ON "trigger" USING btree ("msp_id");--> statement-breakpoint
CREATE INDEX "trigger_action_trigger_idx" ON "trigger_action" USING btree ("trigger_id");--> statement-breakpoint
CREATE UNIQUE INDEX "psa_connection_msp_kind_key" ON "psa_connection" USING btree ("msp_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "psa_ticket_connection_event_key" ON "psa_ticket" USING btree ("connection_id","event_id");--> statement-breakpoint
CREATE INDEX "psa_ticket_correlation_idx" ON "psa_ticket" USING btree ("connection_id","correlation_key");--> statement-breakpoint
CREATE INDEX "remediation_request_msp_status_idx" ON "remediation_request" USING btree ("msp_id","status","requested_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "remediation_request_event_idx" ON "remediation_request" USING btree ("event_id");