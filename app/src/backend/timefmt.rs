//! Times as people read them: to the minute, in the portal's zone (Europe/Berlin) on the
//! server; the browser shows its own zone once the page is hydrated.

use crate::domain::{lang::Lang, time::Timestamp};

pub const PORTAL_ZONE: &str = "Europe/Berlin";

/// `24.11.2026, 14:05 Uhr (CET)` or `24 Nov 2026, 14:05 (CET)`.
pub fn minute(at: Timestamp, lang: Lang) -> String {
    let zoned = jiff::Timestamp::from_second(at.0)
        .ok()
        .and_then(|t| jiff::tz::TimeZone::get(PORTAL_ZONE).ok().map(|tz| t.to_zoned(tz)));
    match (zoned, lang) {
        (Some(z), Lang::De) => z.strftime("%d.%m.%Y, %H:%M Uhr (%Z)").to_string(),
        (Some(z), Lang::En) => z.strftime("%-d %b %Y, %H:%M (%Z)").to_string(),
        (None, _) => format!("{} UTC", at.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_winter_and_summer() {
        // 2026-11-24T13:05:00Z is 14:05 CET; 2026-07-01T12:00:00Z is 14:00 CEST.
        assert_eq!(minute(Timestamp(1_795_525_500), Lang::De), "24.11.2026, 14:05 Uhr (CET)");
        assert_eq!(minute(Timestamp(1_782_907_200), Lang::En), "1 Jul 2026, 14:00 (CEST)");
    }
}
