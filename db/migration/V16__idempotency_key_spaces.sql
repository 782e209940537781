-- An Idempotency-Key belongs to what the API key may act for, not to the API key itself: the budget a key is bound
-- to, or (unbound) its role. So the new key of a rotation replays a retry the old key began instead of holding a
-- second time, while keys bound to other budgets (other tenants) never share a key space. api_key_id stays: it is
-- the key that sent the stored request.
ALTER TABLE idempotency_keys ADD COLUMN key_space varchar(64);

UPDATE idempotency_keys k SET key_space = COALESCE(CAST(a.budget_id AS text), a.role)
FROM api_keys a WHERE a.id = k.api_key_id;

-- Before this version two keys of one scope could each store the same Idempotency-Key; in the shared space only
-- the newest of them stays (the one a retry most likely continues). The reservations keep their evidence, so a
-- pair that both held within the last retention period is reported by the reconciliation until it expires.
DELETE FROM idempotency_keys k USING idempotency_keys newer
WHERE newer.key_space = k.key_space AND newer.idempotency_key = k.idempotency_key
    AND (newer.created_at, newer.api_key_id) > (k.created_at, k.api_key_id);

ALTER TABLE idempotency_keys ALTER COLUMN key_space SET NOT NULL;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pk;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_pk PRIMARY KEY (key_space, idempotency_key);

-- Rolling upgrades: the previous release still writes rows without key_space and upserts on (api_key_id,
-- idempotency_key). The trigger fills the space from the API key, and the old pair stays unique (an API key has
-- one space, so the new key implies it). A later release drops both, once no writer leaves the column out.
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_per_api_key UNIQUE (api_key_id, idempotency_key);

CREATE FUNCTION fill_idempotency_key_space() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.key_space IS NULL THEN
        SELECT COALESCE(CAST(a.budget_id AS text), a.role) INTO NEW.key_space FROM api_keys a
        WHERE a.id = NEW.api_key_id;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER idempotency_keys_fill_key_space BEFORE INSERT ON idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION fill_idempotency_key_space();
