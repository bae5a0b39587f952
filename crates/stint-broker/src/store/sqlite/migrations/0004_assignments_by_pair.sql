-- Reconciliation walks assignments one (account, permission set) pair at a time, the way
-- Identity Center lists them.
CREATE INDEX assignments_pair ON assignments (account_id, permission_set_arn);
