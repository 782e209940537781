-- Installations that ran V2 on a database with open holds before its fix (database.MigrationFixes) got held_count 0
-- on budgets whose holds were still open: settling or expiring such a hold would take it below zero, which the
-- CHECK refuses, so those holds stay HELD and the reconciliation reports a HOLDS discrepancy. Counted again here
-- as the reconciliation counts it (the HELD reservations on a budget or below it); a correct count is left alone.
-- The table lock keeps ledger writes out while counting, so no hold changes between the count and the update.
LOCK TABLE budgets IN SHARE ROW EXCLUSIVE MODE;

UPDATE budgets b SET held_count = coalesce(h.n, 0)
FROM budgets target
LEFT JOIN (
    SELECT a.id AS budget_id, count(*) AS n
    FROM reservations r JOIN budgets leaf ON leaf.id = r.budget_id JOIN budgets a ON a.id = ANY(leaf.ancestors)
    WHERE r.status = 'HELD' GROUP BY a.id) h ON h.budget_id = target.id
WHERE target.id = b.id AND b.held_count <> coalesce(h.n, 0);
