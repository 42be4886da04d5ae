-- Every SMS sent for a request, by the network it came from (an IPv4 address or an IPv6
-- /64), for the cap on SMS one network may trigger in the rolling quota window: it bounds
-- SMS pumping through many accounts from one place.
CREATE TABLE sms_sends (
    id      INTEGER PRIMARY KEY,
    network TEXT    NOT NULL,
    at      INTEGER NOT NULL
);

CREATE INDEX sms_sends_by_network ON sms_sends (network, at);

-- The caps that count audit events (registration mails per address, invitations per admin)
-- look them up by kind and time.
CREATE INDEX audit_events_by_kind ON audit_events (kind, at);
