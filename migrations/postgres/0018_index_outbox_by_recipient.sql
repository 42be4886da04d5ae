-- The support console lists the newest messages to an account's address and phone, with
-- their delivery state (SPEC 6.4, 8).
CREATE INDEX outbox_by_recipient ON outbox (recipient, id);
