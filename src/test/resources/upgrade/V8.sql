-- As V8 wrote it: a mode change journaled with its new mode, and a hold that remembers the Idempotency-Key (and
-- API key) of the reserve that created it, next to the stored answer.
UPDATE budgets SET mode = 'SOFT', updated_at = '2026-02-04T00:00:00Z' WHERE id = '30000000-0000-0000-0000-000000000001';
INSERT INTO journal_entries (budget_id, kind, amount, note, created_at)
VALUES ('30000000-0000-0000-0000-000000000001', 'MODE_CHANGE', 0, 'SOFT', '2026-02-04T00:00:00Z');

UPDATE budgets SET reserved = reserved + 2, held_count = held_count + 1, calls_in_period = calls_in_period + 1,
    updated_at = '2026-02-04T00:01:00Z'
WHERE id = '30000000-0000-0000-0000-000000000001';
INSERT INTO reservations (id, budget_id, status, currency, amount, late, expires_at, created_at, updated_at,
    api_key_id, idempotency_key)
VALUES ('81000000-0000-0000-0000-000000000001', '30000000-0000-0000-0000-000000000001', 'HELD', 'USD', 2, false,
    '2030-01-01T00:00:00Z', '2026-02-04T00:01:00Z', '2026-02-04T00:01:00Z', '30000000-0000-0000-0000-0000000000a1',
    'v8-reserve-1');
INSERT INTO journal_entries (budget_id, reservation_id, kind, amount, reserved_delta, created_at)
VALUES ('30000000-0000-0000-0000-000000000001', '81000000-0000-0000-0000-000000000001', 'RESERVE', 2, 2,
    '2026-02-04T00:01:00Z');
INSERT INTO idempotency_keys (api_key_id, idempotency_key, request_hash, response_status, response_body, location,
    created_at, expires_at)
VALUES ('30000000-0000-0000-0000-0000000000a1', 'v8-reserve-1', repeat('d', 64), 201,
    '{"id": "81000000-0000-0000-0000-000000000001"}', '/v1/reservations/81000000-0000-0000-0000-000000000001',
    '2026-02-04T00:01:00Z', '2030-02-05T00:01:00Z');
