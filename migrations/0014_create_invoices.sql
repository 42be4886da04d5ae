-- Submitted invoices (SPEC 7). Amounts are integer cents; numbers are unique per organisation.
CREATE TABLE invoices (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    number          TEXT    NOT NULL,
    invoice_date    TEXT    NOT NULL,
    amount_cents    INTEGER NOT NULL CHECK (amount_cents > 0),
    submitted_by    INTEGER NOT NULL REFERENCES users (id),
    submitted_at    INTEGER NOT NULL,
    UNIQUE (organisation_id, number)
);

CREATE INDEX invoices_by_organisation ON invoices (organisation_id, submitted_at);
CREATE INDEX invoices_by_submitter ON invoices (submitted_by, submitted_at);
