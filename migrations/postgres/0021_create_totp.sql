-- An authenticator app (TOTP, RFC 6238) per account (issue 8). The secret is sealed with the
-- server's key (ChaCha20-Poly1305, bound to the account); `last_step` is the newest 30-second
-- step a code was accepted for, so a used code cannot be replayed. `confirmed_at` is when the
-- app proved it holds the secret.
CREATE TABLE totp (
    user_id      BIGINT  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_enc   BYTEA   NOT NULL,
    created_at   BIGINT  NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT  NOT NULL DEFAULT 0
);

-- A secret shown for enrolment, waiting for its first code (ten minutes at most).
CREATE TABLE totp_pending (
    user_id    BIGINT  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_enc BYTEA   NOT NULL,
    created_at BIGINT  NOT NULL
);
