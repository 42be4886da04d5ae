-- Passkeys (WebAuthn, SPEC 14): several per account, each named by its owner. `credential` is
-- the relying-party library's record of the key as JSON (its public key, signature counter
-- and backup flags); the counter and flags are also columns, for support and operators.
-- `credential_id` is the authenticator's id of the key, unique across accounts.
CREATE TABLE passkeys (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id   BLOB    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    credential      TEXT    NOT NULL,
    sign_count      INTEGER NOT NULL DEFAULT 0,
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backed_up       INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
);

CREATE INDEX passkeys_by_user ON passkeys (user_id);

-- A ceremony begun and not yet finished: the library's state (with the challenge the browser
-- must sign) between its two halves, one per session and kind, one-time and expiring. An
-- enrolment keeps the name chosen for the new key.
CREATE TABLE passkey_ceremonies (
    session_hash BLOB    NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    name         TEXT,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (session_hash, kind)
) WITHOUT ROWID;
