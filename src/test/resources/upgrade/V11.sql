-- As V10 and V11 write it: every row names its tree (root_id), and reserves and settles go through ledger_write,
-- as the service's batched writer calls it. A budget opened, two holds reserved in one batch, one settled in the
-- next, a forecast and a delivery written without root_id by the previous release (the triggers fill it).
INSERT INTO budgets (id, name, unit, limit_amount, spent, reserved, status, created_at, updated_at, root_id, depth,
    ancestors, held_count, calls_in_period)
VALUES ('b0000000-0000-0000-0000-000000000001', 'v11 root', 'USD', 40, 0, 0, 'ACTIVE', '2026-03-01T00:00:00Z',
    '2026-03-01T00:00:00Z', 'b0000000-0000-0000-0000-000000000001', 0, '{b0000000-0000-0000-0000-000000000001}', 0, 0);
INSERT INTO journal_entries (budget_id, root_id, kind, amount, limit_after, created_at)
VALUES ('b0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 'OPEN', 40, 40,
    '2026-03-01T00:00:00Z');

SELECT ledger_write(
    '[{"id": "b1000000-0000-0000-0000-000000000001", "budget_id": "b0000000-0000-0000-0000-000000000001",
       "root_id": "b0000000-0000-0000-0000-000000000001", "currency": "USD", "amount": 4, "downgraded": false,
       "capped": false, "metadata": {}, "expires_at": "2030-01-01T00:00:00Z"},
      {"id": "b1000000-0000-0000-0000-000000000002", "budget_id": "b0000000-0000-0000-0000-000000000001",
       "root_id": "b0000000-0000-0000-0000-000000000001", "currency": "USD", "amount": 0.0045,
       "model": "fixture-model", "requested_model": "fixture-model", "input_tokens": 1000, "max_output_tokens": 200,
       "input_price": 2.5, "output_price": 10, "downgraded": false, "capped": false, "metadata": {"step": 2},
       "expires_at": "2030-01-01T00:00:00Z"}]',
    '[]',
    '[{"n": 1, "budget_id": "b0000000-0000-0000-0000-000000000001", "root_id": "b0000000-0000-0000-0000-000000000001",
       "reservation_id": "b1000000-0000-0000-0000-000000000001", "kind": "RESERVE", "amount": 4,
       "spent_delta": 0, "reserved_delta": 4},
      {"n": 2, "budget_id": "b0000000-0000-0000-0000-000000000001", "root_id": "b0000000-0000-0000-0000-000000000001",
       "reservation_id": "b1000000-0000-0000-0000-000000000002", "kind": "RESERVE", "amount": 0.0045,
       "spent_delta": 0, "reserved_delta": 0.0045}]',
    '[{"id": "b0000000-0000-0000-0000-000000000001", "spent": 0, "reserved": 4.0045, "held": 2, "calls": 2}]',
    '2026-03-01T00:01:00Z');

SELECT ledger_write('[]',
    '[{"id": "b1000000-0000-0000-0000-000000000002", "charged": 0.003, "released": 0.0015, "input": 1000,
       "output": 50, "late": false}]',
    '[{"n": 1, "budget_id": "b0000000-0000-0000-0000-000000000001", "root_id": "b0000000-0000-0000-0000-000000000001",
       "reservation_id": "b1000000-0000-0000-0000-000000000002", "kind": "SETTLE", "amount": 0.003,
       "spent_delta": 0.003, "reserved_delta": -0.0045}]',
    '[{"id": "b0000000-0000-0000-0000-000000000001", "spent": 0.003, "reserved": -0.0045, "held": -1, "calls": 0}]',
    '2026-03-01T00:02:00Z');

INSERT INTO exhaustion_forecasts (budget_id, period_start, projected_at, forecast_at)
VALUES ('b0000000-0000-0000-0000-000000000001', '2026-03-01T00:00:00Z', '2026-03-20T00:00:00Z',
    '2026-03-01T00:03:00Z');
INSERT INTO events (event_id, type, budget_id, root_id, data, created_at, fanned_out_at)
VALUES ('b2000000-0000-0000-0000-000000000001', 'budget.projected_exhaustion', 'b0000000-0000-0000-0000-000000000001',
    'b0000000-0000-0000-0000-000000000001', '{"projectedAt": "2026-03-20T00:00:00Z"}', '2026-03-01T00:03:00Z',
    '2026-03-01T00:03:01Z');
INSERT INTO webhook_deliveries (id, webhook_id, event_position, event_id, event_type, budget_id, status, next_attempt_at,
    created_at)
SELECT 'b3000000-0000-0000-0000-000000000001', '60000000-0000-0000-0000-000000000002', e.id, e.event_id, e.type,
    e.budget_id, 'PENDING', e.created_at, e.created_at
FROM events e WHERE e.event_id = 'b2000000-0000-0000-0000-000000000001';
