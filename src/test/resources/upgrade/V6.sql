-- As V6 wrote it: a webhook on the tree and one on everything, events fanned out to them, and deliveries in every
-- state (one still waiting, its event not yet fanned out to the second endpoint).
INSERT INTO webhooks (id, url, event_types, budget_id, format, enabled, description, secret, previous_secret,
    previous_secret_expires_at, created_at, updated_at)
VALUES
    ('60000000-0000-0000-0000-000000000001', 'https://hooks.example.com/ledger', '{budget.threshold_crossed,budget.frozen}',
     '20000000-0000-0000-0000-000000000001', 'standard', true, 'tree alerts', 'whsec_fixture_1', 'whsec_fixture_0',
     '2030-01-01T00:00:00Z', '2026-01-07T00:00:00Z', '2026-01-08T00:00:00Z'),
    ('60000000-0000-0000-0000-000000000002', 'https://hooks.slack.com/services/T/B/X', '{budget.frozen}', NULL,
     'slack', true, NULL, 'whsec_fixture_2', NULL, NULL, '2026-01-07T00:00:00Z', '2026-01-07T00:00:00Z');

INSERT INTO events (event_id, type, budget_id, root_id, reservation_id, data, created_at, fanned_out_at)
VALUES
    ('60000000-0000-0000-0000-0000000000e1', 'budget.frozen', '20000000-0000-0000-0000-000000000005',
     '20000000-0000-0000-0000-000000000005', NULL, '{"reason": "runaway agent"}', '2026-01-08T00:00:00Z',
     '2026-01-08T00:00:01Z'),
    ('60000000-0000-0000-0000-0000000000e2', 'budget.threshold_crossed', '20000000-0000-0000-0000-000000000002',
     '20000000-0000-0000-0000-000000000001', NULL, '{"threshold": "0.5"}', '2026-01-09T00:00:00Z', NULL);

INSERT INTO webhook_deliveries (id, webhook_id, event_position, event_id, event_type, budget_id, status, attempts,
    last_status_code, last_response_body, last_error, next_attempt_at, claim_token, created_at, delivered_at)
SELECT d.id, d.webhook_id, e.id, e.event_id, e.type, e.budget_id, d.status, d.attempts, d.code, d.body, d.error,
    d.next_at, NULL, e.created_at, d.delivered_at
FROM (VALUES
    ('61000000-0000-0000-0000-000000000001'::uuid, '60000000-0000-0000-0000-000000000002'::uuid,
     '60000000-0000-0000-0000-0000000000e1'::uuid, 'SUCCEEDED', 1, 200, 'ok', NULL, '2026-01-08T00:00:01Z'::timestamptz,
     '2026-01-08T00:00:02Z'::timestamptz),
    ('61000000-0000-0000-0000-000000000002', '60000000-0000-0000-0000-000000000001',
     '50000000-0000-0000-0000-000000000001', 'DEAD', 10, 500, 'boom', 'HTTP 500', '2026-01-09T00:00:00Z', NULL),
    ('61000000-0000-0000-0000-000000000003', '60000000-0000-0000-0000-000000000001',
     '60000000-0000-0000-0000-0000000000e2', 'FAILED', 2, NULL, NULL, 'connect timed out', '2026-01-09T00:01:00Z',
     NULL),
    ('61000000-0000-0000-0000-000000000004', '60000000-0000-0000-0000-000000000002',
     '50000000-0000-0000-0000-000000000002', 'PENDING', 0, NULL, NULL, NULL, '2026-01-09T00:00:00Z', NULL))
    AS d(id, webhook_id, event_uuid, status, attempts, code, body, error, next_at, delivered_at)
JOIN events e ON e.event_id = d.event_uuid;

INSERT INTO audit_log (actor_key_id, actor_name, action, target_type, target_id, before, after, created_at)
VALUES ('30000000-0000-0000-0000-0000000000a1', 'ops', 'WEBHOOK_CREATE', 'WEBHOOK',
    '60000000-0000-0000-0000-000000000001', NULL, '{"url": "https://hooks.example.com/ledger"}', '2026-01-07T00:00:00Z');
