-- The tenant (root budget) on the last tables of tenant data that did not carry it, with foreign keys that check
-- it, as V9 did for the others: every row that belongs to one tree names the tree, which is what sharding by tenant
-- (docs/scaling.md) needs. Denials had the column already; forecasts and webhook deliveries get it here.

ALTER TABLE denials
    ADD CONSTRAINT denials_budget_root_fk FOREIGN KEY (root_id, budget_id) REFERENCES budgets (root_id, id),
    ADD CONSTRAINT denials_denied_by_root_fk FOREIGN KEY (root_id, denied_by) REFERENCES budgets (root_id, id);

ALTER TABLE exhaustion_forecasts ADD COLUMN root_id uuid;
UPDATE exhaustion_forecasts f SET root_id = b.root_id FROM budgets b WHERE b.id = f.budget_id;
ALTER TABLE exhaustion_forecasts
    ALTER COLUMN root_id SET NOT NULL,
    ADD CONSTRAINT exhaustion_forecasts_budget_root_fk FOREIGN KEY (root_id, budget_id)
        REFERENCES budgets (root_id, id);

ALTER TABLE webhook_deliveries ADD COLUMN root_id uuid;
UPDATE webhook_deliveries d SET root_id = e.root_id FROM events e WHERE e.id = d.event_position;
ALTER TABLE webhook_deliveries
    ALTER COLUMN root_id SET NOT NULL,
    ADD CONSTRAINT webhook_deliveries_budget_root_fk FOREIGN KEY (root_id, budget_id)
        REFERENCES budgets (root_id, id);
-- No (root_id, event_position) key to events yet: it needs a unique index on events (root_id, id), which a denied
-- reserve would wait for while it is built; the Citus conversion makes that the events' primary key anyway
-- (docs/scaling.md).

-- During a rolling upgrade (docs/operations.md) instances of the previous release still insert forecasts and
-- deliveries without root_id: fill it from the row's budget, so they keep working on this schema. A later release
-- drops the triggers, once no writer leaves the column out.
CREATE FUNCTION fill_root_id_from_budget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.root_id IS NULL THEN
        SELECT b.root_id INTO NEW.root_id FROM budgets b WHERE b.id = NEW.budget_id;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER exhaustion_forecasts_fill_root_id BEFORE INSERT ON exhaustion_forecasts
    FOR EACH ROW EXECUTE FUNCTION fill_root_id_from_budget();
CREATE TRIGGER webhook_deliveries_fill_root_id BEFORE INSERT ON webhook_deliveries
    FOR EACH ROW EXECUTE FUNCTION fill_root_id_from_budget();
