-- What the reconciliation needs to prove two more invariants from the data alone.

-- A reservation remembers the Idempotency-Key (and the API key it belongs to) of the reserve that created it, so
-- the reconciliation can show that no key ever took effect twice. Null for reserves sent without a key. Not unique:
-- a key may be used again once its retention is over, and the reconciliation reports doubles within it.
ALTER TABLE reservations
    ADD COLUMN api_key_id uuid,
    ADD COLUMN idempotency_key varchar(255),
    ADD CONSTRAINT reservations_idempotency_key_has_api_key CHECK (idempotency_key IS NULL OR api_key_id IS NOT NULL);

-- A change of mode (HARD / SOFT) is journaled, its note the new mode, so replaying the journal knows which
-- reserves a HARD limit bound. Budgets changed before this migration count with their current mode.
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_valid;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_valid CHECK (kind IN (
    'OPEN', 'LIMIT_CHANGE', 'RESERVE', 'SETTLE', 'RELEASE', 'EXPIRE', 'PERIOD_RESET', 'FREEZE', 'UNFREEZE',
    'MODE_CHANGE'));
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_mode_change_noted CHECK (
    kind <> 'MODE_CHANGE' OR note IN ('HARD', 'SOFT'));
