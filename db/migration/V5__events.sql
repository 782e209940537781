-- The transactional outbox: every event is written in the transaction of the change that causes it, so none is
-- lost and none is invented by a rolled-back transaction. Consumers poll GET /v1/events; webhooks will read it too.
CREATE TABLE events (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    event_id       uuid         NOT NULL,
    type           varchar(40)  NOT NULL,
    budget_id      uuid         NOT NULL,
    root_id        uuid         NOT NULL,
    reservation_id uuid,
    data           jsonb        NOT NULL,
    created_at     timestamptz  NOT NULL,
    CONSTRAINT events_pk PRIMARY KEY (id),
    CONSTRAINT events_event_id_unique UNIQUE (event_id),
    CONSTRAINT events_budget_fk FOREIGN KEY (budget_id) REFERENCES budgets (id),
    CONSTRAINT events_type_valid CHECK (type IN ('budget.threshold_crossed', 'budget.exhausted', 'budget.frozen',
        'budget.unfrozen', 'budget.period_reset', 'reservation.denied', 'reservation.overrun', 'reservation.expired')),
    CONSTRAINT events_data_object CHECK (jsonb_typeof(data) = 'object')
);

CREATE INDEX events_by_budget ON events (budget_id, id);
CREATE INDEX events_by_type ON events (type, id);
