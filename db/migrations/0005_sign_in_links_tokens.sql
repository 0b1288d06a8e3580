ALTER TYPE "public"."setup_token_kind" ADD VALUE 'password_reset';--> statement-breakpoint
CREATE TABLE "sign_in_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"window_started_at" timestamp with time zone NOT NULL,
	"failures" integer NOT NULL
);
--> statement-breakpoint
DROP INDEX "app_user_email_key";--> statement-breakpoint
ALTER TABLE "setup_token" ADD COLUMN "revoked_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "app_user_msp_email_key" ON "app_user" USING btree ("msp_id",lower("email"));--> statement-breakpoint
CREATE INDEX "app_user_email_idx" ON "app_user" USING btree (lower("email"));