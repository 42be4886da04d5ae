//! The HELP text and unit of every metric, as Prometheus shows them (the table of the
//! module header, in words).

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

/// The HELP and unit of every metric (the table of the module header, in words).
pub(super) fn describe() {
    describe_counter!("riegel_http_requests_total", "HTTP answers by route template, method and status");
    describe_histogram!(
        "riegel_http_request_duration_seconds",
        Unit::Seconds,
        "Time to the answer's head, by route template and method"
    );
    describe_counter!("riegel_logins_total", "Password steps and completed logins, by outcome");
    describe_counter!("riegel_codes_sent_total", "One-time codes put into the outbox, by purpose and channel");
    describe_counter!("riegel_codes_passed_total", "One-time codes entered correctly, by purpose and channel");
    describe_counter!("riegel_codes_refused_total", "Wrong one-time codes entered, by purpose");
    describe_counter!("riegel_tans_total", "TANs sent, passed, refused and voided");
    describe_counter!("riegel_locks_set_total", "Locks set: the 24 h account lock and the TAN lock");
    describe_counter!("riegel_locks_lifted_total", "Locks lifted by support or an operator");
    describe_counter!("riegel_quota_refusals_total", "Sends or entries refused by a quota, by quota");
    describe_counter!("riegel_deliveries_total", "Delivery attempts of the outbox, by provider, channel and outcome");
    describe_gauge!("riegel_outbox_waiting", "Messages waiting for delivery, by channel");
    describe_gauge!(
        "riegel_outbox_oldest_age_seconds",
        Unit::Seconds,
        "Age of the oldest message waiting for delivery, by channel (0: none waits)"
    );
    describe_gauge!("riegel_argon2_jobs", "Password hashes running or waiting for a thread");
    describe_gauge!("riegel_argon2_capacity", "Password hashes admitted at most (threads plus queue)");
    describe_counter!("riegel_argon2_refusals_total", "Password hashes refused because the queue was full");
    describe_gauge!("riegel_db_pool_connections", "Connections of the database pool, in use and idle");
    describe_histogram!("riegel_db_write_wait_seconds", Unit::Seconds, "Time a write waited for its turn or its locks");
    describe_counter!("riegel_db_write_timeouts_total", "Writes that gave up waiting for their turn or their locks");
    describe_gauge!("riegel_push_streams_open", "Open event streams of push devices and waiting login screens");
    describe_gauge!("riegel_build_info", "The running build: version and database backend (always 1)");
}
