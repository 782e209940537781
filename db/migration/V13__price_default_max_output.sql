-- How many output tokens a reservation holds for a model when the call sets no limit of its own (a reserve
-- without maxOutputTokens, a gateway request without max_tokens). NULL: the service-wide fallback
-- budget-ledger.pricing.default-max-output-tokens. The numbers are the providers' own output ceilings, so the
-- hold covers whatever the model could produce.
ALTER TABLE prices
    ADD COLUMN default_max_output_tokens bigint,
    ADD CONSTRAINT prices_default_max_output_positive CHECK (default_max_output_tokens IS NULL
        OR default_max_output_tokens BETWEEN 1 AND 100000000);

-- Catalog rows seeded before this column existed get the catalog's number; prices an admin set keep NULL.
UPDATE prices SET default_max_output_tokens = defaults.tokens
FROM (VALUES ('gpt-5', 128000), ('gpt-5-mini', 128000), ('gpt-5-nano', 128000), ('gpt-4.1', 32768),
             ('gpt-4.1-mini', 32768), ('gpt-4.1-nano', 32768), ('gpt-4o', 16384), ('gpt-4o-mini', 16384),
             ('o3', 100000), ('o4-mini', 100000), ('claude-opus-4-5', 64000), ('claude-opus-4-1', 32000),
             ('claude-sonnet-4-5', 64000), ('claude-sonnet-4', 64000), ('claude-haiku-4-5', 64000),
             ('claude-3-5-haiku', 8192), ('gemini-2.5-pro', 65536), ('gemini-2.5-flash', 65536),
             ('gemini-2.5-flash-lite', 65536), ('gemini-2.0-flash', 8192)) AS defaults (model, tokens)
WHERE prices.model = defaults.model AND prices.source = 'CATALOG';
