-- The audit log (SPEC 6.5). Written by the same transaction as the change it records.
-- `detail` is JSON and never holds a secret (password, code, TAN, token).
CREATE TABLE audit_events (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    ip       TEXT,
    detail   TEXT    NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_events_by_user ON audit_events (user_id, at);
