-- A message the worker gave up on: refused for good by its provider (an unknown number, a
-- rejected address) or undeliverable for a day. Its body is wiped like a sent one's, and the
-- support console shows it with the reason.
ALTER TABLE outbox ADD COLUMN gave_up_at BIGINT;
