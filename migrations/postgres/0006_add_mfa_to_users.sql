-- MFA state of an account (SPEC 1.3–1.6, 2.2, 4).
-- MFA is active once the phone is verified; the verified phone also activates the TAN system.
ALTER TABLE users ADD COLUMN phone_e164 TEXT;
ALTER TABLE users ADD COLUMN phone_verified_at BIGINT;
-- The IP of the last fully authenticated login; a password from it skips the challenge.
ALTER TABLE users ADD COLUMN trusted_ip TEXT;
-- The method of the last successful challenge; the next challenge opens on it.
ALTER TABLE users ADD COLUMN last_mfa_method TEXT NOT NULL DEFAULT 'sms';
-- Set when a login code quota is exceeded (24 h); only time or a support agent lifts it.
ALTER TABLE users ADD COLUMN locked_until BIGINT;
-- Every successful login resets the daily limits: sends before this moment do not count.
ALTER TABLE users ADD COLUMN quota_reset_at BIGINT  NOT NULL DEFAULT 0;
