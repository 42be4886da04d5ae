-- Web Push (SPEC 15.1). The paired device's push subscription (RFC 8030: the push service's
-- endpoint, and the keys of RFC 8291 that the message is encrypted for), replaced by the next
-- one the device sends; `push_ended_at` is set when the push service reports it gone.
ALTER TABLE push_devices ADD COLUMN push_endpoint TEXT;
ALTER TABLE push_devices ADD COLUMN push_p256dh TEXT;
ALTER TABLE push_devices ADD COLUMN push_auth TEXT;
ALTER TABLE push_devices ADD COLUMN push_subscribed_at INTEGER;
ALTER TABLE push_devices ADD COLUMN push_ended_at INTEGER;

-- The VAPID key pair (RFC 8292) that signs every push: made once, one for every instance, its
-- private half sealed with the server's secret key.
CREATE TABLE vapid_keys (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    sealed_private BLOB    NOT NULL,
    public_key     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);

-- The outbox delivers Web Push messages too (channel 'webpush': the recipient is the
-- subscription's endpoint). SQLite cannot change a CHECK constraint, so the table is rebuilt
-- with the same columns, rows and indexes.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    channel         TEXT    NOT NULL CHECK (channel IN ('sms', 'email', 'webpush')),
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL DEFAULT '',
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT,
    gave_up_at      INTEGER
);
INSERT INTO outbox_new (id, channel, recipient, subject, body, created_at, attempts, next_attempt_at, sent_at,
                        last_error, gave_up_at)
    SELECT id, channel, recipient, subject, body, created_at, attempts, next_attempt_at, sent_at, last_error,
           gave_up_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_by_recipient ON outbox (recipient, id);
