-- Every wrong second-factor entry at a login challenge (SPEC 4.6): a wrong SMS or e-mail
-- code, app code or recovery code, or a denied push. Counted per account across challenges,
-- sessions and channels over the rolling quota window; a successful login moves the account's
-- mark past them, as for the sends of 0023.
CREATE TABLE wrong_entries (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL
);

CREATE INDEX wrong_entries_by_user ON wrong_entries (user_id, at);

ALTER TABLE users ADD COLUMN quota_reset_entry_id INTEGER NOT NULL DEFAULT 0;
