-- How TANs come (SPEC 5.8): by SMS (the default) or confirmed with a passkey (SPEC 14.3). The
-- account's choice is one of its TAN settings; each issued TAN records the way it was issued,
-- and a passkey's TAN keeps its ceremony (the options shown to the browser and the state the
-- answer is checked against) with the digest of the action's data, server-side.
ALTER TABLE users ADD COLUMN tan_way TEXT NOT NULL DEFAULT 'sms' CHECK (tan_way IN ('sms', 'passkey'));
ALTER TABLE tans ADD COLUMN way TEXT NOT NULL DEFAULT 'sms' CHECK (way IN ('sms', 'passkey'));
ALTER TABLE tans ADD COLUMN ceremony TEXT;
