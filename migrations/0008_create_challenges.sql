-- One-time-code challenges (SPEC 2.2, 3), bound to the session that asked for them.
CREATE TABLE challenges (
    id           INTEGER PRIMARY KEY,
    session_hash BLOB    NOT NULL UNIQUE REFERENCES sessions (id_hash) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('setup', 'login')),
    method       TEXT    NOT NULL CHECK (method IN ('sms', 'email')),
    -- Setup only: the number being proven.
    phone_e164   TEXT,
    state        TEXT    NOT NULL CHECK (state IN ('open', 'verified', 'exhausted')),
    failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    created_at   INTEGER NOT NULL
);

-- The codes sent in a challenge; only their keyed hash is stored.
CREATE TABLE challenge_codes (
    id           INTEGER PRIMARY KEY,
    challenge_id INTEGER NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    channel      TEXT    NOT NULL CHECK (channel IN ('sms', 'email')),
    code_hash    BLOB    NOT NULL,
    sent_at      INTEGER NOT NULL,
    used_at      INTEGER
);

CREATE INDEX challenge_codes_by_challenge ON challenge_codes (challenge_id, sent_at);
