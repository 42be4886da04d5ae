-- Riegel as an OpenID Connect provider (issue 15).

-- What passed a login, for the ID token's `amr` and `acr`: the factor ('sms', 'email', 'totp',
-- 'push'), 'recovery' for a recovery code, NULL for the password alone (from the trusted IP)
-- and for sessions started before this migration.
ALTER TABLE sessions ADD COLUMN proof TEXT;

-- The account's `sub` towards applications: random, made at its first token, never changed
-- (not the e-mail address, which can change, and not derived from the server key, which an
-- operator may rotate).
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_by_oidc_subject ON users (oidc_subject);

-- Applications registered by an operator (`server client add`). A confidential client's
-- secret is stored as its keyed hash only; a public client has none and must use PKCE.
CREATE TABLE oidc_clients (
    id                 TEXT    PRIMARY KEY,
    name               TEXT    NOT NULL,
    secret_hash        BYTEA,
    -- One URI per line, each matched exactly.
    redirect_uris      TEXT    NOT NULL,
    post_logout_uris   TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL
);

-- ID token signing keys (RS256). The private key is sealed with the server's secret key.
-- A key is published from `created_at`, signs from `signs_from` (so relying parties have
-- fetched it first), and stays published until `retired_at` plus the longest token life.
CREATE TABLE oidc_keys (
    kid          TEXT    PRIMARY KEY,
    private_key  BYTEA   NOT NULL,
    public_jwk   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    signs_from   BIGINT  NOT NULL,
    retired_at   BIGINT
);

-- An authorization request waiting for its user to log in, found by the keyed hash of the
-- browser's cookie. It holds the request as validated.
CREATE TABLE oidc_requests (
    id_hash     BYTEA   PRIMARY KEY,
    client_id   TEXT    NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    request     TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL
);

-- Authorization codes: single use, 60 seconds, bound to client, redirect URI and PKCE.
CREATE TABLE oidc_codes (
    code_hash       BYTEA   PRIMARY KEY,
    client_id       TEXT    NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id         BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri    TEXT    NOT NULL,
    code_challenge  TEXT,
    nonce           TEXT,
    scope           TEXT    NOT NULL,
    auth_time       BIGINT  NOT NULL,
    proof           TEXT,
    -- The transaction the user confirmed with a TAN (RFC 9396), as JSON; NULL for none.
    authorization_details TEXT,
    expires_at      BIGINT  NOT NULL,
    used_at         BIGINT
);

-- Access tokens for userinfo, by keyed hash; revoked when their code is used twice.
CREATE TABLE oidc_tokens (
    token_hash  BYTEA   PRIMARY KEY,
    code_hash   BYTEA   NOT NULL,
    client_id   TEXT    NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope       TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL,
    revoked_at  BIGINT
);

CREATE INDEX oidc_tokens_by_code ON oidc_tokens (code_hash);
