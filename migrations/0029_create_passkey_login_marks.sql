-- A login with a passkey alone (SPEC 14.2) keeps its ceremony in the browser, sealed with the
-- server's secret key, so that opening the login page stores nothing. What is stored, once an
-- answer passed, is the mark of the ceremony it answered, so that the same ceremony does not
-- log in a second time; the mark is kept until the ceremony would have expired anyway.
CREATE TABLE passkey_login_marks (
    id_hash     BLOB    PRIMARY KEY,
    expires_at  INTEGER NOT NULL
);
