-- Holds that fit the work. A held reservation may grow or shrink (POST /v1/reservations/{id}/extend with
-- maxOutputTokens or amount): journaled as RESIZE on every level of its chain, reserved_delta the change (either
-- sign), amount the hold on that level after it. And a budget may hold at most max_hold_output_tokens output tokens
-- per reservation on it or below it: a reserve asking more is held at the cap (capped), so worst-case estimates do
-- not starve it.
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_valid;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_valid CHECK (kind IN (
    'OPEN', 'LIMIT_CHANGE', 'RESERVE', 'SETTLE', 'RELEASE', 'EXPIRE', 'PERIOD_RESET', 'FREEZE', 'UNFREEZE',
    'MODE_CHANGE', 'ADJUST', 'CHARGE', 'RESIZE'));
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_reservation_kinds;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_reservation_kinds CHECK (
    (kind IN ('RESERVE', 'SETTLE', 'RELEASE', 'EXPIRE', 'ADJUST', 'RESIZE')) = (reservation_id IS NOT NULL));
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_resize_moves_only_reserved CHECK (
    kind <> 'RESIZE' OR spent_delta = 0);

ALTER TABLE budgets ADD COLUMN max_hold_output_tokens bigint;
ALTER TABLE budgets ADD CONSTRAINT budgets_max_hold_output_tokens_positive CHECK (
    max_hold_output_tokens IS NULL OR max_hold_output_tokens >= 1);
