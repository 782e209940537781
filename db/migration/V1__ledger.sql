-- Budgets, reservations (two-phase holds), the append-only journal, the price catalog and idempotency keys.
-- Money is NUMERIC(38,18): 20 integer digits and 18 fractional digits, enough for per-token prices.

CREATE TABLE budgets (
    id            uuid           NOT NULL,
    name          varchar(200)   NOT NULL,
    currency      varchar(3)     NOT NULL,
    limit_amount  numeric(38,18) NOT NULL,
    spent         numeric(38,18) NOT NULL DEFAULT 0,
    reserved      numeric(38,18) NOT NULL DEFAULT 0,
    status        varchar(16)    NOT NULL DEFAULT 'ACTIVE',
    metadata      jsonb          NOT NULL DEFAULT '{}'::jsonb,
    denied_count  bigint         NOT NULL DEFAULT 0,
    created_at    timestamptz    NOT NULL,
    updated_at    timestamptz    NOT NULL,
    CONSTRAINT budgets_pk PRIMARY KEY (id),
    CONSTRAINT budgets_limit_non_negative CHECK (limit_amount >= 0),
    CONSTRAINT budgets_spent_non_negative CHECK (spent >= 0),
    CONSTRAINT budgets_reserved_non_negative CHECK (reserved >= 0),
    CONSTRAINT budgets_denied_count_non_negative CHECK (denied_count >= 0),
    CONSTRAINT budgets_status_valid CHECK (status IN ('ACTIVE')),
    CONSTRAINT budgets_currency_iso CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT budgets_metadata_object CHECK (jsonb_typeof(metadata) = 'object')
);

CREATE TABLE reservations (
    id                       uuid           NOT NULL,
    budget_id                uuid           NOT NULL,
    status                   varchar(16)    NOT NULL,
    amount                   numeric(38,18) NOT NULL,
    charged                  numeric(38,18),
    released                 numeric(38,18),
    model                    varchar(200),
    input_tokens             bigint,
    max_output_tokens        bigint,
    input_price_per_million  numeric(38,18),
    output_price_per_million numeric(38,18),
    settled_input_tokens     bigint,
    settled_output_tokens    bigint,
    late                     boolean        NOT NULL DEFAULT false,
    metadata                 jsonb          NOT NULL DEFAULT '{}'::jsonb,
    expires_at               timestamptz    NOT NULL,
    created_at               timestamptz    NOT NULL,
    updated_at               timestamptz    NOT NULL,
    finished_at              timestamptz,
    CONSTRAINT reservations_pk PRIMARY KEY (id),
    CONSTRAINT reservations_budget_fk FOREIGN KEY (budget_id) REFERENCES budgets (id),
    CONSTRAINT reservations_status_valid CHECK (status IN ('HELD', 'SETTLED', 'RELEASED', 'EXPIRED')),
    CONSTRAINT reservations_amount_positive CHECK (amount > 0),
    CONSTRAINT reservations_charged_non_negative CHECK (charged IS NULL OR charged >= 0),
    CONSTRAINT reservations_released_within_hold CHECK (released IS NULL OR (released >= 0 AND released <= amount)),
    CONSTRAINT reservations_released_when_finished CHECK ((status = 'HELD') = (released IS NULL)),
    CONSTRAINT reservations_charged_iff_settled CHECK ((status = 'SETTLED') = (charged IS NOT NULL)),
    CONSTRAINT reservations_finished_iff_terminal CHECK ((status = 'HELD') = (finished_at IS NULL)),
    CONSTRAINT reservations_tokens_non_negative CHECK (
        coalesce(input_tokens, 0) >= 0 AND coalesce(max_output_tokens, 0) >= 0
        AND coalesce(settled_input_tokens, 0) >= 0 AND coalesce(settled_output_tokens, 0) >= 0),
    CONSTRAINT reservations_priced_with_model CHECK (
        (model IS NULL) = (input_price_per_million IS NULL AND output_price_per_million IS NULL)),
    CONSTRAINT reservations_metadata_object CHECK (jsonb_typeof(metadata) = 'object')
);

-- The expiry sweep and the inline expiry of a reserve only ever look at held reservations.
CREATE INDEX reservations_held_by_expiry ON reservations (expires_at) WHERE status = 'HELD';
CREATE INDEX reservations_held_by_budget ON reservations (budget_id, expires_at) WHERE status = 'HELD';

CREATE TABLE journal_entries (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    budget_id      uuid           NOT NULL,
    reservation_id uuid,
    kind           varchar(16)    NOT NULL,
    amount         numeric(38,18) NOT NULL,
    spent_delta    numeric(38,18) NOT NULL DEFAULT 0,
    reserved_delta numeric(38,18) NOT NULL DEFAULT 0,
    limit_after    numeric(38,18),
    created_at     timestamptz    NOT NULL,
    CONSTRAINT journal_entries_pk PRIMARY KEY (id),
    CONSTRAINT journal_entries_budget_fk FOREIGN KEY (budget_id) REFERENCES budgets (id),
    CONSTRAINT journal_entries_reservation_fk FOREIGN KEY (reservation_id) REFERENCES reservations (id),
    CONSTRAINT journal_entries_kind_valid CHECK (kind IN ('OPEN', 'LIMIT_CHANGE', 'RESERVE', 'SETTLE', 'RELEASE', 'EXPIRE')),
    CONSTRAINT journal_entries_amount_non_negative CHECK (amount >= 0),
    CONSTRAINT journal_entries_limit_kinds CHECK ((kind IN ('OPEN', 'LIMIT_CHANGE')) = (limit_after IS NOT NULL)),
    CONSTRAINT journal_entries_reservation_kinds CHECK ((kind IN ('RESERVE', 'SETTLE', 'RELEASE', 'EXPIRE')) = (reservation_id IS NOT NULL))
);

CREATE INDEX journal_entries_by_budget ON journal_entries (budget_id, id);
CREATE INDEX journal_entries_by_reservation ON journal_entries (reservation_id) WHERE reservation_id IS NOT NULL;

-- The journal is append-only: corrections are new entries, never edits.
CREATE FUNCTION journal_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal_entries is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER journal_entries_no_update_or_delete
    BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_entries_append_only();

CREATE TABLE prices (
    model              varchar(200)   NOT NULL,
    provider           varchar(50),
    input_per_million  numeric(38,18) NOT NULL,
    output_per_million numeric(38,18) NOT NULL,
    currency           varchar(3)     NOT NULL,
    source             varchar(16)    NOT NULL,
    as_of              date,
    updated_at         timestamptz    NOT NULL,
    CONSTRAINT prices_pk PRIMARY KEY (model),
    CONSTRAINT prices_input_non_negative CHECK (input_per_million >= 0),
    CONSTRAINT prices_output_non_negative CHECK (output_per_million >= 0),
    CONSTRAINT prices_currency_iso CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT prices_source_valid CHECK (source IN ('CATALOG', 'ADMIN'))
);

CREATE TABLE idempotency_keys (
    idempotency_key varchar(255) NOT NULL,
    request_hash    char(64)     NOT NULL,
    response_status integer      NOT NULL,
    response_body   text         NOT NULL,
    location        varchar(500),
    created_at      timestamptz  NOT NULL,
    expires_at      timestamptz  NOT NULL,
    CONSTRAINT idempotency_keys_pk PRIMARY KEY (idempotency_key)
);

CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
