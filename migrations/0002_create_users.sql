-- Accounts. E-mail addresses are stored normalised (trimmed, lower-case), so UNIQUE is exact.
-- Support agents are portal staff and belong to no organisation; everybody else belongs to one.
-- There is deliberately no column for a recognition word or a security question (SPEC 1.8).
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER REFERENCES organisations (id),
    email           TEXT    NOT NULL UNIQUE,
    full_name       TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('member', 'admin', 'support')),
    password_hash   TEXT    NOT NULL,
    disabled_at     INTEGER,
    created_at      INTEGER NOT NULL,
    CHECK ((role = 'support') = (organisation_id IS NULL))
);

CREATE INDEX users_by_organisation ON users (organisation_id);
