-- Direct charges (docs/ledger.md, "Direct charges"): spend that already happened, booked without a hold, e.g. a call
-- a client made although the ledger denied it. A charge is a fact, not a request: it is booked past a HARD limit, and
-- over_limit says that it went past what some budget of its chain had available. How far past a level's room a
-- non-ADMIN key may charge is that level's overrun policy (REJECT refuses, CAP books the ceiling and keeps what was
-- asked in requested_amount / requested_tokens); an ADMIN books anything. Each budget of the chain gets a
-- CHARGE journal entry (money on money budgets, tokens on token budgets) whose spent_delta is what the charge adds.
-- V15: main's V13 (prices) and the corrections migration both precede this one.

CREATE TABLE charges (
    id                        uuid           NOT NULL,
    budget_id                 uuid           NOT NULL,
    root_id                   uuid           NOT NULL,
    currency                  varchar(3)     NOT NULL,
    amount                    numeric(38,18) NOT NULL,
    tokens                    bigint,
    model                     varchar(200),
    input_tokens              bigint,
    output_tokens             bigint,
    cache_read_tokens         bigint,
    cache_write_tokens        bigint,
    reasoning_tokens          bigint,
    over_limit                boolean        NOT NULL,
    -- What was asked when the overrun policy capped a client's charge (amount/tokens are what was booked).
    requested_amount          numeric(38,18),
    requested_tokens          bigint,
    reason                    varchar(500),
    metadata                  jsonb          NOT NULL DEFAULT '{}'::jsonb,
    api_key_id                uuid,
    idempotency_key           varchar(255),
    created_at                timestamptz    NOT NULL,
    CONSTRAINT charges_pk PRIMARY KEY (id),
    CONSTRAINT charges_root_id_unique UNIQUE (root_id, id),
    CONSTRAINT charges_budget_root_fk FOREIGN KEY (root_id, budget_id) REFERENCES budgets (root_id, id),
    CONSTRAINT charges_amount_non_negative CHECK (amount >= 0),
    CONSTRAINT charges_requested_above_booked CHECK (
        (requested_amount IS NULL OR requested_amount > amount) AND (requested_tokens IS NULL OR requested_tokens > tokens)),
    CONSTRAINT charges_tokens_non_negative CHECK (
        coalesce(tokens, 0) >= 0 AND coalesce(input_tokens, 0) >= 0 AND coalesce(output_tokens, 0) >= 0
        AND coalesce(cache_read_tokens, 0) >= 0 AND coalesce(cache_write_tokens, 0) >= 0
        AND coalesce(reasoning_tokens, 0) >= 0),
    CONSTRAINT charges_model_has_tokens CHECK (model IS NULL OR tokens IS NOT NULL),
    CONSTRAINT charges_idempotency_key_has_api_key CHECK (idempotency_key IS NULL OR api_key_id IS NOT NULL),
    CONSTRAINT charges_metadata_object CHECK (jsonb_typeof(metadata) = 'object')
);

CREATE INDEX charges_by_budget ON charges (budget_id, id);

-- The new column has no default, so adding it rewrites nothing; the checks below read the existing rows once.
ALTER TABLE journal_entries ADD COLUMN charge_id uuid;
ALTER TABLE journal_entries
    ADD CONSTRAINT journal_entries_charge_root_fk FOREIGN KEY (root_id, charge_id) REFERENCES charges (root_id, id);
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_valid;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_valid CHECK (kind IN (
    'OPEN', 'LIMIT_CHANGE', 'RESERVE', 'SETTLE', 'RELEASE', 'EXPIRE', 'PERIOD_RESET', 'FREEZE', 'UNFREEZE',
    'MODE_CHANGE', 'ADJUST', 'CHARGE'));
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_charge_kinds CHECK (
    (kind = 'CHARGE') = (charge_id IS NOT NULL));
CREATE INDEX journal_entries_by_charge ON journal_entries (charge_id) WHERE charge_id IS NOT NULL;

-- Every charge is evented as budget.charged (its data says whether it went over a limit). NOT VALID, as in the
-- corrections migration: existing rows are of the old types and checking them would scan the events table.
ALTER TABLE events DROP CONSTRAINT events_type_valid;
ALTER TABLE events ADD CONSTRAINT events_type_valid CHECK (type IN ('budget.threshold_crossed', 'budget.exhausted',
    'budget.projected_exhaustion', 'budget.frozen', 'budget.unfrozen', 'budget.period_reset', 'budget.charged',
    'reservation.denied', 'reservation.overrun', 'reservation.expired', 'reservation.adjusted')) NOT VALID;
