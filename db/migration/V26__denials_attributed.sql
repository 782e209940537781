-- Denials name the API key and the run, and carry the metadata of the reserve they denied, as reservations do, so
-- usage reports grouped by key, run or a metadata key (an end user, a workflow) count each group's denied calls, and
-- the denials list says who was denied. Denials recorded before this migration have none of them: "(none)".
ALTER TABLE denials ADD COLUMN api_key_id uuid;
ALTER TABLE denials ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE denials ADD CONSTRAINT denials_metadata_object CHECK (jsonb_typeof(metadata) = 'object');
ALTER TABLE denials ADD COLUMN run_id varchar(128);
