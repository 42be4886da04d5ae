-- Ten single-use recovery codes per account (issue 8): they pass the login challenge when the
-- phone is out of reach. Only their keyed hash is stored; a new set replaces the old one.
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
);

CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

-- Set when MFA setup completes: the next page shows a new set once, then clears it.
ALTER TABLE users ADD COLUMN recovery_codes_due INTEGER NOT NULL DEFAULT 0 CHECK (recovery_codes_due IN (0, 1));
