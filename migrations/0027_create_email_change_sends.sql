-- Every code sent to a new e-mail address (SPEC 5.3), for the account's daily quota of them:
-- the rows outlive the session and the change in progress, so neither a new session nor a
-- new address starts the count afresh.
CREATE TABLE email_change_sends (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL
);

CREATE INDEX email_change_sends_by_user ON email_change_sends (user_id, at);
