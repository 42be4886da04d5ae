-- An authorization request no longer waits in the database: the browser keeps it, sealed with
-- the server's secret key, so an anonymous request stores nothing (issue 28). What is stored,
-- once its user has logged in, is the mark of a request that is settled (answered with a code,
-- or given up at logout), so that its cookie does not work a second time; the mark is kept
-- until the request would have expired anyway.
--
-- `oidc_requests` is no longer written or read. It stays for instances of the previous release
-- during a rolling update and is dropped by a later migration.
CREATE TABLE oidc_settled_requests (
    id_hash     BYTEA   PRIMARY KEY,
    expires_at  BIGINT  NOT NULL
);
