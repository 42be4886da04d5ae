-- The organisation's payout bank account (SPEC 7). IBAN in electronic form (no spaces).
CREATE TABLE bank_accounts (
    organisation_id BIGINT  PRIMARY KEY REFERENCES organisations (id),
    holder          TEXT    NOT NULL,
    iban            TEXT    NOT NULL,
    bic             TEXT,
    updated_at      BIGINT  NOT NULL,
    updated_by      BIGINT  REFERENCES users (id)
);
