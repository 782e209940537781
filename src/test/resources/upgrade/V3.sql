-- As V3 wrote it: API keys (an admin key, a client key bound to the tree's root, a revoked one), the audit log of
-- their creation, and a hold made with an Idempotency-Key whose answer is stored under the client's key.
INSERT INTO api_keys (id, name, role, budget_id, prefix, secret_hash, created_at, expires_at, revoked_at)
VALUES
    ('30000000-0000-0000-0000-0000000000a1', 'ops', 'ADMIN', NULL, 'bl_live_AdMiN0',
     sha256(convert_to('fixture admin key', 'UTF8')), '2026-01-05T00:00:00Z', NULL, NULL),
    ('30000000-0000-0000-0000-0000000000c1', 'agent', 'CLIENT', '20000000-0000-0000-0000-000000000001',
     'bl_live_ClIeNt', sha256(convert_to('fixture client key', 'UTF8')), '2026-01-05T00:00:00Z',
     '2027-01-05T00:00:00Z', NULL),
    ('30000000-0000-0000-0000-0000000000c2', 'old agent', 'CLIENT', NULL, 'bl_live_OlDkEy',
     sha256(convert_to('fixture revoked key', 'UTF8')), '2026-01-05T00:00:00Z', NULL, '2026-01-06T00:00:00Z');

INSERT INTO audit_log (actor_key_id, actor_name, action, target_type, target_id, before, after, created_at)
VALUES
    (NULL, 'bootstrap', 'API_KEY_CREATE', 'API_KEY', '30000000-0000-0000-0000-0000000000a1', NULL,
     '{"name": "ops", "role": "ADMIN"}', '2026-01-05T00:00:00Z'),
    ('30000000-0000-0000-0000-0000000000a1', 'ops', 'API_KEY_CREATE', 'API_KEY',
     '30000000-0000-0000-0000-0000000000c1', NULL, '{"name": "agent", "role": "CLIENT"}', '2026-01-05T00:00:00Z'),
    ('30000000-0000-0000-0000-0000000000a1', 'ops', 'API_KEY_REVOKE', 'API_KEY',
     '30000000-0000-0000-0000-0000000000c2', '{"revokedAt": null}', '{"revokedAt": "2026-01-06T00:00:00Z"}',
     '2026-01-06T00:00:00Z'),
    ('30000000-0000-0000-0000-0000000000a1', 'ops', 'BUDGET_CREATE', 'BUDGET',
     '30000000-0000-0000-0000-000000000001', NULL, '{"name": "v3 flat", "limit": "25"}', '2026-01-06T00:00:00Z');

INSERT INTO budgets (id, name, unit, limit_amount, spent, reserved, status, created_at, updated_at, root_id, depth,
    ancestors, held_count, calls_in_period)
VALUES ('30000000-0000-0000-0000-000000000001', 'v3 flat', 'USD', 25, 0, 1.5, 'ACTIVE', '2026-01-06T00:00:00Z',
    '2026-01-06T00:01:00Z', '30000000-0000-0000-0000-000000000001', 0, '{30000000-0000-0000-0000-000000000001}', 1, 1);

INSERT INTO reservations (id, budget_id, status, currency, amount, late, expires_at, created_at, updated_at)
VALUES ('31000000-0000-0000-0000-000000000001', '30000000-0000-0000-0000-000000000001', 'HELD', 'USD', 1.5, false,
    '2030-01-01T00:00:00Z', '2026-01-06T00:01:00Z', '2026-01-06T00:01:00Z');

INSERT INTO journal_entries (budget_id, reservation_id, kind, amount, spent_delta, reserved_delta, limit_after,
    created_at)
VALUES
    ('30000000-0000-0000-0000-000000000001', NULL, 'OPEN', 25, 0, 0, 25, '2026-01-06T00:00:00Z'),
    ('30000000-0000-0000-0000-000000000001', '31000000-0000-0000-0000-000000000001', 'RESERVE', 1.5, 0, 1.5, NULL,
     '2026-01-06T00:01:00Z');

INSERT INTO idempotency_keys (api_key_id, idempotency_key, request_hash, response_status, response_body, location,
    created_at, expires_at)
VALUES
    ('30000000-0000-0000-0000-0000000000a1', 'v3-reserve-1', repeat('b', 64), 201,
     '{"id": "31000000-0000-0000-0000-000000000001"}', '/v1/reservations/31000000-0000-0000-0000-000000000001',
     '2026-01-06T00:01:00Z', '2030-01-07T00:01:00Z'),
    ('30000000-0000-0000-0000-0000000000c1', 'v3-denied-1', repeat('c', 64), 402,
     '{"decision": "DENY"}', NULL, '2026-01-06T00:02:00Z', '2030-01-07T00:02:00Z');
