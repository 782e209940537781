-- Corrections are journal entries (docs/ledger.md, "Corrections"): an ADMIN adjusts what a settled reservation was
-- charged, down to zero (a reversal) or up, with a reason. The SETTLE stays as it was; each money budget of the
-- chain gets an ADJUST entry whose spent_delta is the change, whose amount is the net charge after it, and whose note
-- is the reason; the reservation keeps the sum of its corrections in adjustment, so charged + adjustment is what it
-- costs now. Token budgets count what was used, which a correction of the price does not change.

ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_valid;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_valid CHECK (kind IN (
    'OPEN', 'LIMIT_CHANGE', 'RESERVE', 'SETTLE', 'RELEASE', 'EXPIRE', 'PERIOD_RESET', 'FREEZE', 'UNFREEZE',
    'MODE_CHANGE', 'ADJUST'));
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_reservation_kinds;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_reservation_kinds CHECK (
    (kind IN ('RESERVE', 'SETTLE', 'RELEASE', 'EXPIRE', 'ADJUST')) = (reservation_id IS NOT NULL));
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_adjust_has_reason CHECK (
    kind <> 'ADJUST' OR note IS NOT NULL);

ALTER TABLE reservations
    ADD COLUMN adjustment numeric(38,18) NOT NULL DEFAULT 0,
    ADD CONSTRAINT reservations_adjusted_only_when_settled CHECK (adjustment = 0 OR status = 'SETTLED'),
    ADD CONSTRAINT reservations_net_charge_non_negative CHECK (charged IS NULL OR charged + adjustment >= 0);

-- Corrections are audited, with the reservation as their target.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_valid;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_valid CHECK (action IN (
    'BUDGET_CREATE', 'BUDGET_UPDATE', 'BUDGET_FREEZE', 'BUDGET_UNFREEZE', 'PRICE_PUT', 'API_KEY_CREATE',
    'API_KEY_REVOKE', 'WEBHOOK_CREATE', 'WEBHOOK_UPDATE', 'WEBHOOK_DELETE', 'WEBHOOK_ROTATE_SECRET',
    'WEBHOOK_DELIVERY_RETRY', 'RESERVATION_ADJUST'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_type_valid;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_type_valid CHECK (target_type IN ('BUDGET', 'PRICE', 'API_KEY',
    'WEBHOOK', 'RESERVATION'));

-- A correction is evented as reservation.adjusted. NOT VALID: the rows already there are of the old types, and
-- checking them would scan the whole events table under its lock during an upgrade; new rows are checked.
ALTER TABLE events DROP CONSTRAINT events_type_valid;
ALTER TABLE events ADD CONSTRAINT events_type_valid CHECK (type IN ('budget.threshold_crossed', 'budget.exhausted',
    'budget.projected_exhaustion', 'budget.frozen', 'budget.unfrozen', 'budget.period_reset', 'reservation.denied',
    'reservation.overrun', 'reservation.expired', 'reservation.adjusted')) NOT VALID;
