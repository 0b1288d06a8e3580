DROP INDEX "security_event_report_idx";--> statement-breakpoint
DROP INDEX "security_event_msp_time_idx";--> statement-breakpoint
DROP INDEX "security_event_tenant_time_idx";--> statement-breakpoint
DROP INDEX "security_event_detection_idx";--> statement-breakpoint
DROP INDEX "security_event_severity_idx";--> statement-breakpoint
DROP INDEX "security_event_user_idx";--> statement-breakpoint
DROP INDEX "security_event_ip_idx";--> statement-breakpoint
CREATE INDEX "security_event_first_seen_idx" ON "security_event" USING btree ("msp_id","first_seen_at","id");--> statement-breakpoint
CREATE INDEX "security_event_count_idx" ON "security_event" USING btree ("msp_id","count","last_seen_at","id");--> statement-breakpoint
CREATE INDEX "security_event_title_idx" ON "security_event" USING btree ("msp_id","title","last_seen_at","id");--> statement-breakpoint
CREATE INDEX "security_event_count_by_severity_idx" ON "security_event" USING btree ("msp_id","severity","status","tenant_id","detection_id","last_seen_at");--> statement-breakpoint
CREATE INDEX "security_event_report_idx" ON "security_event" USING btree ("msp_id","status","last_seen_at","id");--> statement-breakpoint
CREATE INDEX "security_event_msp_time_idx" ON "security_event" USING btree ("msp_id","last_seen_at","id");--> statement-breakpoint
CREATE INDEX "security_event_tenant_time_idx" ON "security_event" USING btree ("tenant_id","last_seen_at","id");--> statement-breakpoint
CREATE INDEX "security_event_detection_idx" ON "security_event" USING btree ("msp_id","detection_id","last_seen_at","id");--> statement-breakpoint
CREATE INDEX "security_event_severity_idx" ON "security_event" USING btree ("msp_id","severity","last_seen_at","id");--> statement-breakpoint
CREATE INDEX "security_event_user_idx" ON "security_event" USING btree ("msp_id","user_name","last_seen_at");--> statement-breakpoint
CREATE INDEX "security_event_ip_idx" ON "security_event" USING btree ("msp_id","network_address","last_seen_at");