-- Issued TANs (SPEC 5.2): bound to the session and to a keyed digest of the action and its
-- data; only the keyed hash of the TAN is stored. Rows outlive their session (session_hash is
-- then NULL) so the daily TAN SMS quota cannot be reset by logging in again.
CREATE TABLE tans (
    id           INTEGER PRIMARY KEY,
    session_hash BLOB REFERENCES sessions (id_hash) ON DELETE SET NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action       TEXT    NOT NULL,
    digest       BLOB    NOT NULL,
    tan_hash     BLOB    NOT NULL,
    issued_at    INTEGER NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('issued', 'used', 'void'))
);

CREATE INDEX tans_by_session ON tans (session_hash, action, state);
CREATE INDEX tans_by_user ON tans (user_id, issued_at);
