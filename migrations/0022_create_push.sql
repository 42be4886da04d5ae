-- Push approval with number matching (issue 8). One paired device per account: its ECDSA
-- P-256 public key (SPKI, from WebCrypto; the private key never leaves the device) and the
-- HMAC of the device's own cookie token, which opens its event stream.
CREATE TABLE push_devices (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BLOB    NOT NULL UNIQUE,
    public_key   BLOB    NOT NULL,
    name         TEXT    NOT NULL,
    paired_at    INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);

-- A pairing link shown in the settings behind a TAN: valid ten minutes, once.
CREATE TABLE push_pairings (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash BLOB    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- Every push sent. The rows outlive their login (no reference to the session) because they
-- are the push quota's count (SPEC 4.1): 20 per rolling 24 h, like each code channel.
CREATE TABLE push_requests (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_hash BLOB    NOT NULL,
    -- Signed along with the answer, so an answer fits this request only.
    nonce        TEXT    NOT NULL,
    number       INTEGER NOT NULL CHECK (number BETWEEN 10 AND 99),
    -- The three numbers the device offers, comma-separated; one of them is `number`.
    choices      TEXT    NOT NULL,
    ip           TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'approved', 'denied', 'used')),
    answered_at  INTEGER
);

CREATE INDEX push_requests_by_user ON push_requests (user_id, created_at);
CREATE INDEX push_requests_by_session ON push_requests (session_hash, created_at);
