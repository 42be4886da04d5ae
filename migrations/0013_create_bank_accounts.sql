-- The organisation's payout bank account (SPEC 7). IBAN in electronic form (no spaces).
CREATE TABLE bank_accounts (
    organisation_id INTEGER PRIMARY KEY REFERENCES organisations (id),
    holder          TEXT    NOT NULL,
    iban            TEXT    NOT NULL,
    bic             TEXT,
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER REFERENCES users (id)
);
