-- Accounts and support (SPEC 2.1, 6).

-- How an account came to be: its first login differs (SPEC 1.8, 2.1, 6.1). Accounts that
-- existed before this column are treated as imported from the old portal: they have no
-- verified phone, so their first login goes through MFA setup like every other such account.
ALTER TABLE users ADD COLUMN origin TEXT NOT NULL DEFAULT 'import'
    CHECK (origin IN ('import', 'seed', 'registration', 'invitation', 'command_line'));

-- Single-use links sent by e-mail: invitations (72 h), forgotten password (1 h) and phone
-- reset (24 h). Only the keyed hash of the token is stored; a newer link of the same kind for
-- the same account voids the older ones.
CREATE TABLE links (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('invitation', 'password_reset', 'phone_reset')),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BLOB    NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('open', 'used', 'void'))
);

CREATE INDEX links_by_user ON links (user_id, kind, state);

-- Self-registrations in progress (SPEC 2.1): bound to the browser by a cookie whose keyed
-- hash is the key. The account is created only once the e-mail code is right. When the
-- address already has an account, no code is sent (`code_hash` stays NULL, so no code can
-- ever match) and the owner gets a notice instead; the page looks the same either way.
CREATE TABLE registrations (
    flow_hash     BLOB    PRIMARY KEY,
    company       TEXT    NOT NULL,
    full_name     TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    code_hash     BLOB,
    codes_sent    INTEGER NOT NULL DEFAULT 0,
    last_sent_at  INTEGER NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- Requests anyone can make without an account (registration, forgotten password), counted
-- per IP for a rolling cap, whether or not an account has the address.
CREATE TABLE anonymous_requests (
    id   INTEGER PRIMARY KEY,
    ip   TEXT    NOT NULL,
    kind TEXT    NOT NULL,
    at   INTEGER NOT NULL
);

CREATE INDEX anonymous_requests_by_ip ON anonymous_requests (ip, at);
