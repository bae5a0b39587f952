-- Request sets (issue 14): one permission set in several accounts, asked for at once and
-- decided together. Every member is an ordinary request; `set_id` is the id of the set's
-- first member (NULL for a request on its own).
ALTER TABLE requests ADD COLUMN set_id BIGINT;
CREATE INDEX requests_set ON requests (set_id) WHERE set_id IS NOT NULL;
