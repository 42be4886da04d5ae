-- The TAN session (SPEC 5.3, 5.4): open while tan_ip is set; it covers per-session actions
-- from that IP only.
ALTER TABLE sessions ADD COLUMN tan_ip TEXT;
ALTER TABLE sessions ADD COLUMN tan_opened_at BIGINT;
