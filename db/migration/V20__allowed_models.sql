-- Governance: a budget may name the models reserves on it (and below it) may use. NULL allows every model; a list
-- is never empty (freezing is how a budget takes nothing). Names are compared by the catalog's alias rules in Java
-- (ModelNames), so the column holds the names as the admin wrote them.
ALTER TABLE budgets ADD COLUMN allowed_models text[];
ALTER TABLE budgets ADD CONSTRAINT budgets_allowed_models_not_empty CHECK (
    allowed_models IS NULL OR cardinality(allowed_models) BETWEEN 1 AND 100);

ALTER TABLE denials DROP CONSTRAINT denials_reason_valid;
ALTER TABLE denials ADD CONSTRAINT denials_reason_valid CHECK (reason IN ('BUDGET_FROZEN', 'MODEL_NOT_ALLOWED',
    'PER_CALL_LIMIT', 'CONCURRENCY_LIMIT', 'CALL_LIMIT', 'INSUFFICIENT_FUNDS'));
