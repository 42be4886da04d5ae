-- Every one-time code sent, for the rolling 24-hour quotas (SPEC 2.3, 4.1).
CREATE TABLE code_sends (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT    NOT NULL CHECK (purpose IN ('setup', 'login')),
    channel TEXT    NOT NULL CHECK (channel IN ('sms', 'email')),
    at      INTEGER NOT NULL
);

CREATE INDEX code_sends_by_user ON code_sends (user_id, purpose, channel, at);
