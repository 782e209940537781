-- A settle is bounded like a card capture against its authorization (docs/ledger.md, "Overruns"): each budget says
-- how far above its hold a settle may charge, relative to the hold and/or absolutely (in the budget's unit), and
-- what happens beyond that ceiling: REJECT refuses the settle, CAP charges the ceiling and records what was asked.
-- Existing budgets get the documented default: up to the hold again (ratio 1, a charge of at most twice the hold),
-- no absolute ceiling, refused beyond it.

ALTER TABLE budgets
    ADD COLUMN max_overrun_ratio numeric(38,18) NOT NULL DEFAULT 1,
    ADD COLUMN max_overrun numeric(38,18),
    ADD COLUMN overrun_action varchar(8) NOT NULL DEFAULT 'REJECT',
    ADD CONSTRAINT budgets_max_overrun_ratio_valid CHECK (max_overrun_ratio >= 0 AND max_overrun_ratio <= 1000000),
    ADD CONSTRAINT budgets_max_overrun_non_negative CHECK (max_overrun IS NULL OR max_overrun >= 0),
    ADD CONSTRAINT budgets_overrun_action_valid CHECK (overrun_action IN ('REJECT', 'CAP'));

-- What a settle asked to charge when the ceiling capped it (charged is then the ceiling); NULL otherwise.
ALTER TABLE reservations
    ADD COLUMN claimed numeric(38,18),
    ADD CONSTRAINT reservations_claimed_above_charge CHECK (claimed IS NULL OR (charged IS NOT NULL AND claimed > charged));

-- ledger_write as in V10, also storing claimed. Same signature, so an instance of the previous release (which
-- sends no claimed) keeps working during a rolling upgrade.
CREATE OR REPLACE FUNCTION ledger_write(holds json, settles json, journal json, moves json, at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s record;
    m record;
BEGIN
    INSERT INTO reservations (id, budget_id, root_id, status, currency, amount, tokens, model, requested_model,
        downgraded, capped, input_tokens, max_output_tokens, input_price_per_million, output_price_per_million,
        cache_read_price_per_million, cache_write_price_per_million, reasoning_price_per_million, metadata,
        expires_at, created_at, updated_at, api_key_id, idempotency_key)
    SELECT h.id, h.budget_id, h.root_id, 'HELD', h.currency, h.amount, h.tokens, h.model, h.requested_model,
        h.downgraded, h.capped, h.input_tokens, h.max_output_tokens, h.input_price, h.output_price,
        h.cache_read_price, h.cache_write_price, h.reasoning_price, h.metadata, h.expires_at, at, at, h.api_key_id,
        h.idempotency_key
    FROM json_to_recordset(holds) AS h(id uuid, budget_id uuid, root_id uuid, currency text, amount numeric,
        tokens bigint, model text, requested_model text, downgraded boolean, capped boolean, input_tokens bigint,
        max_output_tokens bigint, input_price numeric, output_price numeric, cache_read_price numeric,
        cache_write_price numeric, reasoning_price numeric, metadata jsonb, expires_at timestamptz,
        api_key_id uuid, idempotency_key text);

    FOR s IN SELECT * FROM json_to_recordset(settles) AS x(id uuid, charged numeric, charged_tokens bigint,
            released numeric, input bigint, output bigint, cache_read bigint, cache_write bigint, reasoning bigint,
            late boolean, claimed numeric) LOOP
        UPDATE reservations SET status = 'SETTLED', charged = s.charged, charged_tokens = s.charged_tokens,
            released = s.released, settled_input_tokens = s.input, settled_output_tokens = s.output,
            settled_cache_read_tokens = s.cache_read, settled_cache_write_tokens = s.cache_write,
            settled_reasoning_tokens = s.reasoning, late = s.late, claimed = s.claimed, updated_at = at,
            finished_at = coalesce(finished_at, at)
        WHERE id = s.id;
    END LOOP;

    INSERT INTO journal_entries (budget_id, root_id, reservation_id, kind, amount, spent_delta, reserved_delta,
        created_at)
    SELECT j.budget_id, j.root_id, j.reservation_id, j.kind, j.amount, j.spent_delta, j.reserved_delta, at
    FROM json_to_recordset(journal) AS j(n int, budget_id uuid, root_id uuid, reservation_id uuid, kind text,
        amount numeric, spent_delta numeric, reserved_delta numeric)
    ORDER BY j.n;

    FOR m IN SELECT * FROM json_to_recordset(moves) AS x(id uuid, spent numeric, reserved numeric, held int,
            calls int) LOOP
        UPDATE budgets SET spent = spent + m.spent, reserved = reserved + m.reserved,
            held_count = held_count + m.held, calls_in_period = calls_in_period + m.calls, updated_at = at
        WHERE id = m.id;
    END LOOP;
END;
$$;
