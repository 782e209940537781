-- As V14 (and every version since V3) stored it: Idempotency-Keys belong to the API key that sent them. The client
-- key bound to the tree's root was rotated: the old key and its replacement each used 'v14-denied', two days
-- apart (both answers kept, the older one expired but not yet purged), and the admin key used it too. From V16
-- the two client keys share their budget's key space, so only the newer answer stays there; the admin's stays in
-- its own space.
INSERT INTO api_keys (id, name, role, budget_id, prefix, secret_hash, created_at, expires_at, revoked_at)
VALUES ('30000000-0000-0000-0000-0000000000c3', 'agent (rotated)', 'CLIENT', '20000000-0000-0000-0000-000000000001',
    'bl_live_RoTaTe', sha256(convert_to('fixture rotated client key', 'UTF8')), '2026-04-01T00:00:00Z', NULL, NULL);
INSERT INTO idempotency_keys (api_key_id, idempotency_key, request_hash, response_status, response_body, location,
    created_at, expires_at)
VALUES
    ('30000000-0000-0000-0000-0000000000c1', 'v14-denied', repeat('e', 64), 402, '{"decision": "DENY"}', NULL,
     '2026-04-01T00:00:00Z', '2026-04-02T00:00:00Z'),
    ('30000000-0000-0000-0000-0000000000c3', 'v14-denied', repeat('f', 64), 402, '{"decision": "DENY"}', NULL,
     '2026-04-03T00:00:00Z', '2030-04-04T00:00:00Z'),
    ('30000000-0000-0000-0000-0000000000a1', 'v14-denied', repeat('f', 64), 402, '{"decision": "DENY"}', NULL,
     '2026-04-03T00:00:00Z', '2030-04-04T00:00:00Z');
