-- Run caps and minute windows (issue 22, items 2 and 3; docs/budgets.md, "Run caps and minute windows").
--
-- A budget may cap what one run (a reserve's runId: an agent loop, a workflow execution) does on it and below
-- it: calls allowed, and the amount held plus charged, in the budget's unit. And it may cap what it allows per
-- minute: requests, and tokens as held (input + max output). NULL: no cap.
ALTER TABLE budgets
    ADD COLUMN max_calls_per_run bigint,
    ADD COLUMN max_amount_per_run numeric(38,18),
    ADD COLUMN max_requests_per_minute bigint,
    ADD COLUMN max_tokens_per_minute bigint,
    ADD CONSTRAINT budgets_max_calls_per_run_positive CHECK (max_calls_per_run IS NULL OR max_calls_per_run >= 1),
    ADD CONSTRAINT budgets_max_amount_per_run_positive CHECK (max_amount_per_run IS NULL OR max_amount_per_run > 0),
    ADD CONSTRAINT budgets_max_requests_per_minute_positive CHECK (
        max_requests_per_minute IS NULL OR max_requests_per_minute >= 1),
    ADD CONSTRAINT budgets_max_tokens_per_minute_positive CHECK (
        max_tokens_per_minute IS NULL OR max_tokens_per_minute >= 1);

-- The run a reservation was made for, as the caller named it (printable text, 1 to 128 characters).
ALTER TABLE reservations
    ADD COLUMN run_id text,
    ADD CONSTRAINT reservations_run_id_valid CHECK (run_id IS NULL OR char_length(run_id) BETWEEN 1 AND 128);

-- Per run and level of its chain: the calls allowed, and the amount the run's reservations hold or were charged
-- (in the level's unit: money, or tokens on token budgets). Written only by the ledger, under the budget's row
-- lock, in the transaction of the reserve, settle, release, expiry, resize or correction that moves it; the
-- reconciliation recomputes it from the reservations (invariant RUNS). Runs never reset with the period.
CREATE TABLE run_usage (
    budget_id  uuid           NOT NULL,
    run_id     text           NOT NULL,
    root_id    uuid           NOT NULL,
    calls      bigint         NOT NULL,
    amount     numeric(38,18) NOT NULL,
    updated_at timestamptz    NOT NULL,
    CONSTRAINT run_usage_pk PRIMARY KEY (budget_id, run_id),
    -- Tenant data: names its tree, checked (docs/scaling.md).
    CONSTRAINT run_usage_budget_root_fk FOREIGN KEY (root_id, budget_id) REFERENCES budgets (root_id, id),
    CONSTRAINT run_usage_calls_non_negative CHECK (calls >= 0)
);

-- Per budget with a minute cap: the fixed one-minute window (aligned to the UTC minute) being counted, and the
-- requests allowed and tokens held in it. Written only by the ledger under the budget's row lock; a window that
-- is over counts as empty.
CREATE TABLE minute_windows (
    budget_id    uuid        NOT NULL,
    root_id      uuid        NOT NULL,
    window_start timestamptz NOT NULL,
    requests     bigint      NOT NULL,
    tokens       bigint      NOT NULL,
    CONSTRAINT minute_windows_pk PRIMARY KEY (budget_id),
    CONSTRAINT minute_windows_budget_root_fk FOREIGN KEY (root_id, budget_id) REFERENCES budgets (root_id, id),
    CONSTRAINT minute_windows_counts_non_negative CHECK (requests >= 0 AND tokens >= 0)
);

ALTER TABLE denials DROP CONSTRAINT denials_reason_valid;
ALTER TABLE denials ADD CONSTRAINT denials_reason_valid CHECK (reason IN ('BUDGET_CLOSED', 'BUDGET_FROZEN', 'MODEL_NOT_ALLOWED',
    'PER_CALL_LIMIT', 'CONCURRENCY_LIMIT', 'CALL_LIMIT', 'RUN_CALL_LIMIT', 'REQUEST_RATE_LIMIT', 'RUN_AMOUNT_LIMIT',
    'INSUFFICIENT_FUNDS', 'TOKEN_RATE_LIMIT'));
