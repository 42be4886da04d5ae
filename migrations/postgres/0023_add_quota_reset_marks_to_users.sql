-- Where the account's daily limits were last reset (SPEC 4.2: every successful login, and a
-- support agent lifting a lock), as the newest code send and the newest push of the whole
-- table at that moment: a send counts toward the new day's quota when its id is greater.
-- `quota_reset_at` holds whole seconds and cannot tell a send of the reset's second made
-- before the reset from one made after it; the ids can.
ALTER TABLE users ADD COLUMN quota_reset_code_id BIGINT  NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN quota_reset_push_id BIGINT  NOT NULL DEFAULT 0;

-- Accounts reset before this migration: the sends of earlier seconds are behind the reset.
UPDATE users SET
    quota_reset_code_id = coalesce((SELECT max(id) FROM code_sends c WHERE c.user_id = users.id AND c.at < users.quota_reset_at), 0),
    quota_reset_push_id = coalesce((SELECT max(id) FROM push_requests p WHERE p.user_id = users.id AND p.created_at < users.quota_reset_at), 0);
