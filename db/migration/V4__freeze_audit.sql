-- Freezing and unfreezing a budget are admin changes, audited like the others.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_valid;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_valid CHECK (action IN (
    'BUDGET_CREATE', 'BUDGET_UPDATE', 'BUDGET_FREEZE', 'BUDGET_UNFREEZE', 'PRICE_PUT', 'API_KEY_CREATE',
    'API_KEY_REVOKE'));
