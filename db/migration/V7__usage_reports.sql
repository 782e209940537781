-- Usage reports, exact denial counts and the projected-exhaustion alert.

-- Every DENY of a real reserve (not a dry run), written in the transaction of the decision. Reports count denied
-- calls from here exactly; the reservation.denied event is rate-limited and cannot be counted.
CREATE TABLE denials (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    -- The budget the reserve was made on, and the one in its chain that said no (itself or an ancestor).
    budget_id   uuid           NOT NULL,
    denied_by   uuid           NOT NULL,
    -- The tenant, so a tree's denials are found without touching budgets.
    root_id     uuid           NOT NULL,
    reason      varchar(32)    NOT NULL,
    -- The model asked for (null when the reserve gave an amount), the money it would have held and, for
    -- token-priced asks, the tokens.
    model       varchar(200),
    currency    varchar(3)     NOT NULL,
    amount      numeric(38,18) NOT NULL,
    tokens      bigint,
    created_at  timestamptz    NOT NULL,
    CONSTRAINT denials_pk PRIMARY KEY (id),
    CONSTRAINT denials_budget_fk FOREIGN KEY (budget_id) REFERENCES budgets (id),
    CONSTRAINT denials_denied_by_fk FOREIGN KEY (denied_by) REFERENCES budgets (id),
    CONSTRAINT denials_reason_valid CHECK (reason IN ('BUDGET_FROZEN', 'PER_CALL_LIMIT', 'CONCURRENCY_LIMIT',
        'CALL_LIMIT', 'INSUFFICIENT_FUNDS')),
    CONSTRAINT denials_amount_non_negative CHECK (amount >= 0),
    CONSTRAINT denials_tokens_non_negative CHECK (tokens IS NULL OR tokens >= 0)
);

-- Usage reports count a subtree's denials in a time range; the denial list pages a tree newest first.
CREATE INDEX denials_by_budget_and_time ON denials (budget_id, created_at);
CREATE INDEX denials_by_root ON denials (root_id, id);

-- Usage reports read a budget's journal in a time range. The journal is append-only and written in time order,
-- so a BRIN index serves the range for next to nothing on the write path (a B-tree here would cost every reserve
-- and settle one more index insert per level).
CREATE INDEX journal_entries_by_time ON journal_entries USING brin (created_at);

-- budget.projected_exhaustion is sent at most once per budget and period.
CREATE TABLE exhaustion_forecasts (
    budget_id     uuid        NOT NULL,
    period_start  timestamptz NOT NULL,
    projected_at  timestamptz NOT NULL,
    forecast_at   timestamptz NOT NULL,
    CONSTRAINT exhaustion_forecasts_pk PRIMARY KEY (budget_id, period_start),
    CONSTRAINT exhaustion_forecasts_budget_fk FOREIGN KEY (budget_id) REFERENCES budgets (id)
);

ALTER TABLE events DROP CONSTRAINT events_type_valid;
ALTER TABLE events ADD CONSTRAINT events_type_valid CHECK (type IN ('budget.threshold_crossed', 'budget.exhausted',
    'budget.projected_exhaustion', 'budget.frozen', 'budget.unfrozen', 'budget.period_reset', 'reservation.denied',
    'reservation.overrun', 'reservation.expired'));
