-- deniedCount now means what callsInPeriod means: the reserves denied on a budget or anywhere below it, in its
-- current period (the ledger counts a denial on every level of the chain and resets the count with the period).
-- Until now it counted the reserves made on the budget itself, since it was created. Recounted from the denials
-- recorded since V7 (an installation older than that has no record of its earlier denials, which are then left out).
UPDATE budgets b SET denied_count = (
    SELECT count(*)
    FROM denials d JOIN budgets made_on ON made_on.id = d.budget_id
    WHERE made_on.ancestors @> ARRAY[b.id]
      AND d.created_at >= coalesce(b.period_start, b.created_at));
