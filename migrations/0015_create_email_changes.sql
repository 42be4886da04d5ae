-- E-mail address changes in progress (SPEC 5.3): a code proves the new address before the
-- TAN authorises the change. Only the code's keyed hash is stored.
CREATE TABLE email_changes (
    id           INTEGER PRIMARY KEY,
    session_hash BLOB    NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email    TEXT    NOT NULL,
    code_hash    BLOB    NOT NULL,
    sent_at      INTEGER NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    used_at      INTEGER
);

CREATE INDEX email_changes_by_session ON email_changes (session_hash, sent_at);
