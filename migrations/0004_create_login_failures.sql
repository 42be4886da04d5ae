-- Password-failure throttling (SPEC 1.2). The account key is a keyed hash of the submitted
-- address, whether or not an account has it, so these rows reveal nothing about accounts.
CREATE TABLE login_failures (
    account_key     BLOB    NOT NULL,
    ip              TEXT    NOT NULL,
    failures        INTEGER NOT NULL CHECK (failures >= 0),
    last_failure_at INTEGER NOT NULL,
    PRIMARY KEY (account_key, ip)
) WITHOUT ROWID;

-- One row per failed attempt per IP, for the rolling per-IP cap.
CREATE TABLE login_ip_failures (
    id INTEGER PRIMARY KEY,
    ip TEXT    NOT NULL,
    at INTEGER NOT NULL
);

CREATE INDEX login_ip_failures_by_ip ON login_ip_failures (ip, at);
