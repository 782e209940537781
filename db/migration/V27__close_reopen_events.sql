-- Closing and reopening a budget are evented (budget.closed, budget.reopened) in the transaction that journals them,
-- as freezing is. NOT VALID, as in the corrections migration: existing rows are of the old types and checking them
-- would scan the events table.
ALTER TABLE events DROP CONSTRAINT events_type_valid;
ALTER TABLE events ADD CONSTRAINT events_type_valid CHECK (type IN ('budget.threshold_crossed', 'budget.exhausted',
    'budget.projected_exhaustion', 'budget.frozen', 'budget.unfrozen', 'budget.period_reset', 'budget.charged',
    'budget.closed', 'budget.reopened', 'reservation.denied', 'reservation.overrun', 'reservation.expired',
    'reservation.adjusted')) NOT VALID;
