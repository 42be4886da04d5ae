-- TAN system state and settings per account (SPEC 5).
ALTER TABLE users ADD COLUMN tan_wrong_in_a_row BIGINT  NOT NULL DEFAULT 0;
-- Set by the third wrong TAN in a row; only a support agent clears it.
ALTER TABLE users ADD COLUMN tan_locked_at BIGINT;
ALTER TABLE users ADD COLUMN tan_mode_password TEXT NOT NULL DEFAULT 'per_session'
    CHECK (tan_mode_password IN ('per_session', 'every_time'));
ALTER TABLE users ADD COLUMN tan_mode_email TEXT NOT NULL DEFAULT 'per_session'
    CHECK (tan_mode_email IN ('per_session', 'every_time'));
ALTER TABLE users ADD COLUMN tan_mode_invoice TEXT NOT NULL DEFAULT 'every_time'
    CHECK (tan_mode_invoice IN ('per_session', 'every_time'));
ALTER TABLE users ADD COLUMN tan_mode_admin TEXT NOT NULL DEFAULT 'per_session'
    CHECK (tan_mode_admin IN ('per_session', 'every_time'));
ALTER TABLE users ADD COLUMN invoice_threshold_cents BIGINT  NOT NULL DEFAULT 1000000
    CHECK (invoice_threshold_cents >= 0);
