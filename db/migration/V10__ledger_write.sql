-- The writes of a batch of reserves and settles in one call (ledger.LedgerWrites): the new reservations, the
-- settled ones, every journal entry in the order given, and one update per budget with the batch's net change.
-- The service computes every figure; this only stores them, in one round trip.
--
-- A function rather than one statement with UPDATE ... FROM json_to_recordset(...): PostgreSQL cannot know how
-- few rows a json_to_recordset yields (it guesses 100), so it joined by scanning the whole table, and a plan made
-- while the tables were small stayed cached on the connection as they grew. Here every row is updated by its
-- primary key, a plan that stays right at any size.

CREATE FUNCTION ledger_write(holds json, settles json, journal json, moves json, at timestamptz)
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
            late boolean) LOOP
        UPDATE reservations SET status = 'SETTLED', charged = s.charged, charged_tokens = s.charged_tokens,
            released = s.released, settled_input_tokens = s.input, settled_output_tokens = s.output,
            settled_cache_read_tokens = s.cache_read, settled_cache_write_tokens = s.cache_write,
            settled_reasoning_tokens = s.reasoning, late = s.late, updated_at = at,
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
