-- Trigram indexes for the free-text search (on PGlite the extension is loaded by db/client.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "security_event_search_idx" ON "security_event" USING gin (("title" || E'\n' || "description" || E'\n' || coalesce("user_name", '') || E'\n' || coalesce("network_address", '')) gin_trgm_ops);
