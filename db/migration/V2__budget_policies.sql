-- Budget policies: hierarchy, periods, token budgets, caps, soft limits, thresholds, rollover, freeze.

-- Hierarchy. ancestors is the materialized path root..self, so a chain is one indexed read and a subtree one
-- GIN lookup; root_id is the tenant and the natural distribution key when sharding by root budget.
ALTER TABLE budgets
    ADD COLUMN parent_id uuid,
    ADD COLUMN root_id uuid,
    ADD COLUMN depth integer NOT NULL DEFAULT 0,
    ADD COLUMN ancestors uuid[];
UPDATE budgets SET root_id = id, ancestors = ARRAY[id];
ALTER TABLE budgets
    ALTER COLUMN root_id SET NOT NULL,
    ALTER COLUMN ancestors SET NOT NULL,
    ADD CONSTRAINT budgets_parent_fk FOREIGN KEY (parent_id) REFERENCES budgets (id),
    ADD CONSTRAINT budgets_depth_range CHECK (depth BETWEEN 0 AND 7),
    ADD CONSTRAINT budgets_ancestors_path CHECK (
        cardinality(ancestors) = depth + 1 AND ancestors[depth + 1] = id AND ancestors[1] = root_id),
    ADD CONSTRAINT budgets_root_has_no_parent CHECK ((depth = 0) = (parent_id IS NULL));
CREATE INDEX budgets_by_parent ON budgets (parent_id, id) WHERE parent_id IS NOT NULL;
CREATE INDEX budgets_by_ancestor ON budgets USING gin (ancestors);

-- Units: a currency (money) or TOKENS (integer amounts).
ALTER TABLE budgets RENAME COLUMN currency TO unit;
ALTER TABLE budgets ALTER COLUMN unit TYPE varchar(8);
ALTER TABLE budgets DROP CONSTRAINT budgets_currency_iso;
ALTER TABLE budgets ADD CONSTRAINT budgets_unit_valid CHECK (unit ~ '^[A-Z]{3}$' OR unit = 'TOKENS');
ALTER TABLE budgets ADD CONSTRAINT budgets_tokens_are_integers CHECK (
    unit <> 'TOKENS' OR (limit_amount = trunc(limit_amount) AND spent = trunc(spent) AND reserved = trunc(reserved)));

-- Periods, rollover, modes, caps, thresholds, freeze.
ALTER TABLE budgets
    ADD COLUMN period varchar(8) NOT NULL DEFAULT 'NONE',
    ADD COLUMN timezone varchar(64) NOT NULL DEFAULT 'UTC',
    ADD COLUMN period_start timestamptz,
    ADD COLUMN carried_over numeric(38,18) NOT NULL DEFAULT 0,
    ADD COLUMN rollover boolean NOT NULL DEFAULT false,
    ADD COLUMN rollover_cap numeric(38,18),
    ADD COLUMN mode varchar(8) NOT NULL DEFAULT 'HARD',
    ADD COLUMN thresholds jsonb NOT NULL DEFAULT '[0.5, 0.8, 0.95, 1.0]'::jsonb,
    ADD COLUMN downgrade_at numeric(5,4),
    ADD COLUMN max_amount_per_call numeric(38,18),
    ADD COLUMN max_tokens_per_call bigint,
    ADD COLUMN max_calls_per_period bigint,
    ADD COLUMN max_concurrent_holds integer,
    ADD COLUMN calls_in_period bigint NOT NULL DEFAULT 0,
    ADD COLUMN held_count integer NOT NULL DEFAULT 0,
    ADD COLUMN frozen_reason varchar(500),
    ADD COLUMN frozen_at timestamptz,
    ADD CONSTRAINT budgets_period_valid CHECK (period IN ('NONE', 'DAILY', 'WEEKLY', 'MONTHLY')),
    ADD CONSTRAINT budgets_period_start_when_periodic CHECK ((period = 'NONE') = (period_start IS NULL)),
    ADD CONSTRAINT budgets_carried_over_non_negative CHECK (carried_over >= 0),
    ADD CONSTRAINT budgets_rollover_cap_non_negative CHECK (rollover_cap IS NULL OR rollover_cap >= 0),
    ADD CONSTRAINT budgets_mode_valid CHECK (mode IN ('HARD', 'SOFT')),
    ADD CONSTRAINT budgets_thresholds_array CHECK (jsonb_typeof(thresholds) = 'array'),
    ADD CONSTRAINT budgets_downgrade_at_fraction CHECK (downgrade_at IS NULL OR (downgrade_at > 0 AND downgrade_at <= 1)),
    ADD CONSTRAINT budgets_caps_positive CHECK (
        coalesce(max_amount_per_call, 1) > 0 AND coalesce(max_tokens_per_call, 1) > 0
        AND coalesce(max_calls_per_period, 1) > 0 AND coalesce(max_concurrent_holds, 1) > 0),
    ADD CONSTRAINT budgets_counters_non_negative CHECK (calls_in_period >= 0 AND held_count >= 0),
    ADD CONSTRAINT budgets_frozen_has_reason CHECK ((status = 'FROZEN') = (frozen_reason IS NOT NULL));
ALTER TABLE budgets DROP CONSTRAINT budgets_status_valid;
ALTER TABLE budgets ADD CONSTRAINT budgets_status_valid CHECK (status IN ('ACTIVE', 'FROZEN'));

-- Reservations hold money on money budgets and tokens on token budgets along the whole chain.
ALTER TABLE reservations
    ADD COLUMN currency varchar(3),
    ADD COLUMN tokens bigint,
    ADD COLUMN charged_tokens bigint,
    ADD COLUMN cache_read_price_per_million numeric(38,18),
    ADD COLUMN cache_write_price_per_million numeric(38,18),
    ADD COLUMN reasoning_price_per_million numeric(38,18),
    ADD COLUMN settled_cache_read_tokens bigint,
    ADD COLUMN settled_cache_write_tokens bigint,
    ADD COLUMN settled_reasoning_tokens bigint,
    ADD COLUMN requested_model varchar(200),
    ADD COLUMN downgraded boolean NOT NULL DEFAULT false,
    ADD COLUMN capped boolean NOT NULL DEFAULT false;
UPDATE reservations r SET currency = b.unit FROM budgets b WHERE b.id = r.budget_id;
ALTER TABLE reservations
    ALTER COLUMN currency SET NOT NULL,
    ADD CONSTRAINT reservations_token_counts_non_negative CHECK (
        coalesce(tokens, 0) >= 0 AND coalesce(charged_tokens, 0) >= 0
        AND coalesce(settled_cache_read_tokens, 0) >= 0 AND coalesce(settled_cache_write_tokens, 0) >= 0
        AND coalesce(settled_reasoning_tokens, 0) >= 0);

-- The journal gains the reset of a period (spent back to zero, with what was carried over).
ALTER TABLE journal_entries ADD COLUMN carried_over_after numeric(38,18);
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_valid;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_valid CHECK (kind IN (
    'OPEN', 'LIMIT_CHANGE', 'RESERVE', 'SETTLE', 'RELEASE', 'EXPIRE', 'PERIOD_RESET', 'FREEZE', 'UNFREEZE'));
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_carry_with_reset CHECK (
    (kind = 'PERIOD_RESET') = (carried_over_after IS NOT NULL));
ALTER TABLE journal_entries ADD COLUMN note varchar(500);

-- Closed periods, readable after the reset.
CREATE TABLE budget_periods (
    budget_id     uuid           NOT NULL,
    period_start  timestamptz    NOT NULL,
    period_end    timestamptz    NOT NULL,
    limit_amount  numeric(38,18) NOT NULL,
    carried_over  numeric(38,18) NOT NULL,
    spent         numeric(38,18) NOT NULL,
    reserved_at_close numeric(38,18) NOT NULL,
    calls         bigint         NOT NULL,
    carried_out   numeric(38,18) NOT NULL,
    closed_at     timestamptz    NOT NULL,
    CONSTRAINT budget_periods_pk PRIMARY KEY (budget_id, period_start),
    CONSTRAINT budget_periods_budget_fk FOREIGN KEY (budget_id) REFERENCES budgets (id),
    CONSTRAINT budget_periods_ordered CHECK (period_end > period_start)
);

-- Each alert threshold is recorded once per budget per period.
CREATE TABLE threshold_crossings (
    budget_id      uuid           NOT NULL,
    period_start   timestamptz    NOT NULL,
    threshold      numeric(5,4)   NOT NULL,
    reservation_id uuid,
    utilization    numeric(38,18) NOT NULL,
    crossed_at     timestamptz    NOT NULL,
    CONSTRAINT threshold_crossings_pk PRIMARY KEY (budget_id, period_start, threshold),
    CONSTRAINT threshold_crossings_budget_fk FOREIGN KEY (budget_id) REFERENCES budgets (id)
);

-- Prices for cached input and reasoning tokens, where providers price them differently.
ALTER TABLE prices
    ADD COLUMN cache_read_per_million numeric(38,18),
    ADD COLUMN cache_write_per_million numeric(38,18),
    ADD COLUMN reasoning_per_million numeric(38,18),
    ADD CONSTRAINT prices_token_kinds_non_negative CHECK (
        coalesce(cache_read_per_million, 0) >= 0 AND coalesce(cache_write_per_million, 0) >= 0
        AND coalesce(reasoning_per_million, 0) >= 0);
