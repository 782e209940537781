-- The tenant, root_id, on every row that belongs to a budget tree, so the ledger can be sharded by root budget
-- (e.g. Citus: every tree's rows on one shard, every reserve and settle a single-shard transaction; see
-- docs/scaling.md). budgets (V2) and events (V5) have it already. The composite foreign keys both check that a
-- row's root_id is its budget's and are the co-located form a distributed table needs.

ALTER TABLE budgets ADD CONSTRAINT budgets_root_id_unique UNIQUE (root_id, id);

ALTER TABLE reservations ADD COLUMN root_id uuid;
UPDATE reservations r SET root_id = b.root_id FROM budgets b WHERE b.id = r.budget_id;
ALTER TABLE reservations
    ALTER COLUMN root_id SET NOT NULL,
    ADD CONSTRAINT reservations_root_id_unique UNIQUE (root_id, id),
    ADD CONSTRAINT reservations_budget_root_fk FOREIGN KEY (root_id, budget_id) REFERENCES budgets (root_id, id),
    DROP CONSTRAINT reservations_budget_fk;

ALTER TABLE journal_entries ADD COLUMN root_id uuid;
UPDATE journal_entries j SET root_id = b.root_id FROM budgets b WHERE b.id = j.budget_id;
ALTER TABLE journal_entries
    ALTER COLUMN root_id SET NOT NULL,
    ADD CONSTRAINT journal_entries_budget_root_fk FOREIGN KEY (root_id, budget_id) REFERENCES budgets (root_id, id),
    ADD CONSTRAINT journal_entries_reservation_root_fk FOREIGN KEY (root_id, reservation_id)
        REFERENCES reservations (root_id, id),
    DROP CONSTRAINT journal_entries_budget_fk,
    DROP CONSTRAINT journal_entries_reservation_fk;

ALTER TABLE budget_periods ADD COLUMN root_id uuid;
UPDATE budget_periods p SET root_id = b.root_id FROM budgets b WHERE b.id = p.budget_id;
ALTER TABLE budget_periods
    ALTER COLUMN root_id SET NOT NULL,
    ADD CONSTRAINT budget_periods_budget_root_fk FOREIGN KEY (root_id, budget_id) REFERENCES budgets (root_id, id),
    DROP CONSTRAINT budget_periods_budget_fk;

ALTER TABLE threshold_crossings ADD COLUMN root_id uuid;
UPDATE threshold_crossings t SET root_id = b.root_id FROM budgets b WHERE b.id = t.budget_id;
ALTER TABLE threshold_crossings
    ALTER COLUMN root_id SET NOT NULL,
    ADD CONSTRAINT threshold_crossings_budget_root_fk FOREIGN KEY (root_id, budget_id) REFERENCES budgets (root_id, id),
    DROP CONSTRAINT threshold_crossings_budget_fk;

ALTER TABLE events
    ADD CONSTRAINT events_budget_root_fk FOREIGN KEY (root_id, budget_id) REFERENCES budgets (root_id, id),
    DROP CONSTRAINT events_budget_fk;
