-- Access control: API keys (stored only as SHA-256 hashes), the audit log of admin changes, and idempotency keys
-- scoped per API key.

CREATE TABLE api_keys (
    id          uuid         NOT NULL,
    name        varchar(200) NOT NULL,
    role        varchar(16)  NOT NULL,
    budget_id   uuid,
    -- The first characters of the key ("bl_live_AbCdEf"): enough to recognise a key, far too few to use it.
    prefix      varchar(32)  NOT NULL,
    -- SHA-256 of the whole key. Keys carry 256 random bits, so a fast hash is safe and keeps the lookup cheap.
    secret_hash bytea        NOT NULL,
    created_at  timestamptz  NOT NULL,
    expires_at  timestamptz,
    revoked_at  timestamptz,
    CONSTRAINT api_keys_pk PRIMARY KEY (id),
    CONSTRAINT api_keys_secret_hash_unique UNIQUE (secret_hash),
    CONSTRAINT api_keys_budget_fk FOREIGN KEY (budget_id) REFERENCES budgets (id),
    CONSTRAINT api_keys_role_valid CHECK (role IN ('ADMIN', 'CLIENT')),
    -- An admin manages everything; binding one to a budget would promise a limit that nothing enforces.
    CONSTRAINT api_keys_admin_unbound CHECK (role = 'CLIENT' OR budget_id IS NULL),
    CONSTRAINT api_keys_secret_hash_sha256 CHECK (octet_length(secret_hash) = 32),
    CONSTRAINT api_keys_expires_after_creation CHECK (expires_at IS NULL OR expires_at > created_at)
);

CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    -- Null when the service itself acted (the bootstrap admin key).
    actor_key_id uuid,
    actor_name   varchar(200) NOT NULL,
    action       varchar(32)  NOT NULL,
    target_type  varchar(16)  NOT NULL,
    target_id    varchar(200) NOT NULL,
    before       jsonb,
    after        jsonb,
    created_at   timestamptz  NOT NULL,
    CONSTRAINT audit_log_pk PRIMARY KEY (id),
    CONSTRAINT audit_log_actor_fk FOREIGN KEY (actor_key_id) REFERENCES api_keys (id),
    CONSTRAINT audit_log_action_valid CHECK (action IN ('BUDGET_CREATE', 'BUDGET_UPDATE', 'PRICE_PUT', 'API_KEY_CREATE', 'API_KEY_REVOKE')),
    CONSTRAINT audit_log_target_type_valid CHECK (target_type IN ('BUDGET', 'PRICE', 'API_KEY')),
    CONSTRAINT audit_log_changed CHECK (before IS NOT NULL OR after IS NOT NULL)
);

CREATE INDEX audit_log_by_target ON audit_log (target_id, id);

-- Like the journal, the audit log is append-only.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Idempotency keys now belong to the API key that sent them, so two callers can never replay (or block) each
-- other's requests. Keys stored before this migration belong to no API key and could never be matched again, so
-- they are dropped; they are at most a day old and only protect retries that straddle the upgrade.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys ADD COLUMN api_key_id uuid NOT NULL;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pk;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_pk PRIMARY KEY (api_key_id, idempotency_key);
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_api_key_fk FOREIGN KEY (api_key_id) REFERENCES api_keys (id);
