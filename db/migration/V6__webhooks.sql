-- Webhooks: endpoints that receive the outbox events, and one delivery row per (endpoint, event).
-- The secret is kept (not hashed) because every delivery is signed with it; it is never returned after the
-- create/rotate answer, never logged and never audited (see docs/alerts.md).
CREATE TABLE webhooks (
    id                          uuid          NOT NULL,
    url                         varchar(2000) NOT NULL,
    event_types                 text[]        NOT NULL,
    budget_id                   uuid,
    format                      varchar(16)   NOT NULL,
    enabled                     boolean       NOT NULL,
    description                 varchar(500),
    secret                      varchar(100)  NOT NULL,
    previous_secret             varchar(100),
    previous_secret_expires_at  timestamptz,
    created_at                  timestamptz   NOT NULL,
    updated_at                  timestamptz   NOT NULL,
    CONSTRAINT webhooks_pk PRIMARY KEY (id),
    CONSTRAINT webhooks_budget_fk FOREIGN KEY (budget_id) REFERENCES budgets (id),
    CONSTRAINT webhooks_format_valid CHECK (format IN ('standard', 'slack')),
    CONSTRAINT webhooks_events_not_empty CHECK (cardinality(event_types) > 0),
    CONSTRAINT webhooks_previous_secret_paired CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))
);

CREATE TABLE webhook_deliveries (
    seq                 bigint GENERATED ALWAYS AS IDENTITY,
    id                  uuid          NOT NULL,
    webhook_id          uuid          NOT NULL,
    event_position      bigint        NOT NULL,
    event_id            uuid          NOT NULL,
    event_type          varchar(40)   NOT NULL,
    budget_id           uuid          NOT NULL,
    status              varchar(16)   NOT NULL,
    attempts            integer       NOT NULL DEFAULT 0,
    last_status_code    integer,
    last_response_body  varchar(1024),
    last_error          varchar(500),
    next_attempt_at     timestamptz   NOT NULL,
    claim_token         uuid,
    created_at          timestamptz   NOT NULL,
    delivered_at        timestamptz,
    CONSTRAINT webhook_deliveries_pk PRIMARY KEY (seq),
    CONSTRAINT webhook_deliveries_id_unique UNIQUE (id),
    -- At most one delivery of an event to an endpoint, whatever the number of fan-out instances.
    CONSTRAINT webhook_deliveries_once UNIQUE (webhook_id, event_position),
    CONSTRAINT webhook_deliveries_webhook_fk FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_event_fk FOREIGN KEY (event_position) REFERENCES events (id),
    CONSTRAINT webhook_deliveries_status_valid CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'DEAD')),
    CONSTRAINT webhook_deliveries_attempts_not_negative CHECK (attempts >= 0)
);

-- The dispatcher's two questions: what is due, and is an earlier event of the same budget still open.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('PENDING', 'FAILED');
CREATE INDEX webhook_deliveries_open_per_budget ON webhook_deliveries (webhook_id, budget_id, event_position)
    WHERE status IN ('PENDING', 'FAILED');
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, seq);

-- Fan-out marks each outbox event once it has made its deliveries. Nullable without a default: adding it rewrites
-- nothing, and the reserve path's INSERT stays as it is. Events from before webhooks existed count as done.
ALTER TABLE events ADD COLUMN fanned_out_at timestamptz;
UPDATE events SET fanned_out_at = created_at;
CREATE INDEX events_awaiting_fan_out ON events (id) WHERE fanned_out_at IS NULL;

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_valid;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_valid CHECK (action IN (
    'BUDGET_CREATE', 'BUDGET_UPDATE', 'BUDGET_FREEZE', 'BUDGET_UNFREEZE', 'PRICE_PUT', 'API_KEY_CREATE',
    'API_KEY_REVOKE', 'WEBHOOK_CREATE', 'WEBHOOK_UPDATE', 'WEBHOOK_DELETE', 'WEBHOOK_ROTATE_SECRET',
    'WEBHOOK_DELIVERY_RETRY'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_type_valid;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_type_valid CHECK (target_type IN ('BUDGET', 'PRICE', 'API_KEY',
    'WEBHOOK'));
