-- Denials name the API key and carry the metadata of the reserve they denied, as reservations do, so usage reports
-- grouped by key or by a metadata key (an end user, a workflow) count each group's denied calls, and the denials list
-- says who was denied. Denials recorded before this migration have neither and stay under "(none)".
ALTER TABLE denials ADD COLUMN api_key_id uuid;
ALTER TABLE denials ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE denials ADD CONSTRAINT denials_metadata_object CHECK (jsonb_typeof(metadata) = 'object');
