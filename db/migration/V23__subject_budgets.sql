-- Budgets created on demand, and closed budgets (issue 22). A parent may carry a child template (the create body of
-- a budget without name and parent, as the API shows it: decimal strings); a reserve naming the parent and a subject
-- is served on the parent's child for that subject, created from the template in the reserve's transaction if it
-- does not exist. One child per parent and subject, whatever the concurrency: the unique constraint says so, and
-- the parent's row lock, held by the reserve that creates it, makes concurrent creators wait instead of failing.
-- New columns have no default, so adding them rewrites nothing.
ALTER TABLE budgets ADD COLUMN subject text;
ALTER TABLE budgets ADD COLUMN child_template jsonb;
ALTER TABLE budgets ADD COLUMN closed_at timestamptz;
ALTER TABLE budgets ADD CONSTRAINT budgets_subject_valid CHECK (
    subject IS NULL OR (parent_id IS NOT NULL AND char_length(subject) BETWEEN 1 AND 128));
ALTER TABLE budgets ADD CONSTRAINT budgets_subject_unique UNIQUE (parent_id, subject);
ALTER TABLE budgets ADD CONSTRAINT budgets_child_template_object CHECK (
    child_template IS NULL OR jsonb_typeof(child_template) = 'object');
-- GET /v1/budgets?name= is an exact match.
CREATE INDEX budgets_by_name ON budgets (name);

-- Closing and reopening are journaled (amount 0, as FREEZE and UNFREEZE) and audited.
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_valid;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_valid CHECK (kind IN (
    'OPEN', 'LIMIT_CHANGE', 'RESERVE', 'SETTLE', 'RELEASE', 'EXPIRE', 'PERIOD_RESET', 'FREEZE', 'UNFREEZE',
    'MODE_CHANGE', 'ADJUST', 'CHARGE', 'RESIZE', 'CLOSE', 'REOPEN'));
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_close_moves_nothing CHECK (
    kind NOT IN ('CLOSE', 'REOPEN') OR (spent_delta = 0 AND reserved_delta = 0));

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_valid;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_valid CHECK (action IN (
    'BUDGET_CREATE', 'BUDGET_UPDATE', 'BUDGET_FREEZE', 'BUDGET_UNFREEZE', 'BUDGET_CLOSE', 'BUDGET_REOPEN',
    'PRICE_PUT', 'API_KEY_CREATE', 'API_KEY_REVOKE', 'WEBHOOK_CREATE', 'WEBHOOK_UPDATE', 'WEBHOOK_DELETE',
    'WEBHOOK_ROTATE_SECRET', 'WEBHOOK_DELIVERY_RETRY', 'RESERVATION_ADJUST'));

ALTER TABLE denials DROP CONSTRAINT denials_reason_valid;
ALTER TABLE denials ADD CONSTRAINT denials_reason_valid CHECK (reason IN ('BUDGET_CLOSED', 'BUDGET_FROZEN',
    'MODEL_NOT_ALLOWED', 'PER_CALL_LIMIT', 'CONCURRENCY_LIMIT', 'CALL_LIMIT', 'INSUFFICIENT_FUNDS'));
