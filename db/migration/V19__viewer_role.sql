-- VIEWER keys read what the console shows and change nothing; like ADMIN keys they are never bound to a budget
-- (api_keys_admin_unbound already says so: only CLIENT keys may have a budget).
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_valid;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_valid CHECK (role IN ('ADMIN', 'CLIENT', 'VIEWER'));
