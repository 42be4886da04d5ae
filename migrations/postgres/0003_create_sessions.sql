-- Server-side sessions. Only the keyed hash of the cookie's token is stored: a copy of this
-- table does not let anyone take over a session.
CREATE TABLE sessions (
    id_hash      BYTEA   PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage        TEXT    NOT NULL,
    ip           TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id);
