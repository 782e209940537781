-- Budgets may start again every hour (issue 22: short windows). Hours start on the budget's local full hour.
ALTER TABLE budgets DROP CONSTRAINT budgets_period_valid;
ALTER TABLE budgets ADD CONSTRAINT budgets_period_valid CHECK (period IN ('NONE', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY'));
